import { describe, expect, it } from "vitest";
import { adminReturnPath } from "./return-path";

describe("where sign-in sends the merchant back to", () => {
  it("keeps a path inside the merchant area, with its query", () => {
    expect(adminReturnPath("/admin")).toBe("/admin");
    expect(adminReturnPath("/admin/orders/abc?q=x%40y.com")).toBe("/admin/orders/abc?q=x%40y.com");
    expect(adminReturnPath("/admin/./attention")).toBe("/admin/attention");
  });

  it("never leaves the shop: dot segments, protocol-relative and backslash paths, other schemes (issue 29.1)", () => {
    for (const attack of [
      "/admin/../..//evil.example",
      "/admin/..//evil.example",
      "//evil.example/admin",
      "/\\evil.example/admin",
      "/admin/..\\..\\/evil.example",
      "https://evil.example/admin",
      "javascript:alert(1)//admin",
      "/admin/../orders",
      "/admin/%2e%2e/%2e%2e//evil.example",
      "http://user:pass@shop.invalid/admin",
    ]) {
      const path = adminReturnPath(attack);
      // What the browser would make of the redirect, from the shop's own page.
      const landed = new URL(path, "https://shop.example.com/admin/sign-in");
      expect(landed.origin, attack).toBe("https://shop.example.com");
      expect(landed.pathname === "/admin" || landed.pathname.startsWith("/admin/"), attack).toBe(true);
    }
    expect(adminReturnPath("/admin/../..//evil.example")).toBe("/admin");
  });

  it("never sends the merchant back to the sign-in page", () => {
    expect(adminReturnPath("/admin/sign-in")).toBe("/admin");
    expect(adminReturnPath("/admin/x/../sign-in?next=/admin")).toBe("/admin");
  });
});
