import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startHarness, waitFor, type Harness } from "./testing/helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    merchantName: "Lumen <Goods>",
    successUrl: "http://shop.test/orders/return?from=payram",
    cancelUrl: "http://shop.test/cart",
  });
});
afterEach(() => h.reset());
afterAll(() => h.close());

const page = async (ref: string, extra = "") => {
  const res = await fetch(`${h.emulator.url}/payments?reference_id=${ref}${extra}`);
  return { status: res.status, html: await res.text(), type: res.headers.get("content-type") };
};
const submit = (action: "deposit" | "cancel", fields: Record<string, string>) =>
  fetch(`${h.emulator.url}/payments/${action}`, { method: "POST", body: new URLSearchParams(fields), redirect: "manual" });
const stateOf = (html: string) => /id="payment-state"[^>]*>([A-Z_]+)</.exec(html)?.[1];

describe("hosted payment page", () => {
  it("shows merchant, amounts, state, address with copy button, QR code and the actions", async () => {
    const { reference_id: ref, url } = await h.create({ amountInUSD: 49.99 });
    expect(new URL(url).pathname).toBe("/payments");
    const { status, html, type } = await page(ref);
    expect(status).toBe(200);
    expect(type).toContain("text/html");
    expect(html).toContain("Pay Lumen &#60;Goods&#62;");
    expect(html).not.toContain("<Goods>");
    expect(html).toContain('id="amount-due">$49.99');
    expect(html).toContain('id="amount-received">$0.00');
    expect(stateOf(html)).toBe("OPEN");
    expect(html).toMatch(/<input id="deposit-address" readonly value="0x[0-9a-f]{40}">/);
    expect(html).toContain('aria-label="Copy deposit address"');
    expect(html).toMatch(/role="img" aria-label="QR code of the deposit address"><svg[^>]*>/);
    for (const name of ["Send full amount", "Send partial amount", "Send over amount", "Send custom amount", "Cancel payment"]) {
      expect(html).toContain(`>${name}</button>`);
    }
    expect(html).toContain('<label for="custom-amount">');
    // Self-contained: no external stylesheet, script, image or font.
    expect(html).not.toMatch(/<link|<script[^>]+src=|<img|url\(|@import/);
  });

  it("keeps the same deposit address for a payment across views", async () => {
    const { reference_id: ref } = await h.create();
    const address = (html: string) => /id="deposit-address" readonly value="([^"]+)"/.exec(html)?.[1];
    const first = address((await page(ref)).html);
    expect(first).toMatch(/^0x[0-9a-f]{40}$/);
    expect(address((await page(ref)).html)).toBe(first);
  });

  it("answers 404 for an unknown or malformed reference", async () => {
    expect((await page("00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await page("<script>")).status).toBe(404);
  });

  it("partial then full: POST-redirect-GET to FILLED with webhooks, then offers the success URL", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 10.01 });
    let res = await submit("deposit", { reference_id: ref, kind: "partial" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/payments?reference_id=${ref}&sent=5.00`);
    let view = await page(ref, "&sent=5.00");
    expect(stateOf(view.html)).toBe("PARTIALLY_FILLED");
    expect(view.html).toContain("Sent $5.00.");
    expect(view.html).toContain('id="amount-remaining">$5.01');

    res = await submit("deposit", { reference_id: ref, kind: "full" });
    expect(res.headers.get("location")).toContain("&sent=5.01");
    view = await page(ref);
    expect(stateOf(view.html)).toBe("FILLED");
    expect(view.html).not.toContain("Send full amount");
    expect(view.html).toContain(`href="http://shop.test/orders/return?from=payram&#38;reference_id=${ref}"`);
    await waitFor("two webhooks", () => h.receiver.bodies().filter((b) => b.reference_id === ref).length === 2);
  });

  it("over sends $1.00 more than remaining → OVER_FILLED", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 3 });
    await submit("deposit", { reference_id: ref, kind: "over" });
    expect(h.emulator.payment(ref)).toMatchObject({ state: "OVER_FILLED", filledAmountInUSD: "4.00" });
  });

  it("custom sends the typed amount and refuses bad input with a fixed message", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 3 });
    const bad = await submit("deposit", { reference_id: ref, kind: "custom", amount: "1.234" });
    expect(bad.headers.get("location")).toBe(`/payments?reference_id=${ref}&error=amount`);
    expect((await page(ref, "&error=amount")).html).toContain("at most 2 decimals");
    await submit("deposit", { reference_id: ref, kind: "custom", amount: "3" });
    expect(h.emulator.payment(ref)?.state).toBe("FILLED");
    const closed = await submit("deposit", { reference_id: ref, kind: "custom", amount: "1" });
    expect(closed.headers.get("location")).toContain("&error=closed");
    expect(h.emulator.payment(ref)?.filledAmountInUSD).toBe("3.00");
  });

  it("cancel → CANCELLED and offers the cancel URL", async () => {
    const { reference_id: ref } = await h.create();
    const res = await submit("cancel", { reference_id: ref });
    expect(res.status).toBe(303);
    const { html } = await page(ref, "&cancelled=1");
    expect(stateOf(html)).toBe("CANCELLED");
    expect(html).toContain("Payment cancelled.");
    expect(html).toContain(`href="http://shop.test/cart?reference_id=${ref}"`);
    expect((await submit("cancel", { reference_id: ref })).headers.get("location")).toContain("&error=closed");
  });

  it("rejects forms for unknown payments", async () => {
    expect((await submit("deposit", { reference_id: "00000000-0000-4000-8000-000000000000", kind: "full" })).status).toBe(404);
    expect((await submit("deposit", { reference_id: "x", kind: "full" })).status).toBe(400);
  });

  it("serves an index of payments at /", async () => {
    const { reference_id: ref } = await h.create();
    const html = await (await fetch(`${h.emulator.url}/`)).text();
    expect(html).toContain(`/payments?reference_id=${ref}`);
  });
});
