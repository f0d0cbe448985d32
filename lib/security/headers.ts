/**
 * The per-request security headers (proxy.ts sets them; the static ones live in next.config.mjs).
 * The Content-Security-Policy carries a fresh nonce that Next.js puts on its own scripts.
 */
export function contentSecurityPolicy(options: {
  nonce: string;
  formActionOrigins: readonly string[];
  development: boolean;
  /** Served over HTTPS: ask browsers to fetch any http:// subresource over https. */
  https: boolean;
}): string {
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonce'd Next.js runtime loads are trusted, nothing else.
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${options.nonce}'`,
    // next/image writes a style attribute (color: transparent); attributes cannot carry a nonce.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    // The checkout form's answer redirects to PayRam's page: its origins must be allowed.
    `form-action 'self' ${options.formActionOrigins.join(" ")}`.trim(),
    "frame-ancestors 'none'",
  ];
  if (options.https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** HSTS only where the shop is served over HTTPS in production (a localhost demo must stay reachable). */
export function strictTransportSecurity(appBaseUrl: string, production: boolean): string | null {
  return production && appBaseUrl.startsWith("https:") ? "max-age=31536000; includeSubDomains" : null;
}
