/** @type {import('next').NextConfig} */
const nextConfig = {
  // better-sqlite3 and pg are in Next's built-in serverExternalPackages list: nothing to add.
  poweredByHeader: false,
  // `npm test` type-checks the whole project (tsc) before it builds: the build need not do it again.
  typescript: { ignoreBuildErrors: process.env.BUILD_TYPES_CHECKED === "1" },
  reactStrictMode: true,
  experimental: {
    serverActions: {
      // The product form posts its files to a server action (default limit 1 MB): a download
      // file of up to 8 MB and an image of up to 2 MB (lib/catalog/media.ts), plus the text
      // fields and multipart framing. Larger bodies are refused before the action runs.
      bodySizeLimit: "11mb",
    },
    // proxy.ts runs before those actions and buffers the body up to this size (default 10 MB);
    // a longer body would reach the action cut short.
    proxyClientMaxBodySize: "11mb",
  },
  // The same on every response, assets included; the CSP (with a per-request nonce) and HSTS
  // come from proxy.ts.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          // Order URLs are secret: other sites (PayRam's page included) see only our origin.
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()" },
        ],
      },
    ];
  },
};

export default nextConfig;
