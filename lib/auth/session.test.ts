import { describe, expect, it } from "vitest";
import { createSessionToken, newSessionId, readSessionToken, SESSION_TTL_MS, verifySessionToken } from "./session";

const KEYS = { sessionSecret: "admin-session-test-secret-0123456789abcdef" };

describe("merchant session token", () => {
  it("names its session and is valid until it expires", () => {
    const now = Date.now();
    const id = newSessionId();
    const token = createSessionToken(KEYS, { id, expiresAt: now + SESSION_TTL_MS });
    expect(readSessionToken(KEYS, token, now + 1000)).toEqual({ id, expiresAt: now + SESSION_TTL_MS });
    expect(verifySessionToken(KEYS, token, now + SESSION_TTL_MS + 1)).toBe(false);
  });

  it("refuses tampering, another secret and garbage", () => {
    const token = createSessionToken(KEYS, { id: newSessionId(), expiresAt: Date.now() + SESSION_TTL_MS });
    const [id, expires, mac] = token.split(".") as [string, string, string];
    expect(verifySessionToken(KEYS, token)).toBe(true);
    expect(verifySessionToken(KEYS, `${id}.${Number(expires) + 1000}.${mac}`)).toBe(false);
    expect(verifySessionToken(KEYS, `${newSessionId()}.${expires}.${mac}`)).toBe(false);
    // A different MAC: "A" and "E" end base64url SHA-256s with different bits ("B" would decode like "A").
    const otherLast = mac.endsWith("A") ? "E" : "A";
    expect(verifySessionToken(KEYS, `${id}.${expires}.${mac.slice(0, -1)}${otherLast}`)).toBe(false);
    expect(verifySessionToken({ ...KEYS, sessionSecret: "another-secret-0123456789abcdefghijkl" }, token)).toBe(false);
    for (const junk of [undefined, "", "a.b", "a.b.c", `${id}.9999999999999.y`, `${expires}.${id}.${mac}`]) expect(verifySessionToken(KEYS, junk)).toBe(false);
  });
});
