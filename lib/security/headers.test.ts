import { expect, it } from "vitest";
import { contentSecurityPolicy, strictTransportSecurity } from "./headers";

it("lets forms go to PayRam's origins and nowhere else, and frames nothing", () => {
  const csp = contentSecurityPolicy({ nonce: "abc", formActionOrigins: ["https://pay.example.com", "https://checkout.example.com"], development: false, https: true });
  expect(csp).toContain("form-action 'self' https://pay.example.com https://checkout.example.com");
  expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic';");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("upgrade-insecure-requests");
  expect(csp).not.toContain("unsafe-eval");
});

it("allows eval only in development, and upgrades requests only over HTTPS", () => {
  const dev = contentSecurityPolicy({ nonce: "n", formActionOrigins: [], development: true, https: false });
  expect(dev).toContain("'unsafe-eval'");
  expect(dev).toContain("form-action 'self';");
  expect(dev).not.toContain("upgrade-insecure-requests");
});

it("sends HSTS only for an HTTPS shop in production", () => {
  expect(strictTransportSecurity("https://shop.example.com", true)).toBe("max-age=31536000; includeSubDomains");
  expect(strictTransportSecurity("https://shop.example.com", false)).toBeNull();
  expect(strictTransportSecurity("http://localhost:3000", true)).toBeNull();
});
