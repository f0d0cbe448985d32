import { beforeAll, expect, it, vi } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { needsAttention } from "../notify/attention";
import { addToCart, getCart } from "../cart";
import { productIdOf, seedCatalog, setProductActive } from "../catalog";
import { centsToDecimal } from "../rules/money";
import { listOrderItems } from "../orders";
import { LIMITS } from "../security/rate-limit";
import { payForOrder, startCheckout, type CheckoutDeps } from "./checkout";
import { syncPayment } from "../payments/sync";
import { issueCheckoutToken } from "./token";
import { inWordsOf } from "@/test/said";

const SECRET = "checkout-test-secret-0123456789abcdef";
const ADDRESS = {
  shippingName: "Ada Lovelace",
  shippingLine1: "12 St James's Square",
  shippingCity: "London",
  shippingPostalCode: "SW1Y 4JH",
  shippingCountry: "United Kingdom",
};

const payram = emulatorPerFile({ timeoutMs: 1_000 });

describeOnEachDatabase("checkout against the emulator", (get) => {
  let deps: CheckoutDeps;
  beforeAll(async () => {
    await seedCatalog(get().db);
    deps = {
      db: get().db,
      payram: payram.client,
      sessionSecret: SECRET,
      checkoutOrigins: [new URL(payram.emulator.publicUrl).origin],
      payramTimeoutMs: 1_000,
      paymentTtlMs: 60 * 60_000,
    };
  });

  /** A cart with these products, and the form its checkout page would carry. */
  async function cartWith(lines: [slug: string, quantity: number][]) {
    let cartId: string | undefined;
    for (const [slug, quantity] of lines) {
      const added = await addToCart(get().db, cartId, await productIdOf(get().db, slug), quantity);
      if (!added.ok) throw new Error(inWordsOf(added.error));
      cartId = added.cartId;
    }
    const token = issueCheckoutToken(SECRET, await getCart(get().db, cartId));
    return { cartId, token };
  }

  async function attemptsOf(orderId: string) {
    return get()
      .db.selectFrom("payment_attempts")
      .select(["attempt_number", "state", "reference_id", "payment_url", "failure_reason", "amount_cents"])
      .where("order_id", "=", orderId)
      .orderBy("attempt_number")
      .execute();
  }

  async function orderIdFor(token: string) {
    const row = await get().db.selectFrom("orders").select(["id", "number", "total_cents"]).where("checkout_token", "=", token).executeTakeFirstOrThrow();
    return row;
  }

  it("charges exactly the server's total and sends the shopper to PayRam's page", async () => {
    const { cartId, token } = await cartWith([
      ["aurora-desk-lamp", 2],
      ["lofi-sound-pack", 3],
    ]);
    // The browser may add whatever it likes: no price, amount or total is read from it.
    const result = await startCheckout(deps, {
      cartId,
      form: { token, email: "ada@example.com", ...ADDRESS, price: "0.01", amount: "0.01", total: "0.01", amountInUSD: "0.01" },
    });
    if (!result.ok) throw new Error(inWordsOf(result.error));

    const expectedCents = 2 * 8900 + 3 * 949;
    const order = await orderIdFor(token);
    expect(order.total_cents).toBe(expectedCents);
    const [payment] = await payram.payments();
    expect(payment).toMatchObject({
      amountInUSD: centsToDecimal(expectedCents),
      customerId: `order_${order.number}`,
      invoiceId: `${order.number}-1`,
      customerEmail: "ada@example.com",
      state: "OPEN",
    });
    expect(result).toEqual({ ok: true, orderId: order.id, redirectTo: payment!.url });
    expect(await attemptsOf(order.id)).toEqual([
      { attempt_number: 1, state: "OPEN", reference_id: payment!.referenceId, payment_url: payment!.url, failure_reason: null, amount_cents: expectedCents },
    ]);
    const items = await listOrderItems(get().db, order.id);
    expect(items.map((i) => [i.name, i.unit_price_cents, i.quantity, i.line_total_cents])).toEqual([
      ["Aurora Desk Lamp", 8900, 2, 17800],
      ["Lo-Fi Sound Pack", 949, 3, 2847],
    ]);
    // The cart is emptied once the payment has started.
    expect((await getCart(get().db, cartId)).lines).toEqual([]);
  });

  it("turns a repeated or simultaneous submit of one token into one order and one PayRam payment", async () => {
    const { cartId, token } = await cartWith([["self-custody-field-guide", 1]]);
    const form = { token, email: "twice@example.com" };
    const [a, b] = await Promise.all([startCheckout(deps, { cartId, form }), startCheckout(deps, { cartId, form })]);
    const again = await startCheckout(deps, { cartId, form });
    expect(a.ok && b.ok && again.ok).toBe(true);
    expect(new Set([a, b, again].map((r) => (r.ok ? `${r.orderId} ${r.redirectTo}` : r.error))).size).toBe(1);
    expect(await payram.payments()).toHaveLength(1);
    expect(await get().db.selectFrom("orders").select("id").where("checkout_token", "=", token).execute()).toHaveLength(1);
  });

  it("turns two tabs of one cart, submitted at once, into one order and one PayRam payment", async () => {
    const { cartId, token } = await cartWith([["merino-beanie", 1]]);
    // The second tab loaded the same checkout page: a token of its own for the same cart.
    const otherTab = issueCheckoutToken(SECRET, await getCart(get().db, cartId));
    const [a, b] = await Promise.all([
      startCheckout(deps, { cartId, form: { token, email: "tabs@example.com", ...ADDRESS } }),
      startCheckout(deps, { cartId, form: { token: otherTab, email: "tabs@example.com", ...ADDRESS } }),
    ]);
    if (!a.ok || !b.ok) throw new Error(`${a.ok ? "" : a.error} ${b.ok ? "" : b.error}`);
    expect(b).toEqual(a);
    expect(await payram.payments()).toHaveLength(1);
    expect(await get().db.selectFrom("orders").select("id").where("checkout_token", "in", [token, otherTab]).execute()).toHaveLength(1);
  });

  it("resumes the order when a second tab loads the checkout while PayRam is still answering the first", async () => {
    const { cartId, token } = await cartWith([["brass-keyring", 2]]);
    await payram.control("/config", "PUT", { faults: { create: { latencyMs: 600 } } });
    const first = startCheckout(deps, { cartId, form: { token, email: "slow@example.com", ...ADDRESS } });
    // The first order exists, its payment is still starting, and the cart is not emptied yet.
    await vi.waitFor(async () => expect(await get().db.selectFrom("orders").select("id").where("checkout_token", "=", token).executeTakeFirst()).toBeDefined(), { timeout: 5_000, interval: 10 });
    const cart = await getCart(get().db, cartId);
    expect(cart.itemCount).toBe(2);
    const second = await startCheckout(deps, { cartId, form: { token: issueCheckoutToken(SECRET, cart), email: "slow@example.com", ...ADDRESS } });
    const firstResult = await first;
    if (!firstResult.ok || !second.ok) throw new Error("both tabs should reach PayRam's page");
    expect(second).toEqual(firstResult);
    expect(await payram.payments()).toHaveLength(1);
    // Even after the cart was emptied, the second tab's page still leads to the same order.
    const late = await startCheckout(deps, { cartId, form: { token: issueCheckoutToken(SECRET, cart), email: "slow@example.com", ...ADDRESS } });
    expect(late).toEqual(firstResult);
  });

  it("starts a new order when the same things are bought again after the first order", async () => {
    const { cartId, token } = await cartWith([["lofi-sound-pack", 1]]);
    const first = await startCheckout(deps, { cartId, form: { token, email: "again@example.com" } });
    if (!first.ok) throw new Error(inWordsOf(first.error));
    // The cart was emptied by the checkout; the shopper buys the very same thing once more.
    const added = await addToCart(get().db, cartId, await productIdOf(get().db, "lofi-sound-pack"), 1);
    if (!added.ok) throw new Error(inWordsOf(added.error));
    const second = await startCheckout(deps, { cartId, form: { token: issueCheckoutToken(SECRET, await getCart(get().db, cartId)), email: "again@example.com" } });
    if (!second.ok) throw new Error(inWordsOf(second.error));
    expect(second.orderId).not.toBe(first.orderId);
    expect(await payram.payments()).toHaveLength(2);
  });

  it("never opens a second PayRam payment for submits that waited on a create that timed out", async () => {
    const { cartId, token } = await cartWith([["ceramic-pour-over", 1]]);
    // PayRam takes the request (and creates the payment) but never answers in time.
    await payram.control("/config", "PUT", { faults: { create: { mode: "hang" } } });
    const form = { token, email: "impatient@example.com", ...ADDRESS };
    const results = await Promise.all(Array.from({ length: 5 }, () => startCheckout(deps, { cartId, form })));
    for (const result of results) expect(inWordsOf(result)).toMatchObject({ ok: false, error: expect.stringMatching(/Nothing was charged/) });
    const order = await orderIdFor(token);
    expect((await attemptsOf(order.id)).map((a) => a.state)).toEqual(["START_FAILED"]);
    const stats = await payram.control<{ byEndpoint: Record<string, number> }>("/stats");
    expect(stats.byEndpoint["POST /api/v1/payment"]).toBe(1);
  });

  it("limits how many PayRam payments one order can open, whoever asks", async () => {
    const placed = await cartWith([["dot-grid-notebooks", 1]]);
    const first = await startCheckout(deps, { cartId: placed.cartId, form: { token: placed.token, email: "flood@example.com", ...ADDRESS } });
    if (!first.ok) throw new Error(inWordsOf(first.error));
    const order = await get().db.selectFrom("orders").selectAll().where("id", "=", first.orderId).executeTakeFirstOrThrow();
    const window = (t: number) => Math.floor(t / LIMITS.paymentsPerOrder.windowMs);
    const startedIn = window(Date.now());
    let refusal: string | null = null;
    let opened = 1;
    for (let round = 0; round < 2 * LIMITS.paymentsPerOrder.limit && refusal === null; round++) {
      // The shopper's payment expired: "Pay again".
      const [open] = (await payram.payments()).filter((p) => p.state === "OPEN");
      await payram.control(`/payments/${open!.referenceId}/cancel`, "POST");
      await syncPayment(deps, { referenceId: open!.referenceId }, "poll");
      const again = await payForOrder(deps, order);
      if (again.ok) opened++;
      else refusal = inWordsOf(again.error);
    }
    expect(refusal).toMatch(/Too many payment attempts for this order/);
    // A fixed window: crossing into the next one during the test allows one more window's worth.
    const windows = window(Date.now()) - startedIn + 1;
    expect(opened).toBe(windows === 1 ? LIMITS.paymentsPerOrder.limit : opened);
    expect(opened).toBeLessThanOrEqual(windows * LIMITS.paymentsPerOrder.limit);
    expect(await payram.payments()).toHaveLength(opened);
  });

  it("does not let a checkout token lead anywhere from another cart, or from none", async () => {
    const victim = await cartWith([["merino-beanie", 1]]);
    const paid = await startCheckout(deps, { cartId: victim.cartId, form: { token: victim.token, email: "victim@example.com", ...ADDRESS } });
    if (!paid.ok) throw new Error(inWordsOf(paid.error));
    const attacker = await cartWith([["lofi-sound-pack", 1]]);
    for (const cartId of [attacker.cartId, undefined]) {
      const stolen = await startCheckout(deps, { cartId, form: { token: victim.token, email: "attacker@example.com", ...ADDRESS } });
      expect(inWordsOf(stolen)).toMatchObject({ ok: false, reload: true });
      expect(JSON.stringify(stolen)).not.toContain(paid.orderId);
    }
    expect(await payram.payments()).toHaveLength(1);
  });

  it.each([
    ["500", /could not reach the payment service/],
    ["502", /could not reach the payment service/],
    ["429", /busy right now/],
    ["code5", /could not start this payment/],
    ["hang", /could not reach the payment service/],
  ])("PayRam failing with %s keeps the shopper on checkout, the cart intact, and a retry opens a new attempt", async (mode, message) => {
    const { cartId, token } = await cartWith([["merino-beanie", 1]]);
    await payram.control("/config", "PUT", { faults: { create: { mode, count: 1 } } });
    const form = { token, email: "unlucky@example.com", ...ADDRESS };

    const failed = await startCheckout(deps, { cartId, form });
    expect(inWordsOf(failed)).toMatchObject({ ok: false, error: expect.stringMatching(message) });
    expect(failed.ok ? "" : inWordsOf(failed.error)).toMatch(/Nothing was charged and your cart is saved/);
    const order = await orderIdFor(token);
    const [first] = await attemptsOf(order.id);
    expect(first).toMatchObject({ state: "START_FAILED", reference_id: null, payment_url: null });
    expect(first!.failure_reason).toBeTruthy();
    expect(first!.failure_reason).not.toContain("shop-test-key");
    expect((await getCart(get().db, cartId)).itemCount).toBe(1);

    const retried = await startCheckout(deps, { cartId, form });
    if (!retried.ok) throw new Error(inWordsOf(retried.error));
    expect((await attemptsOf(order.id)).map((a) => a.state)).toEqual(["START_FAILED", "OPEN"]);
    // Whatever the failed create may have made at PayRam is cancelled by the new one (same customerID).
    const atPayram = await payram.payments();
    expect(atPayram.filter((p) => p.state === "OPEN")).toEqual([expect.objectContaining({ invoiceId: `${order.number}-2`, customerId: `order_${order.number}` })]);
    expect(atPayram.every((p) => p.customerId === `order_${order.number}`)).toBe(true);
    expect(atPayram.filter((p) => p.invoiceId === `${order.number}-1`).map((p) => p.state)).toEqual(mode === "hang" ? ["CANCELLED"] : []);
  });

  it("a payment PayRam made although its create timed out is taken when a delivery names it, and pays the order", async () => {
    const { cartId, token } = await cartWith([["merino-beanie", 1]]);
    await payram.control("/config", "PUT", { faults: { create: { mode: "hang", count: 1 } } });
    const failed = await startCheckout(deps, { cartId, form: { token, email: "lost@example.com", ...ADDRESS } });
    expect(failed.ok).toBe(false);
    const order = await orderIdFor(token);
    const made = (await payram.payments()).find((p) => p.invoiceId === `${order.number}-1`)!;
    // PayRam's delivery while it was starting would have been refused with a 5xx (PayRam retries);
    // the shopper pays it anyway (say, from PayRam's own mail), and PayRam's delivery names it.
    await payram.deposit(made.referenceId, made.amountInUSD);
    const match = { referenceId: made.referenceId, invoiceId: `${order.number}-1`, customer: { id: `order_${order.number}`, email: "lost@example.com" } };
    expect(await syncPayment(deps, match, "webhook")).toMatchObject({ outcome: "changed", to: "FILLED", fulfilled: true });
    expect(await attemptsOf(order.id)).toEqual([expect.objectContaining({ attempt_number: 1, state: "FILLED", reference_id: made.referenceId })]);
    expect((await get().db.selectFrom("orders").select("paid_at").where("id", "=", order.id).executeTakeFirstOrThrow()).paid_at).not.toBeNull();
    // A delivery naming its invoice under a reference PayRam does not know takes nothing.
    expect(await syncPayment(deps, { ...match, invoiceId: `${order.number}-1`, referenceId: "not-a-payram-reference" }, "webhook")).toMatchObject({ outcome: "unknown_reference" });
  });

  it("part of a payment PayRam made although its create timed out counts: the payment opens again, even from a delivery without its invoice", async () => {
    const { cartId, token } = await cartWith([["merino-beanie", 1]]);
    await payram.control("/config", "PUT", { faults: { create: { mode: "hang", count: 1 } } });
    expect((await startCheckout(deps, { cartId, form: { token, email: "lost@example.com", ...ADDRESS } })).ok).toBe(false);
    const order = await orderIdFor(token);
    const made = (await payram.payments()).find((p) => p.invoiceId === `${order.number}-1`)!;
    await payram.deposit(made.referenceId, "1.00");
    // As a top-up's delivery would name it: reference and customer only.
    const match = { referenceId: made.referenceId, customer: { id: `order_${order.number}`, email: "lost@example.com" } };
    expect(await syncPayment(deps, match, "webhook")).toMatchObject({ outcome: "changed", to: "PARTIALLY_FILLED" });
    expect(await attemptsOf(order.id)).toEqual([expect.objectContaining({ attempt_number: 1, state: "PARTIALLY_FILLED", reference_id: made.referenceId })]);
    expect((await get().db.selectFrom("orders").select("received_cents").where("id", "=", order.id).executeTakeFirstOrThrow()).received_cents).toBe(100);
    // Open again: no second payment is started for the order while it is.
    expect(await startCheckout(deps, { cartId, form: { token, email: "lost@example.com", ...ADDRESS } })).toMatchObject({ ok: true });
    expect((await attemptsOf(order.id)).map((a) => a.state)).toEqual(["PARTIALLY_FILLED"]);
  });

  it("money on a timed-out start after another payment of the order opened counts, and the merchant hears PayRam may hold two", async () => {
    const { cartId, token } = await cartWith([["merino-beanie", 1]]);
    await payram.control("/config", "PUT", { faults: { create: { mode: "hang", count: 1 } } });
    const form = { token, email: "lost@example.com", ...ADDRESS };
    expect((await startCheckout(deps, { cartId, form })).ok).toBe(false);
    const order = await orderIdFor(token);
    const made = (await payram.payments()).find((p) => p.invoiceId === `${order.number}-1`)!;
    await payram.deposit(made.referenceId, "1.00");
    // The shopper retries before any delivery: a second payment opens (PayRam cancels the first, with its $1.00).
    expect(await startCheckout(deps, { cartId, form })).toMatchObject({ ok: true });
    const match = { referenceId: made.referenceId, invoiceId: `${order.number}-1`, customer: { id: `order_${order.number}`, email: "lost@example.com" } };
    await syncPayment(deps, match, "webhook");
    const attempts = await attemptsOf(order.id);
    expect(attempts.map((a) => [a.state, a.reference_id === made.referenceId])).toEqual([["CANCELLED", true], ["OPEN", false]]);
    expect((await get().db.selectFrom("orders").select("received_cents").where("id", "=", order.id).executeTakeFirstOrThrow()).received_cents).toBe(100);
    const flags = await get().db.selectFrom("attention_items").select(["kind", "detail"]).where("order_id", "=", order.id).execute();
    expect(flags).toContainEqual({ kind: "start_failed", detail: expect.stringContaining("PayRam may hold two") });
    // The merchant's list shows it, though that payment has ended since.
    const listed = await needsAttention(get().db, { partialAfterMinutes: 60 });
    expect(listed.items.filter((item) => item.orderId === order.id).map((item) => item.detail)).toContainEqual(expect.stringContaining("PayRam may hold two"));
  });

  it("does not start a payment with a wrong API key, and never records the key", async () => {
    const { cartId, token } = await cartWith([["lofi-sound-pack", 1]]);
    const wrongKey = { ...deps, payram: (await import("../payram/client")).createPayramClient({ baseUrl: payram.emulator.url, apiKey: "wrong-key-123456", timeoutMs: 1_000 }) };
    const result = await startCheckout(wrongKey, { cartId, form: { token, email: "a@example.com" } });
    expect(inWordsOf(result)).toMatchObject({ ok: false, error: expect.stringMatching(/could not start this payment/) });
    const [attempt] = await attemptsOf((await orderIdFor(token)).id);
    expect(attempt!.state).toBe("START_FAILED");
    expect(attempt!.failure_reason).toMatch(/401/);
    expect(attempt!.failure_reason).not.toContain("wrong-key");
  });

  it("refuses to send the shopper to a payment page on an origin it does not trust", async () => {
    const { cartId, token } = await cartWith([["lofi-sound-pack", 1]]);
    // Trust only another origin: the emulator's page is then foreign, whatever `host` PayRam names.
    const untrusting: CheckoutDeps = { ...deps, payramBaseUrl: payram.emulator.url, checkoutOrigins: ["https://pay.example.com"] };
    const result = await startCheckout(untrusting, { cartId, form: { token, email: "a@example.com" } });
    expect(result).toMatchObject({ ok: false });
    const [attempt] = await attemptsOf((await orderIdFor(token)).id);
    expect(attempt).toMatchObject({ state: "START_FAILED", payment_url: null });
    expect(attempt!.failure_reason).toMatch(/origin that is not allowed/);
  });

  it("closes an attempt that a crashed process left starting, and opens a new one", async () => {
    const { cartId, token } = await cartWith([["brass-keyring", 1]]);
    await payram.control("/config", "PUT", { faults: { create: { mode: "500", count: 1 } } });
    await startCheckout(deps, { cartId, form: { token, email: "crash@example.com", ...ADDRESS } });
    const order = await orderIdFor(token);
    // As if a process died between recording attempt 2 and hearing from PayRam, long ago.
    const longAgo = new Date(Date.now() - 60_000).toISOString();
    await get()
      .db.insertInto("payment_attempts")
      .values({ id: `stuck-${order.id}`, order_id: order.id, attempt_number: 2, state: "STARTING", reference_id: null, payment_url: null, amount_cents: order.total_cents, amount_received_cents: null, failure_reason: null, created_at: longAgo, updated_at: longAgo, closed_at: null })
      .execute();
    const result = await startCheckout(deps, { cartId, form: { token, email: "crash@example.com", ...ADDRESS } });
    expect(result.ok).toBe(true);
    expect((await attemptsOf(order.id)).map((a) => a.state)).toEqual(["START_FAILED", "START_FAILED", "OPEN"]);
  });

  it.each([
    ["an empty cart", async () => ({ cartId: undefined as string | undefined, token: "x".repeat(40) }), {}, /Your cart is empty/],
    ["a forged token", async () => ({ ...(await cartWith([["lofi-sound-pack", 1]])), token: "forged.token.value-0123456789" }), {}, /expired/],
    ["a token from another cart", async () => ({ ...(await cartWith([["lofi-sound-pack", 1]])), token: (await cartWith([["lofi-sound-pack", 1]])).token }), {}, /expired/],
    [
      "a cart changed in another tab",
      async () => {
        const form = await cartWith([["lofi-sound-pack", 1]]);
        await addToCart(get().db, form.cartId, await productIdOf(get().db, "lofi-sound-pack"), 1);
        return form;
      },
      {},
      /cart changed/,
    ],
    ["a missing address for a shipped item", async () => cartWith([["waxed-canvas-tote", 1]]), { ...ADDRESS, shippingLine1: "" }, /where we should ship/],
    ["an invalid email", async () => cartWith([["lofi-sound-pack", 1]]), { email: "nope" }, /correct the highlighted fields/],
  ])("%s gets a clear error and creates nothing", async (_name, setup, extra, message) => {
    const { cartId, token } = await setup();
    const form = { token, email: "b@example.com", ...extra };
    const before = await get().db.selectFrom("orders").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    const result = await startCheckout(deps, { cartId, form });
    expect(inWordsOf(result)).toMatchObject({ ok: false, error: expect.stringMatching(message) });
    const after = await get().db.selectFrom("orders").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await payram.payments()).toEqual([]);
  });

  it("refuses a product that left the catalog between cart and checkout", async () => {
    const { cartId, token } = await cartWith([["golden-hour-presets", 1]]);
    await setProductActive(get().db, await productIdOf(get().db, "golden-hour-presets"), false);
    try {
      const result = await startCheckout(deps, { cartId, form: { token, email: "b@example.com" } });
      expect(inWordsOf(result)).toMatchObject({ ok: false, error: "Golden Hour Photo Presets is no longer available. Please remove it from your cart.", reload: true });
    } finally {
      await setProductActive(get().db, await productIdOf(get().db, "golden-hour-presets"), true);
    }
  });
});
