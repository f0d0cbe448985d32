/** @type {import('next').NextConfig} */
const nextConfig = {
  // better-sqlite3 and pg are in Next's built-in serverExternalPackages list: nothing to add.
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
