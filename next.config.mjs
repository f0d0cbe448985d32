import createNextIntlPlugin from "next-intl/plugin";

/** @type {import('next').NextConfig} */
const nextConfig = {
  // better-sqlite3 and pg are in Next's built-in serverExternalPackages list: nothing to add.
  poweredByHeader: false,
  // The shipped server: .next/standalone/server.js with only the files it needs (traced), which is
  // what the Dockerfile copies and what every suite runs (scripts/build.mjs puts the static files
  // beside it). Traced from this folder, so the server sits at the top of .next/standalone.
  output: "standalone",
  outputFileTracingRoot: import.meta.dirname,
  // `npm test` type-checks the whole project (tsc) before it builds: the build need not do it again.
  typescript: { ignoreBuildErrors: process.env.BUILD_TYPES_CHECKED === "1" },
  reactStrictMode: true,
  experimental: {
    // Server actions keep Next's default body limit, 1 MB (serverActions.bodySizeLimit): every
    // visitor can post to them. The product form's files go to app/admin/api/uploads (merchant
    // only, checked before the body is read). proxy.ts refuses a longer declared body with 413
    // before anything is buffered; a chunked one is buffered only up to this size (default 10 MB).
    proxyClientMaxBodySize: "1mb",
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

// The shopper's languages: next-intl reads each request's from i18n/request.ts (issue 31).
export default createNextIntlPlugin("./i18n/request.ts")(nextConfig);
