import { describe, expect, it } from "vitest";
import { createSessionToken, passwordMatches, SESSION_TTL_MS, verifySessionToken } from "./session";

const SECRET = "admin-session-test-secret-0123456789abcdef";

describe("merchant session token", () => {
  it("is valid until it expires", () => {
    const now = Date.now();
    const token = createSessionToken(SECRET, now);
    expect(verifySessionToken(SECRET, token, now + 1000)).toBe(true);
    expect(verifySessionToken(SECRET, token, now + SESSION_TTL_MS + 1)).toBe(false);
  });

  it("refuses tampering, another secret and garbage", () => {
    const token = createSessionToken(SECRET);
    const [expires, nonce, mac] = token.split(".") as [string, string, string];
    expect(verifySessionToken(SECRET, `${Number(expires) + 1000}.${nonce}.${mac}`)).toBe(false);
    expect(verifySessionToken(SECRET, `${expires}.${nonce}x.${mac}`)).toBe(false);
    // A different MAC: "A" and "E" end base64url SHA-256s with different bits ("B" would decode like "A").
    const otherLast = mac.endsWith("A") ? "E" : "A";
    expect(verifySessionToken(SECRET, `${expires}.${nonce}.${mac.slice(0, -1)}${otherLast}`)).toBe(false);
    expect(verifySessionToken("another-secret-0123456789abcdefghijkl", token)).toBe(false);
    for (const junk of [undefined, "", "a.b", "a.b.c", "9999999999999.x.y"]) expect(verifySessionToken(SECRET, junk)).toBe(false);
  });
});

it("compares passwords exactly", () => {
  expect(passwordMatches("correct horse", "correct horse")).toBe(true);
  expect(passwordMatches("correct hors", "correct horse")).toBe(false);
  expect(passwordMatches("", "correct horse")).toBe(false);
});
