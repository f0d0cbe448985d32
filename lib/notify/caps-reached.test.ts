import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { TEST_RELYING_PARTY } from "@/test/webauthn";
import { receiveWebhook } from "../webhooks/webhook";
import { createPayramClient } from "../payram/client";
import { attemptSignIn } from "../auth/sign-in";
import { capsReached } from "./attention";

describeOnEachDatabase("caps reached, for Needs attention", (get) => {
  it("tells the merchant how often refused traffic hit its cap in the last day, and how much was turned away", async () => {
    const { db } = get();
    const now = Date.parse("2026-11-26T12:00:30.000Z");
    expect(await capsReached(db, now)).toEqual([]);
    // 70 unsigned deliveries from ever new addresses, in one minute (refused before PayRam would be asked).
    const payram = createPayramClient({ baseUrl: "http://127.0.0.1:9", apiKey: "the-real-key-0123", timeoutMs: 1_000 });
    const deps = { db, payram, webhookKeys: ["the-real-key-0123"], requireSignature: false };
    for (let i = 0; i < 70; i++) {
      const body = Buffer.from(`{"reference_id":"R${i}"}`);
      await receiveWebhook(deps, { method: "POST", headers: new Headers(), body, query: new URLSearchParams(), client: `192.0.2.${i}`, receivedAt: now });
    }
    // 55 wrong passwords from 55 addresses.
    const keys = { sessionSecret: "s".repeat(40), passkeys: TEST_RELYING_PARTY };
    for (let i = 0; i < 55; i++) await attemptSignIn(db, keys, { email: "owner@example.com", password: `guess ${i}`, client: `198.51.100.${i}`, knownBrowser: undefined }, now);
    expect((await capsReached(db, now)).map((cap) => cap.summary)).toEqual([
      "Refused webhook deliveries hit their cap (60 a minute) once in the last day; 10 turned away (answered 429, not recorded).",
      "Sign-ins from browsers that never signed in here hit their cap (50 per 15 minutes) once in the last day; 5 turned away (past it, each address has one check a quarter hour).",
    ]);
    // A day later it is history.
    expect(await capsReached(db, now + 25 * 60 * 60_000)).toEqual([]);
  });
});
