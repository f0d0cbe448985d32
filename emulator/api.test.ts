import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, nextCustomer, startHarness, type Harness } from "./testing/helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ publicUrl: "http://pay.test:4000", config: { webhooks: { enabled: false } } });
});
afterEach(() => h.reset());
afterAll(() => h.close());

const post = (json: unknown, key: string | null = API_KEY) => h.request("/api/v1/payment", { method: "POST", json, key });
const valid = () => ({ customerEmail: "shopper@example.com", customerID: nextCustomer(), amountInUSD: 49.99 });

describe("GET /api/v1/health", () => {
  it("answers without an API key", async () => {
    const res = await h.request("/api/v1/health", { key: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("POST /api/v1/payment", () => {
  it("creates a payment and returns host, reference_id and the hosted page url", async () => {
    const res = await post(valid());
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.host).toBe("http://pay.test:4000");
    expect(body.reference_id).toMatch(UUID);
    expect(body.url).toBe(`http://pay.test:4000/payments?reference_id=${body.reference_id}`);
  });

  it("matches request keys case-insensitively (customerId, CUSTOMEREMAIL, amountinusd)", async () => {
    const res = await post({ CUSTOMEREMAIL: "a@example.com", customerId: "cust-x", amountinusd: 5 });
    expect(res.status).toBe(200);
    const { reference_id } = await res.json();
    const status = await h.status(reference_id);
    expect(status).toMatchObject({ customerID: "cust-x", amountInUSD: "5.00", invoiceID: reference_id });
  });

  it("keeps optional invoiceID, currency and network", async () => {
    const { reference_id } = await h.create({ invoiceID: "1001-1", currency: "usdt", network: "eth" });
    const status = await h.status(reference_id);
    expect(status).toMatchObject({ invoiceID: "1001-1", currencySymbol: "USDT", blockchainSymbol: "ETH" });
  });

  it("adds &host= to the url when urlIncludesHost is on", async () => {
    h.emulator.setConfig({ api: { urlIncludesHost: true } });
    const { url, reference_id } = await h.create();
    expect(url).toBe(`http://pay.test:4000/payments?reference_id=${reference_id}&host=${encodeURIComponent("http://pay.test:4000")}`);
  });

  it("answers host and url on localhost when PayRam's Site URL is unset, and still creates the payment", async () => {
    h.emulator.setConfig({ api: { siteUrlUnset: true } });
    const { host, url, reference_id } = await h.create();
    expect(host).toBe("http://localhost");
    expect(url).toBe(`http://localhost/payments?reference_id=${reference_id}`);
    expect(await h.status(reference_id)).toMatchObject({ referenceID: reference_id, paymentState: "OPEN" });
  });

  it.each([
    ["missing API key", null],
    ["wrong API key", "not-the-key"],
    ["key with a different length", `${API_KEY}x`],
  ])("answers 401 with PayRam's body for a %s", async (_name, key) => {
    const res = await post(valid(), key);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "UNAUTHORIZED", message: "Unauthorised access!" } });
  });

  it("refuses Authorization: Bearer", async () => {
    const res = await h.request("/api/v1/payment", { method: "POST", json: valid(), key: null, headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(401);
  });

  it.each([
    ["no email", { customerID: "c", amountInUSD: 1 }, "customerEmail"],
    ["a bad email", { customerEmail: "nope", customerID: "c", amountInUSD: 1 }, "customerEmail"],
    ["no customer", { customerEmail: "a@example.com", amountInUSD: 1 }, "customerID"],
    ["an empty customer", { customerEmail: "a@example.com", customerID: " ", amountInUSD: 1 }, "customerID"],
    ["no amount", { customerEmail: "a@example.com", customerID: "c" }, "amountInUSD"],
    ["a zero amount", { customerEmail: "a@example.com", customerID: "c", amountInUSD: 0 }, "amountInUSD"],
    ["a negative amount", { customerEmail: "a@example.com", customerID: "c", amountInUSD: -1 }, "amountInUSD"],
    ["fractions of a cent", { customerEmail: "a@example.com", customerID: "c", amountInUSD: 49.999 }, "amountInUSD"],
    ["a string amount", { customerEmail: "a@example.com", customerID: "c", amountInUSD: "49.99" }, "amountInUSD"],
    ["a bad expire", { customerEmail: "a@example.com", customerID: "c", amountInUSD: 1, expire: "tomorrow" }, "expire"],
    ["an unsupported currency", { customerEmail: "a@example.com", customerID: "c", amountInUSD: 1, currency: "DOGE" }, "currency"],
  ])("answers 400 in the nested envelope for %s", async (_name, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const json = await res.json();
    expect(json.error.code).toBe(3);
    expect(json.error.message).toContain(field);
  });

  it("answers 400 {error:text} for a body that is not a JSON object", async () => {
    for (const json of [[1, 2], "text", null]) {
      const res = await post(json);
      expect(res.status).toBe(400);
    }
  });

  it("answers 400 {error:text} for malformed JSON", async () => {
    const res = await h.request("/api/v1/payment", { method: "POST", body: '{"customerEmail": ', headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid JSON in request body" });
  });

  it("answers 413 for a body above 64 KiB, and still serves the next request", async () => {
    const res = await post({ ...valid(), padding: "x".repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "request body too large" });
    expect((await post(valid())).status).toBe(200);
  });

  it("answers 405 for other methods", async () => {
    const res = await h.request("/api/v1/payment", { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("GET /api/v1/payment/reference/{id}", () => {
  it("answers the camelCase shape with decimal-string amounts", async () => {
    const { reference_id } = await h.create({ amountInUSD: 49.99, invoiceID: "77-1", customerID: "order_77" });
    const body = await h.status(reference_id);
    expect(body).toEqual({
      referenceID: reference_id,
      invoiceID: "77-1",
      customerID: "order_77",
      amountInUSD: "49.99",
      filledAmount: "0.000000",
      filledAmountInUSD: null,
      paymentState: "OPEN",
      currencySymbol: "USDC",
      currencyName: "USD Coin",
      currencyDecimals: 6,
      blockchainSymbol: "BASE",
      depositAddress: null,
      merchantName: "Lumen Goods",
      successURL: "http://localhost:3000/checkout/return",
      cancelURL: "http://localhost:3000/checkout/return",
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      explorerTransaction: "",
      confirmationCurrent: 0,
      confirmationRequired: 1,
    });
  });

  it("reports deposits exactly, in crypto units and USD, with the address and explorer link", async () => {
    const { reference_id } = await h.create({ amountInUSD: 0.3 });
    h.emulator.deposit(reference_id, "0.1");
    h.emulator.deposit(reference_id, 0.2);
    const body = await h.status(reference_id);
    expect(body).toMatchObject({
      paymentState: "FILLED",
      amountInUSD: "0.30",
      filledAmount: "0.300000",
      filledAmountInUSD: "0.30",
      depositAddress: expect.stringMatching(/^0x[0-9a-f]{40}$/),
      explorerTransaction: expect.stringMatching(/^https:\/\/basescan\.org\/tx\/0x[0-9a-f]{64}$/),
      confirmationCurrent: 1,
    });
  });

  it("answers the old FAQ's snake_case shape when statusShape is snake", async () => {
    const { reference_id } = await h.create({ amountInUSD: 20 });
    h.emulator.deposit(reference_id, "5.5");
    h.emulator.setConfig({ api: { statusShape: "snake" } });
    const body = await h.status(reference_id);
    expect(body).toMatchObject({
      reference_id,
      amount: "20.00",
      filled_amount: "5.500000",
      filled_amount_in_usd: "5.50",
      payment_state: "PARTIALLY_FILLED",
      currency_symbol: "USDC",
      deposit_address: expect.stringMatching(/^0x/),
    });
    expect(body).not.toHaveProperty("paymentState");
  });

  it("answers JSON numbers when amounts is number, in both shapes", async () => {
    const { reference_id } = await h.create({ amountInUSD: 12.5 });
    h.emulator.deposit(reference_id, "2.25");
    h.emulator.setConfig({ api: { amounts: "number" } });
    expect(await h.status(reference_id)).toMatchObject({ amountInUSD: 12.5, filledAmount: 2.25, filledAmountInUSD: 2.25 });
    h.emulator.setConfig({ api: { statusShape: "snake" } });
    expect(await h.status(reference_id)).toMatchObject({ amount: 12.5, filled_amount: 2.25, filled_amount_in_usd: 2.25 });
  });

  it("spells CANCELLED as CANCELED when asked", async () => {
    const { reference_id } = await h.create();
    h.emulator.cancel(reference_id);
    h.emulator.setConfig({ api: { cancelledSpelling: "CANCELED" } });
    expect((await h.status(reference_id)).paymentState).toBe("CANCELED");
  });

  it("answers 404 with a flat body for an unknown reference and 400 for a malformed one", async () => {
    const unknown = await h.request("/api/v1/payment/reference/00000000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ code: 5, message: "payment not found" });
    const malformed = await h.request("/api/v1/payment/reference/not-a-uuid");
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe(3);
  });

  it("answers 401 without the right key", async () => {
    const { reference_id } = await h.create();
    const res = await h.request(`/api/v1/payment/reference/${reference_id}`, { key: "wrong" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "UNAUTHORIZED", message: "Unauthorised access!" } });
  });

  it("reports the deposit address once the shopper opened the hosted page", async () => {
    const { reference_id, url } = await h.create();
    expect((await h.status(reference_id)).depositAddress).toBeNull();
    await fetch(`${h.emulator.url}${new URL(url).pathname}${new URL(url).search}`);
    expect((await h.status(reference_id)).depositAddress).toMatch(/^0x[0-9a-f]{40}$/);
  });
});

describe("unknown routes", () => {
  it("answers 404 JSON", async () => {
    const res = await h.request("/api/v2/nothing");
    expect(res.status).toBe(404);
  });
});
