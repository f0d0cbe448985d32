/** @type {import('next').NextConfig} */
const nextConfig = {
  // better-sqlite3 and pg are in Next's built-in serverExternalPackages list: nothing to add.
  poweredByHeader: false,
  reactStrictMode: true,
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
