import { execFile } from "node:child_process";
import { expect, it, vi } from "vitest";
import { cleanEnv } from "@/test/cli";
import { describeOnEachDatabase } from "@/test/databases";
import { TEST_API_KEY } from "@/test/emulator";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { orderState, placeOrder } from "@/test/shop";
import { signWebhookBody } from "../payram/webhook";
import { sweepDue } from "../payments/sweep";
import { syncPayment } from "../payments/sync";
import { requestResync } from "../payments/sync-claim";
import { receiveWebhook, type WebhookDeps } from "./webhook";

const payram = emulatorPerFile();

function post(body: unknown, headers: Record<string, string> = {}) {
  const raw = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  return { method: "POST", headers: new Headers({ "content-type": "application/json", ...headers }), body: raw, query: new URLSearchParams(), client: "203.0.113.7" };
}

function signed(body: unknown, key = TEST_API_KEY, extra: Record<string, string> = {}) {
  const raw = Buffer.from(JSON.stringify(body));
  return post(body, { "x-payram-signature": signWebhookBody(raw, key), ...extra });
}

describeOnEachDatabase("webhook ingestion", (get) => {
  const deps = (overrides: Partial<WebhookDeps> = {}): WebhookDeps => ({ db: get().db, payram: payram.client, webhookKeys: [TEST_API_KEY], requireSignature: false, ...overrides });
  const deposit = payram.deposit;
  const lastDelivery = () => get().db.selectFrom("webhook_deliveries").selectAll().orderBy("id", "desc").executeTakeFirstOrThrow();
  const deliveriesOf = (referenceId: string) => get().db.selectFrom("webhook_deliveries").selectAll().where("reference_id", "=", referenceId).orderBy("id").execute();

  it("applies PayRam's state for a signed delivery; copies within 2 s cost PayRam nothing and are counted on one row", async () => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    const delivery = signed({ reference_id: order.referenceId, status: "FILLED", event_type: "payment.updated" });
    // A long interval, so that a slow machine cannot let it pass between the copies.
    const storm = deps({ deliverySyncIntervalMs: 60_000 });
    expect(await receiveWebhook(storm, delivery)).toEqual({ status: 200, body: { ok: true, result: "accepted" } });
    expect(await lastDelivery()).toMatchObject({ verdict: "accepted", auth: "signature", reference_id: order.referenceId, order_id: order.orderId, reason: "OPEN → FILLED" });
    const calls = await payram.statusCalls(order.referenceId);
    for (let i = 0; i < 3; i++) expect((await receiveWebhook(storm, delivery)).body.result).toBe("throttled");
    expect(await payram.statusCalls(order.referenceId)).toBe(calls);
    expect(await deliveriesOf(order.referenceId)).toMatchObject([
      { verdict: "accepted", copies: 1 },
      { verdict: "throttled", copies: 3, order_id: order.orderId, reason: expect.stringMatching(/nothing new/) },
    ]);
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, fulfilments: [{ kind: "deliver" }] });
  });

  it("a confirmation storm: one status call per reference per interval, one row per claim, and the deposit still lands at once", async () => {
    const order = await placeOrder(get().db, payram);
    const storm = deps({ deliverySyncIntervalMs: 60_000 });
    let sent = 0;
    // Each delivery its own (PayRam stamps each with the time): no two are identical copies.
    const progress = (current: number) =>
      signed({ reference_id: order.referenceId, status: "OPEN", filled_amount_in_usd: "0.00", confirmation_current: current, confirmation_required: 12, timestamp: 1_790_000_000 + sent++ });
    expect((await receiveWebhook(storm, progress(1))).body.result).toBe("duplicate");
    const calls = await payram.statusCalls(order.referenceId);
    // Thirty deliveries, three claims (1, 2 and 3 of 12): news is deferred, not asked for each.
    for (let i = 0; i < 30; i++) expect((await receiveWebhook(storm, progress(1 + Math.floor(i / 10)))).body.result).toBe("throttled");
    expect(await payram.statusCalls(order.referenceId)).toBe(calls);
    const rows = await deliveriesOf(order.referenceId);
    expect(rows).toHaveLength(1 + 3);
    expect(rows.reduce((sum, row) => sum + row.copies, 0)).toBe(31);
    // The news is stored for the end of the claim, so that a crash cannot lose it.
    const attempt = await get().db.selectFrom("payment_attempts").selectAll().where("reference_id", "=", order.referenceId).executeTakeFirstOrThrow();
    expect(attempt.unseen_news_at).not.toBeNull();
    expect(Date.parse(attempt.next_sync_at!)).toBeLessThanOrEqual(Date.parse(attempt.last_synced_at!) + 60_000);
  });

  it("applies a delivery announcing a new state at once, even right after a sync; progress within the interval still waits", async () => {
    const order = await placeOrder(get().db, payram);
    const slow = deps({ deliverySyncIntervalMs: 60_000 });
    // The status page (or its watch) has just asked PayRam.
    await syncPayment(deps(), { referenceId: order.referenceId }, "poll");
    expect((await receiveWebhook(slow, signed({ reference_id: order.referenceId, status: "OPEN", confirmation_current: 1, confirmation_required: 3 }))).body.result).toBe("throttled");
    await deposit(order.referenceId, "9.49");
    const calls = await payram.statusCalls(order.referenceId);
    expect(await receiveWebhook(slow, signed({ reference_id: order.referenceId, status: "FILLED", filled_amount_in_usd: "9.49" }))).toMatchObject({ body: { result: "accepted" } });
    expect(await payram.statusCalls(order.referenceId)).toBe(calls + 1);
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true });
  });

  it("asks PayRam again for news that came while PayRam was being asked, once the interval ends", async () => {
    const order = await placeOrder(get().db, payram);
    const quick = deps({ deliverySyncIntervalMs: 300 });
    expect((await receiveWebhook(quick, signed({ reference_id: order.referenceId, status: "OPEN" }))).body.result).toBe("duplicate");
    await deposit(order.referenceId, "9.49");
    // Within the interval: acknowledged without a call, and asked again when it ends.
    const answer = await receiveWebhook(quick, signed({ reference_id: order.referenceId, status: "FILLED", filled_amount_in_usd: "9.49" }));
    if (answer.body.result === "throttled") expect((await lastDelivery()).reason).toMatch(/claims news/);
    // The deferred sync pays the order.
    await vi.waitFor(async () => expect((await orderState(get().db, order.orderId)).paid).toBe(true), { timeout: 10_000, interval: 50 });
    const attempt = await get().db.selectFrom("payment_attempts").selectAll().where("reference_id", "=", order.referenceId).executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({ state: "FILLED", unseen_news_at: null });
  });

  it("keeps a sync near while a delivery's news is newer than the GET that was under way", async () => {
    const order = await placeOrder(get().db, payram);
    const db = get().db;
    const attempt = () => db.selectFrom("payment_attempts").selectAll().where("reference_id", "=", order.referenceId).executeTakeFirstOrThrow();
    // A delivery that "arrives" after the next GET starts (its time is ahead of the clock).
    await requestResync(db, (await attempt()).id, new Date(Date.now() + 5_000));
    await syncPayment(deps(), { referenceId: order.referenceId }, "sweep");
    const kept = await attempt();
    expect(kept.unseen_news_at).not.toBeNull();
    expect(Date.parse(kept.next_sync_at!) - Date.now()).toBeLessThanOrEqual(2_000);
    // A GET started after it: seen, and the sweep backs off again.
    await db.updateTable("payment_attempts").set({ unseen_news_at: new Date(Date.now() - 1_000).toISOString() }).where("id", "=", kept.id).execute();
    await syncPayment(deps(), { referenceId: order.referenceId }, "sweep");
    expect(await attempt()).toMatchObject({ unseen_news_at: null });
    expect(Date.parse((await attempt()).next_sync_at!) - Date.now()).toBeGreaterThan(5_000);
  });

  it("completes a partly paid order from the delivery of a top-up PayRam opened under a new reference", async () => {
    await payram.control("/config", "PUT", { api: { topUp: "new-reference" } });
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "5.00");
    expect((await receiveWebhook(deps(), signed({ reference_id: order.referenceId, status: "PARTIALLY_FILLED" }))).body.result).toBe("accepted");
    const topUp = ((await deposit(order.referenceId, "4.49")) as { referenceId: string }).referenceId;
    // PayRam's delivery for the new request: its reference, the order's customer, no invoice.
    const delivery = signed({ reference_id: topUp, customer_id: `order_${order.orderNumber}`, customer_email: "shopper@example.com", status: "FILLED" });
    expect(await receiveWebhook(deps(), delivery)).toEqual({ status: 200, body: { ok: true, result: "accepted" } });
    expect(await lastDelivery()).toMatchObject({ verdict: "accepted", reference_id: topUp, order_id: order.orderId });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, attempts: [{ state: "PARTIALLY_FILLED" }, { state: "FILLED" }], fulfilments: [{ kind: "deliver" }] });
  });

  it("trusts PayRam's GET over the payload: a payload saying FILLED leaves an unpaid order OPEN", async () => {
    const order = await placeOrder(get().db, payram);
    const result = await receiveWebhook(deps(), signed({ reference_id: order.referenceId, status: "FILLED", filled_amount_in_usd: "9.49" }));
    expect(result.body.result).toBe("duplicate");
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: false, attempts: [{ state: "OPEN" }], fulfilments: [] });
  });

  it("accepts the legacy API-Key header alone, unless a signature is required", async () => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "2.00");
    const legacy = post({ reference_id: order.referenceId }, { "api-key": TEST_API_KEY });
    expect(await receiveWebhook(deps({ requireSignature: true }), legacy)).toMatchObject({ status: 401 });
    expect(await lastDelivery()).toMatchObject({ verdict: "rejected", reason: "no X-Payram-Signature (a signature is required)" });
    expect(await receiveWebhook(deps(), legacy)).toMatchObject({ status: 200, body: { result: "accepted" } });
    expect(await lastDelivery()).toMatchObject({ auth: "api_key" });
  });

  it("accepts signatures by a previous key during a rotation", async () => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    const rotated = deps({ webhookKeys: ["new-key-0123456789", TEST_API_KEY] });
    expect(await receiveWebhook(rotated, signed({ reference_id: order.referenceId }))).toMatchObject({ status: 200, body: { result: "accepted" } });
  });

  it.each([
    ["a forged signature, even with a valid legacy key", () => signed({ reference_id: "REF" }, "attacker-key-0123", { "api-key": TEST_API_KEY }), "wrong X-Payram-Signature"],
    ["a malformed signature", () => post({ reference_id: "REF" }, { "x-payram-signature": "sha1=abc" }), "malformed X-Payram-Signature"],
    ["a wrong API-Key", () => post({ reference_id: "REF" }, { "api-key": "wrong-key-0123456" }), "wrong API-Key"],
    ["no credentials at all", () => post({ reference_id: "REF" }), "no X-Payram-Signature and no API-Key"],
  ])("rejects %s with 401 and changes nothing", async (_name, make, reason) => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    const delivery = make();
    const body = Buffer.from(delivery.body.toString().replace("REF", order.referenceId));
    const headers = new Headers(delivery.headers);
    if (headers.get("x-payram-signature")?.startsWith("sha256=")) headers.set("x-payram-signature", signWebhookBody(body, "attacker-key-0123"));
    expect(await receiveWebhook(deps(), { ...delivery, body, headers })).toEqual({ status: 401, body: { ok: false, error: "unauthorized" } });
    expect(await lastDelivery()).toMatchObject({ verdict: "rejected", auth: "none", reason });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: false, attempts: [{ state: "OPEN" }] });
  });

  it("answers a flood of forged deliveries with 429 and stops recording them, while PayRam's still get through", async () => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    const forged = () => ({ ...post({ reference_id: order.referenceId }, { "api-key": "forged-key-0123456" }), client: "198.51.100.9" });
    const forgedRecorded = async () =>
      (await get().db.selectFrom("webhook_deliveries").select((eb) => eb.fn.countAll<number>().as("n")).where("reason", "=", "wrong API-Key").where("reference_id", "is", null).executeTakeFirstOrThrow()).n;
    const recordedBefore = await forgedRecorded();
    const answers = [];
    for (let i = 0; i < 32; i++) answers.push(await receiveWebhook(deps(), forged()));
    expect(answers.slice(0, 30).every((a) => a.status === 401)).toBe(true);
    expect(answers.slice(30)).toEqual([
      expect.objectContaining({ status: 429, retryAfterSeconds: expect.any(Number) }),
      expect.objectContaining({ status: 429 }),
    ]);
    // The 30 refused are on record for the merchant; the 2 limited ones cost no write.
    expect((await forgedRecorded()) - recordedBefore).toBe(30);
    // Another client is not affected, and an authentic delivery from the same one is applied.
    expect((await receiveWebhook(deps(), { ...forged(), client: "198.51.100.10" })).status).toBe(401);
    expect(await receiveWebhook(deps(), { ...signed({ reference_id: order.referenceId }), client: "198.51.100.9" })).toMatchObject({ status: 200, body: { result: "accepted" } });
  });

  it("keeps only a 200-character excerpt of a refused body, and PayRam's in full", async () => {
    const padding = "x".repeat(3_900);
    expect(await receiveWebhook(deps(), { ...post({ reference_id: "REF", padding }), client: "192.0.2.70" })).toMatchObject({ status: 401 });
    expect((await lastDelivery()).body).toBe(JSON.stringify({ reference_id: "REF", padding }).slice(0, 200));
    expect(await receiveWebhook(deps(), signed({ reference_id: "11111111-1111-4111-8111-111111111112", padding }))).toMatchObject({ status: 200 });
    expect((await lastDelivery()).body).toHaveLength(JSON.stringify({ reference_id: "11111111-1111-4111-8111-111111111112", padding }).length);
  });

  it("past 60 refused deliveries a minute from all addresses together, answers 429 and writes no row at all", async () => {
    const receivedAt = Date.parse("2026-11-26T15:00:00.000Z");
    const count = async (table: "webhook_deliveries" | "rate_limits") =>
      Number((await get().db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    const before = { deliveries: await count("webhook_deliveries"), limits: await count("rate_limits") };
    const answers = [];
    // 200 unsigned deliveries, each from an address of its own.
    for (let i = 0; i < 200; i++) answers.push(await receiveWebhook(deps(), { ...post({ reference_id: `REF-${i}` }), client: `2001:db8::${i.toString(16)}`, receivedAt }));
    expect(answers.slice(0, 60).every((a) => a.status === 401)).toBe(true);
    expect(answers.slice(60).every((a) => a.status === 429 && a.retryAfterSeconds === 60)).toBe(true);
    expect((await count("webhook_deliveries")) - before.deliveries).toBe(60);
    // 60 clients' windows and the cap's own counter.
    expect((await count("rate_limits")) - before.limits).toBe(61);
    // PayRam's deliveries still get through.
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    expect(await receiveWebhook(deps(), { ...signed({ reference_id: order.referenceId }), receivedAt })).toMatchObject({ status: 200, body: { result: "accepted" } });
  });

  it("acknowledges a replayed authentic delivery past 10 copies in 10 minutes without recording it or asking PayRam", async () => {
    const order = await placeOrder(get().db, payram);
    const receivedAt = Date.parse("2026-11-26T16:00:00.000Z");
    const replay = { ...signed({ reference_id: order.referenceId, status: "OPEN" }), receivedAt };
    const rows = async () => (await deliveriesOf(order.referenceId)).reduce((sum, row) => sum + row.copies, 0);
    // Every copy may ask PayRam (no interval): only the replay limit holds them back.
    const eager = deps({ deliverySyncIntervalMs: 0 });
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await receiveWebhook(eager, replay));
    const calls = await payram.statusCalls(order.referenceId);
    for (let i = 0; i < 15; i++) answers.push(await receiveWebhook(eager, replay));
    expect(answers.every((a) => a.status === 200 && ["duplicate", "throttled"].includes(a.body.result!))).toBe(true);
    expect(await rows()).toBe(10);
    // The copies past the tenth cost PayRam nothing either.
    expect(calls).toBeLessThanOrEqual(10);
    expect(await payram.statusCalls(order.referenceId)).toBe(calls);
    // Another delivery about the same payment is news, and is applied.
    await deposit(order.referenceId, "9.49");
    expect(await receiveWebhook(eager, { ...signed({ reference_id: order.referenceId, status: "FILLED" }), receivedAt })).toMatchObject({ status: 200, body: { result: "accepted" } });
    // After the window the same copy is heard again.
    expect(await receiveWebhook(eager, { ...replay, receivedAt: receivedAt + 10 * 60_000 })).toMatchObject({ status: 200, body: { result: "duplicate" } });
  });

  it("refuses malformed authenticated bodies with 400", async () => {
    const raw = Buffer.from("{not json");
    expect(await receiveWebhook(deps(), post("{not json", { "x-payram-signature": signWebhookBody(raw, TEST_API_KEY) }))).toMatchObject({ status: 400 });
    expect(await lastDelivery()).toMatchObject({ verdict: "rejected", reason: "body is not JSON" });
    expect(await receiveWebhook(deps(), signed({ status: "FILLED" }))).toMatchObject({ status: 400, body: { error: "no reference_id" } });
    expect(await receiveWebhook(deps(), signed([1, 2]))).toMatchObject({ status: 400 });
  });

  it("acknowledges the ping before authentication without recording anything, and a payout event about no refund of the shop's without acting", async () => {
    const before = await get().db.selectFrom("webhook_deliveries").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(await receiveWebhook(deps(), post({ event_type: "payout.ping" }, { "x-webhook-test": "true" }))).toEqual({ status: 200, body: { ok: true, result: "ping" } });
    // §8's other reading: signed, with an empty API-KEY header.
    expect(await receiveWebhook(deps({ requireSignature: true }), signed({ event_type: "payout.ping" }, TEST_API_KEY, { "api-key": "" }))).toEqual({ status: 200, body: { ok: true, result: "ping" } });
    const after = await get().db.selectFrom("webhook_deliveries").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await receiveWebhook(deps(), signed({ event_type: "payout.processed", payout_id: "p-1" }))).toEqual({ status: 200, body: { ok: true, result: "unknown_reference" } });
  });

  it("answers 2xx for a reference that is not ours (PayRam would retry anything else)", async () => {
    expect(await receiveWebhook(deps(), signed({ reference_id: "11111111-1111-4111-8111-111111111111" }))).toEqual({ status: 200, body: { ok: true, result: "unknown_reference" } });
  });

  it("answers 503 when PayRam's status call fails, so PayRam delivers again", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.control("/config", "PUT", { faults: { status: { mode: "502" } } });
    // PayRam's retries come 2 s apart; here the interval is made to pass at once.
    const retrying = deps({ deliverySyncIntervalMs: 0 });
    expect(await receiveWebhook(retrying, signed({ reference_id: order.referenceId }))).toMatchObject({ status: 503 });
    expect(await lastDelivery()).toMatchObject({ verdict: "failed", reason: expect.stringMatching(/PayRam answered 502/) });
    await payram.control("/config", "PUT", { faults: { status: { mode: "none" } } });
    await deposit(order.referenceId, "9.49");
    expect(await receiveWebhook(retrying, signed({ reference_id: order.referenceId }))).toMatchObject({ status: 200, body: { result: "accepted" } });
  });

  it("answers 503 for about 10 s when PayRam cannot answer for a top-up's new reference, then 2xx, and the sweep adopts it later", async () => {
    // Without PayRam's payment search: the pending reference alone brings the top-up in.
    await payram.control("/config", "PUT", { api: { topUp: "new-reference", search: false } });
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "5.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    const topUp = ((await deposit(order.referenceId, "4.49")) as { referenceId: string }).referenceId;
    const delivery = signed({ reference_id: topUp, customer_id: `order_${order.orderNumber}`, status: "FILLED" });
    await payram.control("/config", "PUT", { faults: { status: { mode: "500" } } });
    // PayRam's retries: at once, 2 s and 4 s later, then 30 min (here: 11 s, past the window).
    const firstAt = Date.now() - 60_000;
    const answers = [];
    for (const after of [0, 2_000, 4_000, 11_000]) answers.push((await receiveWebhook(deps(), { ...delivery, receivedAt: firstAt + after })).status);
    expect(answers).toEqual([503, 503, 503, 200]);
    expect(await lastDelivery()).toMatchObject({ verdict: "pending", reference_id: topUp });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: false });
    await payram.control("/config", "PUT", { faults: { status: { mode: "none" } } });
    expect((await sweepDue(deps())).failed).toBe(0);
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, fulfilments: [{ kind: "deliver" }] });
    expect(await get().db.selectFrom("pending_references").selectAll().execute()).toEqual([]);
  });

  it("takes GET notifications by API-Key: a named payment, or every open one", async () => {
    const named = await placeOrder(get().db, payram);
    const other = await placeOrder(get().db, payram);
    await deposit(named.referenceId, "9.49");
    await deposit(other.referenceId, "1.00");
    const get_ = (query: string, key: string | null = TEST_API_KEY) => ({
      method: "GET",
      headers: new Headers(key ? { "api-key": key } : {}),
      body: new Uint8Array(),
      query: new URLSearchParams(query),
      client: "203.0.113.7",
    });
    expect(await receiveWebhook(deps(), get_(`reference_id=${named.referenceId}`, null))).toMatchObject({ status: 401 });
    expect(await receiveWebhook(deps(), get_(`reference_id=${named.referenceId}`))).toMatchObject({ status: 200, body: { result: "accepted" } });
    expect((await orderState(get().db, named.orderId)).attempts).toMatchObject([{ state: "FILLED" }]);
    expect(await receiveWebhook(deps(), get_(""))).toMatchObject({ status: 200, body: { result: "accepted" } });
    expect((await orderState(get().db, other.orderId)).attempts).toMatchObject([{ state: "PARTIALLY_FILLED" }]);
  });

  it("fulfils once when 50 deliveries for one order arrive at two instances at once", async () => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    const env = cleanEnv({ DATABASE_URL: get().url, PAYRAM_BASE_URL: payram.emulator.url, PAYRAM_API_KEY: TEST_API_KEY, REFERENCE: order.referenceId, COUNT: "25" });
    const run = () =>
      new Promise<number[]>((resolve, reject) =>
        execFile(process.execPath, ["--import", "tsx", "test/fixtures/deliver-many.ts"], { env, timeout: 60_000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as number[]),
        ),
      );
    const [a, b] = await Promise.all([run(), run()]);
    expect([...a, ...b].every((status) => status === 200)).toBe(true);
    await vi.waitFor(async () => expect((await orderState(get().db, order.orderId)).paid).toBe(true), { timeout: 10_000, interval: 50 });
    const state = await orderState(get().db, order.orderId);
    expect(state).toMatchObject({ paid: true, fulfilments: [{ kind: "deliver" }] });
    expect(state.events.filter((e) => e.to_state === "FILLED")).toHaveLength(1);
    // Every delivery is accounted for: the one that paid, the others as duplicates or counted copies.
    const rows = await deliveriesOf(order.referenceId);
    expect(rows.filter((row) => row.verdict === "accepted")).toHaveLength(1);
    expect(rows.every((row) => ["accepted", "duplicate", "throttled"].includes(row.verdict))).toBe(true);
    expect(rows.reduce((sum, row) => sum + row.copies, 0)).toBe(50);
  });
});
