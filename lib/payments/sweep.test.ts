import { execFile } from "node:child_process";
import { beforeEach, expect, it, vi } from "vitest";
import { cleanEnv } from "@/test/cli";
import { describeOnEachDatabase } from "@/test/databases";
import { TEST_API_KEY } from "@/test/emulator";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { checkoutDepsFor, loseEveryWebhook, orderState, placeOrder, syncDepsFor, topUpUnderNewReference, type PlacedOrder } from "@/test/shop";
import { log } from "../log";
import { signWebhookBody } from "../payram/webhook";
import { payForOrder } from "../checkout/checkout";
import { orderStatus } from "../views/status";
import { syncPayment } from "./sync";
import { startSweepSchedule } from "../jobs/sweep";
import { newSearchSchedule, PAID_SEARCH_WINDOW_MS, sweepAllOpen, sweepDue, type SearchSchedule } from "./sweep";
import { receiveWebhook } from "../webhooks/webhook";

const payram = emulatorPerFile();

/**
 * The sweep's own line of `npm run sweep`'s output. The command also runs retention, which adds a
 * line when a rate-limit window ended meanwhile (a clock boundary crossed during the test).
 */
const sweepLine = (stdout: string) => stdout.split("\n").find((line) => line.startsWith("Sweep: "));

/** `npm run sweep` in a process of its own, on the given database. */
function runSweepCli(databaseUrl: string, more: Record<string, string>, ...args: string[]) {
  const env = cleanEnv({ DATABASE_URL: databaseUrl, PAYRAM_BASE_URL: payram.emulator.url, PAYRAM_API_KEY: TEST_API_KEY, ...more });
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/sweep.ts", ...args], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describeOnEachDatabase("the sweep for missed webhooks", (get) => {
  // Each test sweeps its own orders only: close what earlier tests left open.
  beforeEach(() =>
    get().db.updateTable("payment_attempts").set({ state: "CANCELLED", next_sync_at: null }).where("state", "in", ["OPEN", "PARTIALLY_FILLED"]).execute(),
  );

  const deposit = payram.deposit;
  /** As if time passed: every open attempt is due for a check. */
  const makeAllDue = () => get().db.updateTable("payment_attempts").set({ next_sync_at: "2000-01-01T00:00:00.000Z" }).where("state", "in", ["OPEN", "PARTIALLY_FILLED"]).execute();
  const statusCalls = payram.statusCalls;

  const runSweep = (...args: string[]) => runSweepCli(get().url, {}, ...args);

  it("npm run sweep brings paid orders to FILLED and expired ones to CANCELLED, with no webhook at all", async () => {
    const paid = await placeOrder(get().db, payram);
    const expired = await placeOrder(get().db, payram);
    const waiting = await placeOrder(get().db, payram);
    await deposit(paid.referenceId, "9.49");
    await payram.control(`/payments/${expired.referenceId}/expire`, "POST");
    const { deliveries } = await payram.control<{ deliveries: { outcome: string }[] }>("/deliveries");
    expect(deliveries.map((d) => d.outcome)).toEqual(["skipped", "skipped"]);

    await makeAllDue();
    const run = await runSweep();
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(sweepLine(run.stdout)).toBe("Sweep: 3 payments checked, 2 changed, 0 failed.");
    expect(await orderState(get().db, paid.orderId)).toMatchObject({ paid: true, attempts: [{ state: "FILLED" }], fulfilments: [{ kind: "deliver" }] });
    expect((await orderState(get().db, expired.orderId)).attempts).toMatchObject([{ state: "CANCELLED" }]);
    expect((await orderState(get().db, waiting.orderId)).attempts).toMatchObject([{ state: "OPEN" }]);
    expect((await orderState(get().db, paid.orderId)).events.at(-1)).toMatchObject({ source: "sweep", to_state: "FILLED" });
  });

  it("checks only what is due, backing off on payments that keep saying nothing new", async () => {
    const order = await placeOrder(get().db, payram);
    // Just opened: not due yet.
    expect(await sweepDue({ db: get().db, payram: payram.client })).toEqual({ checked: 0, changed: 0, failed: 0 });
    await makeAllDue();
    expect(await sweepDue({ db: get().db, payram: payram.client })).toEqual({ checked: 1, changed: 0, failed: 0 });
    const first = await get().db.selectFrom("payment_attempts").select(["next_sync_at", "quiet_syncs"]).where("id", "=", order.attempt.id).executeTakeFirstOrThrow();
    await makeAllDue();
    await sweepDue({ db: get().db, payram: payram.client });
    const second = await get().db.selectFrom("payment_attempts").select(["next_sync_at", "quiet_syncs", "last_synced_at"]).where("id", "=", order.attempt.id).executeTakeFirstOrThrow();
    expect([first.quiet_syncs, second.quiet_syncs]).toEqual([1, 2]);
    // The second quiet check waits about twice as long as the first.
    const waited = (row: { next_sync_at: string | null }, from: string) => Date.parse(row.next_sync_at!) - Date.parse(from);
    expect(waited(second, second.last_synced_at!)).toBeGreaterThan(1.5 * 20_000);
    // `--all` ignores the schedule.
    expect(sweepLine((await runSweep("--all")).stdout)).toBe("Sweep: 1 payments checked, 0 changed, 0 failed.");
  });

  it("does not double-process when several instances sweep at once", async (ctx) => {
    // SQLite serves one instance (README); several processes on one file are covered by webhook.test.ts.
    if (get().dialect === "sqlite") ctx.skip();
    const orders = await Promise.all(Array.from({ length: 6 }, () => placeOrder(get().db, payram)));
    for (const order of orders) await deposit(order.referenceId, "9.49");
    await makeAllDue();
    const instances = [get().db, get().open(), get().open()];
    const results = await Promise.all(instances.map((db) => sweepDue({ db, payram: payram.client })));
    expect(results.reduce((sum, r) => sum + r.checked, 0)).toBe(6);
    for (const order of orders) {
      expect(await statusCalls(order.referenceId)).toBe(1);
      expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, fulfilments: [{ kind: "deliver" }] });
    }
  });

  it("leaves a payment it could not check for a later sweep, and reports the failure", async () => {
    const order = await placeOrder(get().db, payram);
    await makeAllDue();
    await payram.control("/config", "PUT", { faults: { status: { mode: "500" } } });
    const run = await runSweep();
    expect(run.code).toBe(1);
    expect(sweepLine(run.stdout)).toBe("Sweep: 0 payments checked, 0 changed, 1 failed.");
    expect((await orderState(get().db, order.orderId)).attempts).toMatchObject([{ state: "OPEN" }]);
  });

  it("closes a payment whose checkout died mid-create, flags it, and lets the shopper pay again", async () => {
    const placed = await placeOrder(get().db, payram);
    await payram.control(`/payments/${placed.referenceId}/cancel`, "POST");
    await syncPayment({ db: get().db, payram: payram.client }, { referenceId: placed.referenceId }, "poll");
    const order = await get().db.selectFrom("orders").selectAll().where("id", "=", placed.orderId).executeTakeFirstOrThrow();
    // "Pay again", then kill -9 while PayRam was answering: PayRam made the payment, the shop
    // recorded the attempt as STARTING and never heard back.
    const orphan = await payram.client.createPayment({ customerEmail: order.email, customerId: `order_${order.number}`, invoiceId: `${order.number}-2`, amountCents: order.total_cents });
    const longAgo = new Date(Date.now() - 10 * 60_000).toISOString();
    await get()
      .db.insertInto("payment_attempts")
      .values({ id: `crashed-${order.id}`, order_id: order.id, attempt_number: 2, state: "STARTING", reference_id: null, payment_url: null, amount_cents: order.total_cents, amount_received_cents: null, failure_reason: null, created_at: longAgo, updated_at: longAgo, closed_at: null })
      .execute();
    expect((await orderStatus({ db: get().db, payram: payram.client }, order.id))).toMatchObject({ state: "STARTING", canPayAgain: false });

    const run = await runSweep();
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const state = await orderState(get().db, order.id);
    expect(state.attempts.map((a) => a.state)).toEqual(["CANCELLED", "START_FAILED"]);
    expect(state.attention).toEqual([{ kind: "start_failed", detail: expect.stringMatching(/stopped before PayRam answered/) }]);
    expect(state.events.at(-1)).toMatchObject({ source: "sweep", from_state: "STARTING", to_state: "START_FAILED" });
    expect(await orderStatus({ db: get().db, payram: payram.client }, order.id)).toMatchObject({ state: "START_FAILED", canPayAgain: true });

    // Paying again opens a new payment for the same customer, which makes PayRam cancel the orphan.
    const again = await payForOrder(checkoutDepsFor(get().db, payram), order);
    expect(again.ok).toBe(true);
    const atPayram = await payram.payments();
    expect(atPayram.find((p) => p.referenceId === orphan.referenceId)?.state).toBe("CANCELLED");
    expect(atPayram.filter((p) => p.state === "OPEN")).toEqual([expect.objectContaining({ invoiceId: `${order.number}-3` })]);
  });

  it("asks PayRam again right after a payment's expiry, however long it had backed off, so a silent expiry reaches the order", async () => {
    // PayRam announces nothing here (webhooks are off): only the sweep can learn of the expiry.
    const order = await placeOrder(get().db, payram, undefined, { paymentTtlMs: 1_500 });
    const attempt = () => get().db.selectFrom("payment_attempts").select(["expires_at", "next_sync_at", "state"]).where("id", "=", order.attempt.id).executeTakeFirstOrThrow();
    const { expires_at: expiresAt } = await attempt();
    expect(Date.parse(expiresAt!)).toBeGreaterThan(Date.now());
    // Quiet for long: the next check would be ten minutes away, but the expiry comes first.
    await get().db.updateTable("payment_attempts").set({ quiet_syncs: 20 }).where("id", "=", order.attempt.id).execute();
    await makeAllDue();
    await sweepDue({ db: get().db, payram: payram.client });
    expect(Date.parse((await attempt()).next_sync_at!)).toBe(Date.parse(expiresAt!) + 5_000);
    await vi.waitFor(async () => expect((await payram.payments()).find((p) => p.referenceId === order.referenceId)?.state).toBe("CANCELLED"), { timeout: 10_000, interval: 50 });
    // The sweep's due time is that moment: once it has passed, the sweep finds the expiry.
    await get().db.updateTable("payment_attempts").set({ next_sync_at: new Date(Date.parse(expiresAt!) + 5_000 - 60_000).toISOString() }).where("id", "=", order.attempt.id).execute();
    expect(await sweepDue({ db: get().db, payram: payram.client })).toMatchObject({ changed: 1 });
    expect(await attempt()).toMatchObject({ state: "CANCELLED", next_sync_at: null });
  });

  it("a stopped schedule finishes the batch in progress and starts no other", async () => {
    // 60 paid payments due: a batch of 50, then one of 10. PayRam answers slowly, so the stop
    // arrives while the first batch is being checked.
    const orders: PlacedOrder[] = [];
    for (let i = 0; i < 60; i++) orders.push(await placeOrder(get().db, payram));
    for (const order of orders) await deposit(order.referenceId, "9.49");
    await makeAllDue();
    // 200 ms an answer, 4 at a time: the first batch takes about 2.6 s.
    await payram.control("/config", "PUT", { faults: { status: { latencyMs: 200 } } });
    const statusCallsSoFar = async () => (await payram.control<{ byEndpoint: Record<string, number> }>("/stats")).byEndpoint["GET /api/v1/payment/reference/:id"] ?? 0;
    const before = await statusCallsSoFar();
    const errors: unknown[] = [];
    const schedule = startSweepSchedule({ db: get().db, payram: payram.client }, { intervalMs: 10, payramTimeoutMs: 1_000 }, (error) => errors.push(error));
    try {
      await vi.waitFor(async () => expect(await statusCallsSoFar()).toBeGreaterThan(before), { timeout: 10_000, interval: 20 });
    } finally {
      await schedule.stop();
      await payram.control("/config", "PUT", { faults: { status: { latencyMs: 0 } } });
    }
    const states = await get().db.selectFrom("payment_attempts").select("state").where("reference_id", "in", orders.map((o) => o.referenceId)).execute();
    expect(states.filter((a) => a.state === "FILLED")).toHaveLength(50);
    expect(states.filter((a) => a.state === "OPEN")).toHaveLength(10);
    expect(errors).toEqual([]);
  });
});

/** How often the shop used PayRam's payment search. */
async function searches(): Promise<number> {
  return (await payram.control<{ byEndpoint: Record<string, number> }>("/stats")).byEndpoint["POST /api/v1/payment/search"] ?? 0;
}

/** Every webhook attempt the emulator made for a reference, once it has settled (lost for good, or delivered). */
async function deliveriesOf(referenceId: string) {
  const { deliveries } = await payram.control<{ deliveries: { referenceId: string | null; outcome: string; nextRetryInMs: number | null }[] }>("/deliveries");
  return deliveries.filter((d) => d.referenceId === referenceId);
}

describeOnEachDatabase("the sweep's search for payments PayRam never announced", (get) => {
  const deps = () => syncDepsFor(get().db, payram);
  /** As if the search's backoff had run out for every order. */
  const searchDueNow = (schedule: SearchSchedule) => {
    for (const entry of schedule.orders.values()) entry.nextAt = 0;
  };

  /** An order partly paid (the shop knows), then topped up under a new reference whose every webhook is lost. */
  async function lostTopUp(partUsd: string, restUsd: string, schedule: SearchSchedule) {
    await loseEveryWebhook(payram);
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, partUsd);
    await get().db.updateTable("payment_attempts").set({ next_sync_at: "2000-01-01T00:00:00.000Z" }).where("id", "=", order.attempt.id).execute();
    expect(await sweepDue(deps(), { search: schedule })).toMatchObject({ changed: 1, failed: 0 });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: false, attempts: [{ state: "PARTIALLY_FILLED", amount_received_cents: Number(partUsd.replace(".", "")) }] });
    return { order, topUp: await lostTopUpOf(order.referenceId, restUsd) };
  }

  /** More money to an underpaid payment's address: PayRam fills a new request for it and announces it, every delivery lost, none left to retry. */
  async function lostTopUpOf(referenceId: string, usd: string) {
    const topUp = await topUpUnderNewReference(payram, referenceId, usd);
    await vi.waitFor(async () => expect((await deliveriesOf(topUp)).map((d) => [d.outcome, d.nextRetryInMs])).toEqual([["dropped", null]]), { timeout: 5_000, interval: 20 });
    return topUp;
  }

  it("finds a top-up whose every webhook was lost, and the order ends paid exactly once", async () => {
    const schedule = newSearchSchedule();
    const { order, topUp } = await lostTopUp("5.00", "4.49", schedule);
    const before = await searches();
    // Searched a moment ago (nothing then): the order waits for its backoff, however often the sweep runs.
    expect(await sweepDue(deps(), { search: schedule })).toEqual({ checked: 0, changed: 0, failed: 0 });
    expect(await searches()).toBe(before);
    expect((await orderState(get().db, order.orderId)).paid).toBe(false);

    searchDueNow(schedule);
    expect(await sweepDue(deps(), { search: schedule })).toEqual({ checked: 1, changed: 1, failed: 0 });
    expect(await searches()).toBe(before + 1);
    const state = await orderState(get().db, order.orderId);
    expect(state).toMatchObject({
      paid: true,
      attempts: [
        { attempt_number: 1, state: "PARTIALLY_FILLED", amount_received_cents: 500 },
        { attempt_number: 2, state: "FILLED", amount_received_cents: 449 },
      ],
      fulfilments: [{ kind: "deliver" }],
    });
    expect(state.events.filter((e) => e.source === "sweep").map((e) => e.to_state)).toEqual(["PARTIALLY_FILLED", "OPEN", "FILLED"]);
    expect(await get().db.selectFrom("payment_attempts").select("reference_id").where("order_id", "=", order.orderId).orderBy("attempt_number").execute()).toEqual([
      { reference_id: order.referenceId },
      { reference_id: topUp },
    ]);

    // Sweeping again, by schedule or all at once, changes nothing: the order is paid once.
    searchDueNow(schedule);
    expect(await sweepDue(deps(), { search: schedule })).toMatchObject({ changed: 0, failed: 0 });
    expect(await sweepAllOpen(deps(), "sweep", { search: schedule })).toMatchObject({ changed: 0, failed: 0 });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, fulfilments: [{ kind: "deliver" }] });
  });

  it("keeps searching a paid order for some days: a later top-up whose every webhook was lost is credited and flagged as a surplus", async () => {
    const schedule = newSearchSchedule();
    const { order } = await lostTopUp("5.00", "4.49", schedule);
    searchDueNow(schedule);
    expect(await sweepDue(deps(), { search: schedule })).toMatchObject({ changed: 1, failed: 0 });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, attention: [] });

    // The shopper sends 2.00 more to the first payment's address, after the order was paid.
    await lostTopUpOf(order.referenceId, "2.00");
    searchDueNow(schedule);
    expect(await sweepDue(deps(), { search: schedule })).toMatchObject({ changed: 1, failed: 0 });
    const state = await orderState(get().db, order.orderId);
    expect(state.attempts.map((a) => [a.state, a.amount_received_cents])).toEqual([
      ["PARTIALLY_FILLED", 500],
      ["FILLED", 449],
      ["FILLED", 200],
    ]);
    expect(state).toMatchObject({ paid: true, fulfilments: [{ kind: "deliver" }], attention: [{ kind: "over_filled", detail: expect.stringContaining("2.00 USD more") }] });
    expect(await get().db.selectFrom("orders").select(["received_cents", "payment_state"]).where("id", "=", order.orderId).executeTakeFirstOrThrow()).toEqual({ received_cents: 1149, payment_state: "PAID" });
    // The merchant is mailed of the overpayment.
    expect(await get().db.selectFrom("outbox").select("kind").where("order_id", "=", order.orderId).where("recipient", "=", "merchant").orderBy("id").execute()).toEqual([{ kind: "merchant_paid" }, { kind: "merchant_attention" }]);

    // Paid longer ago than the window: no longer searched, so a later lost top-up stays PayRam's news alone.
    await get().db.updateTable("orders").set({ paid_at: new Date(Date.now() - PAID_SEARCH_WINDOW_MS - 60_000).toISOString() }).where("id", "=", order.orderId).execute();
    await lostTopUpOf(order.referenceId, "1.00");
    expect(await sweepAllOpen(deps(), "sweep", { search: schedule })).toMatchObject({ changed: 0, failed: 0 });
    expect((await orderState(get().db, order.orderId)).attempts).toHaveLength(3);
  });

  it("npm run sweep -- --all searches at once, whatever the schedule, and takes the top-up", async () => {
    const { order } = await lostTopUp("2.00", "7.49", newSearchSchedule());
    const run = await runSweepCli(get().url, {}, "--all");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(sweepLine(run.stdout)).toMatch(/^Sweep: \d+ payments checked, 1 changed, 0 failed\.$/);
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, attempts: [{ state: "PARTIALLY_FILLED" }, { state: "FILLED" }], fulfilments: [{ kind: "deliver" }] });
  });

  it("where PayRam has no search, says so in the log once and carries on without failing", async () => {
    const schedule = newSearchSchedule();
    const { order } = await lostTopUp("5.00", "4.49", schedule);
    const other = await placeOrder(get().db, payram);
    await payram.deposit(other.referenceId, "1.00");
    await syncPayment(deps(), { referenceId: other.referenceId }, "poll");
    await payram.control("/config", "PUT", { api: { search: false } });
    const before = await searches();

    // Pass after pass of the server's sweep over two orders that have money and no verdict.
    const warn = vi.spyOn(log, "warn");
    try {
      for (let pass = 0; pass < 4; pass++) {
        searchDueNow(schedule);
        // As if an hour had passed: PayRam is asked again (it may have been upgraded), and says 404 again.
        if (pass === 3) schedule.unsupportedUntil = 0;
        expect(await sweepDue(deps(), { search: schedule })).toMatchObject({ changed: 0, failed: 0 });
      }
      const noted = warn.mock.calls.filter(([fields]) => (fields as { event?: string }).event === "sweep_search");
      expect(noted).toHaveLength(1);
      expect(noted[0]![1]).toMatch(/PayRam has no payment search \(404\).*webhook deliveries and their retries/);
    } finally {
      warn.mockRestore();
    }
    // Asked once a pass (not once per order), and not again within the hour.
    expect(await searches()).toBe(before + 2);
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: false, attempts: [{ state: "PARTIALLY_FILLED" }] });

    // npm run sweep: one line in its log, exit code 0.
    const run = await runSweepCli(get().url, { LOG_LEVEL: "warn" }, "--all");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    // The summary line, and the JSON log lines (written asynchronously: before or after it).
    const lines = run.stdout.trim().split("\n");
    expect(lines.filter((line) => !line.startsWith("{") && !line.startsWith("Retention: "))).toEqual([expect.stringMatching(/^Sweep: \d+ payments checked, 0 changed, 0 failed\.$/)]);
    const logged = lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { event?: string; msg?: string });
    expect(logged.filter((line) => line.event === "sweep_search")).toEqual([expect.objectContaining({ msg: expect.stringMatching(/PayRam has no payment search/) })]);
    expect(await searches()).toBe(before + 3);
  });
});

describeOnEachDatabase("two shops on one PayRam project (shop A)", (shopA) => {
  describeOnEachDatabase("and shop B", (shopB) => {
    it("a top-up for one shop's customer is never taken by the other shop's order of the same number, by search or by delivery", async () => {
      await loseEveryWebhook(payram);
      let a = await placeOrder(shopA().db, payram, undefined, { customerPrefix: "shop-a_" });
      let b = await placeOrder(shopB().db, payram, undefined, { customerPrefix: "shop-b_" });
      // Each shop numbers its orders from 1001: take two orders of the same number.
      while (a.orderNumber < b.orderNumber) a = await placeOrder(shopA().db, payram, undefined, { customerPrefix: "shop-a_" });
      while (b.orderNumber < a.orderNumber) b = await placeOrder(shopB().db, payram, undefined, { customerPrefix: "shop-b_" });
      expect(b.orderNumber).toBe(a.orderNumber);
      const atPayram = await payram.payments();
      expect(atPayram.filter((p) => [a.referenceId, b.referenceId].includes(p.referenceId)).map((p) => p.customerId).sort()).toEqual([`shop-a_${a.orderNumber}`, `shop-b_${b.orderNumber}`]);
      // Shop B's checkout did not cancel shop A's payment as "the same customer's".
      expect(atPayram.find((p) => p.referenceId === a.referenceId)?.state).toBe("OPEN");

      const depsA = syncDepsFor(shopA().db, payram, "shop-a_");
      const depsB = syncDepsFor(shopB().db, payram, "shop-b_");
      for (const [deps, order] of [[depsA, a], [depsB, b]] as const) {
        await payram.deposit(order.referenceId, "5.00");
        await syncPayment(deps, { referenceId: order.referenceId }, "poll");
      }
      const topUp = await topUpUnderNewReference(payram, a.referenceId, "4.49");

      // Shop B's sweep searches for its own customer only.
      expect(await sweepAllOpen(depsB, "sweep", { search: newSearchSchedule() })).toMatchObject({ changed: 0, failed: 0 });
      // Both shops registered the project's webhook: PayRam's delivery of the top-up reaches B too.
      const payload = { reference_id: topUp, customer_id: `shop-a_${a.orderNumber}`, customer_email: "shopper@example.com", status: "FILLED" };
      const raw = Buffer.from(JSON.stringify(payload));
      const delivery = { method: "POST", headers: new Headers({ "content-type": "application/json", "x-payram-signature": signWebhookBody(raw, TEST_API_KEY) }), body: raw, query: new URLSearchParams(), client: "203.0.113.7" };
      const answer = await receiveWebhook({ ...depsB, webhookKeys: [TEST_API_KEY], requireSignature: false }, delivery);
      expect(answer).toMatchObject({ status: 200, body: { ok: true, result: "unknown_reference" } });
      expect(await orderState(shopB().db, b.orderId)).toMatchObject({ paid: false, attempts: [{ state: "PARTIALLY_FILLED", amount_received_cents: 500 }], fulfilments: [] });

      // Shop A's sweep finds its top-up and its order is paid.
      expect(await sweepAllOpen(depsA, "sweep", { search: newSearchSchedule() })).toMatchObject({ changed: 1, failed: 0 });
      expect(await orderState(shopA().db, a.orderId)).toMatchObject({ paid: true, attempts: [{ state: "PARTIALLY_FILLED" }, { state: "FILLED" }], fulfilments: [{ kind: "deliver" }] });
      expect(await orderState(shopB().db, b.orderId)).toMatchObject({ paid: false, fulfilments: [] });
    });
  });
});
