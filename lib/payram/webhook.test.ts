import { describe, expect, it } from "vitest";
import { readWebhook, signWebhookBody, type WebhookRequest } from "./webhook";

const KEY = "project-key-0123456789";
const keys = { keys: [KEY], requireSignature: false };
const REF = "11111111-1111-4111-8111-111111111111";

function post(body: unknown, headers: Record<string, string> = {}): WebhookRequest {
  const raw = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  return { method: "POST", headers: new Headers(headers), body: raw, query: new URLSearchParams() };
}

function signed(body: unknown, headers: Record<string, string> = {}, key = KEY): WebhookRequest {
  const raw = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  return post(body, { "X-Payram-Signature": signWebhookBody(raw, key), ...headers });
}

function get(query: string, headers: Record<string, string> = { "API-Key": KEY }): WebhookRequest {
  return { method: "GET", headers: new Headers(headers), body: new Uint8Array(), query: new URLSearchParams(query) };
}

describe("the test ping", () => {
  it("is read unsigned when it says X-Webhook-Test: true (reading A)", () => {
    expect(readWebhook(post({ event_type: "payout.ping" }, { "X-Webhook-Test": "true" }), keys)).toEqual({ kind: "ping" });
    expect(readWebhook(post("", { "x-webhook-test": " TRUE " }), { keys: [KEY], requireSignature: true })).toEqual({ kind: "ping" });
  });

  it("is read when signed with an empty API-Key header (reading B), even when a signature is required", () => {
    expect(readWebhook(signed({ event_type: "payout.ping" }, { "API-KEY": "" }), keys)).toEqual({ kind: "ping" });
    expect(readWebhook(signed({ message: "test" }, { "API-KEY": " " }), { keys: [KEY], requireSignature: true })).toEqual({ kind: "ping" });
  });

  it("is not read from an empty API-Key header when the signature does not verify, or is missing", () => {
    expect(readWebhook(signed({ event_type: "payout.ping" }, { "API-KEY": "" }, "attacker-key-0123"), keys)).toEqual({ kind: "refused", reason: "wrong X-Payram-Signature" });
    expect(readWebhook(post({ event_type: "payout.ping" }, { "API-KEY": "" }), keys)).toEqual({ kind: "refused", reason: "wrong API-Key" });
  });

  it("is not read from a signed delivery with an empty API-Key header that names a payment: that is news", () => {
    expect(readWebhook(signed({ reference_id: REF, status: "FILLED" }, { "API-KEY": "" }), keys)).toMatchObject({ kind: "payment", auth: "signature", names: { referenceId: REF } });
  });

  it("is not read from a signed delivery whose API-Key header carries a key", () => {
    expect(readWebhook(signed({ event_type: "payout.ping" }, { "API-KEY": KEY }), keys)).toMatchObject({ kind: "payout", auth: "signature" });
  });
});

describe("authentication", () => {
  it.each([
    ["a wrong signature, even with a valid legacy key", signed({ reference_id: REF }, { "API-Key": KEY }, "attacker-key-0123"), "wrong X-Payram-Signature"],
    ["a malformed signature", post({ reference_id: REF }, { "X-Payram-Signature": "sha1=abc" }), "malformed X-Payram-Signature"],
    ["a wrong legacy key", post({ reference_id: REF }, { "API-Key": "wrong-key-0123456" }), "wrong API-Key"],
    ["no credentials", post({ reference_id: REF }), "no X-Payram-Signature and no API-Key"],
    ["a GET's signature (its body never arrives)", get(`reference_id=${REF}`, { "X-Payram-Signature": signWebhookBody(new Uint8Array(), KEY) }), "no X-Payram-Signature and no API-Key"],
  ])("refuses %s", (_name, request, reason) => {
    expect(readWebhook(request, keys)).toEqual({ kind: "refused", reason });
  });

  it("takes the legacy key alone unless a signature is required, and any listed key during a rotation", () => {
    const legacy = post({ reference_id: REF }, { "API-Key": ` ${KEY} ` });
    expect(readWebhook(legacy, keys)).toMatchObject({ kind: "payment", auth: "api_key" });
    expect(readWebhook(legacy, { keys: [KEY], requireSignature: true })).toEqual({ kind: "refused", reason: "no X-Payram-Signature (a signature is required)" });
    expect(readWebhook(signed({ reference_id: REF }), { keys: ["new-key-0123456789", KEY], requireSignature: true })).toMatchObject({ kind: "payment", auth: "signature" });
  });
});

describe("the payload", () => {
  it("names the payment by reference first, else by invoice id, and keeps what it said for the log", () => {
    expect(readWebhook(signed({ reference_id: REF, invoice_id: "1001-1", status: "FILLED", event_type: "payment.updated" }), keys)).toEqual({
      kind: "payment",
      auth: "signature",
      names: { referenceId: REF, invoiceId: "1001-1" },
      notice: { referenceId: REF, invoiceId: "1001-1", status: "FILLED", eventType: "payment.updated", customerId: null, customerEmail: null, filledCents: null, confirmations: null, payoutId: null },
    });
    expect(readWebhook(signed({ invoice_id: 1001, status: "OPEN" }), keys)).toMatchObject({ kind: "payment", names: { invoiceId: "1001" } });
    // A request PayRam opened by itself has an empty invoice id: no invoice, still a payment.
    expect(readWebhook(signed({ reference_id: REF, invoice_id: "", customer_id: "order_1001", status: "FILLED" }), keys)).toMatchObject({
      kind: "payment",
      notice: { invoiceId: null, customerId: "order_1001" },
    });
    // The customer PayRam holds the payment for comes along with its reference (a top-up's order).
    expect(readWebhook(signed({ reference_id: REF, customer_id: "order_1001", customer_email: "a@example.com" }), keys)).toMatchObject({
      kind: "payment",
      names: { referenceId: REF, customer: { id: "order_1001", email: "a@example.com" } },
    });
  });

  it("reads a payout event as one, whatever else it carries", () => {
    expect(readWebhook(signed({ event_type: "Payout.Processed", reference_id: "p-1", payout_id: "42", status: "PROCESSED" }), keys)).toEqual({
      kind: "payout",
      auth: "signature",
      notice: { referenceId: "p-1", invoiceId: null, eventType: "Payout.Processed", status: "PROCESSED", customerId: null, customerEmail: null, filledCents: null, confirmations: null, payoutId: "42" },
    });
  });

  it.each([
    ["a body that is not JSON", "{not json", "body is not JSON"],
    ["JSON that is not an object", [1, 2], "payload is not a PayRam notification"],
    ["an empty reference", { reference_id: " " }, "payload is not a PayRam notification"],
    ["a POST naming no payment", { status: "FILLED" }, "no reference_id"],
  ])("finds %s malformed", (_name, body, reason) => {
    expect(readWebhook(signed(body), keys)).toMatchObject({ kind: "malformed", auth: "signature", reason });
  });

  it("reads a GET's query string: a named payment, or none (every open one)", () => {
    expect(readWebhook(get(`reference_id=${REF}`), keys)).toMatchObject({ kind: "payment", auth: "api_key", names: { referenceId: REF } });
    expect(readWebhook(get("invoice_id=1001-2"), keys)).toMatchObject({ kind: "payment", names: { invoiceId: "1001-2" } });
    expect(readWebhook(get(""), keys)).toMatchObject({ kind: "payment", names: null });
    expect(readWebhook(get("reference_id="), keys)).toMatchObject({ kind: "malformed", reason: "payload is not a PayRam notification" });
  });
});
