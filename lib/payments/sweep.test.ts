import { execFile } from "node:child_process";
import { beforeEach, expect, it, vi } from "vitest";
import { cleanEnv } from "@/test/cli";
import { describeOnEachDatabase } from "@/test/databases";
import { TEST_API_KEY } from "@/test/emulator";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { checkoutDepsFor, orderState, placeOrder, type PlacedOrder } from "@/test/shop";
import { payForOrder } from "./checkout";
import { orderStatus } from "./status";
import { syncPayment } from "./sync";
import { startSweepSchedule, sweepDue } from "./sweep";

const payram = emulatorPerFile();

describeOnEachDatabase("the sweep for missed webhooks", (get) => {
  // Each test sweeps its own orders only: close what earlier tests left open.
  beforeEach(() =>
    get().db.updateTable("payment_attempts").set({ state: "CANCELLED", next_sync_at: null }).where("state", "in", ["OPEN", "PARTIALLY_FILLED"]).execute(),
  );

  const deposit = payram.deposit;
  /** As if time passed: every open attempt is due for a check. */
  const makeAllDue = () => get().db.updateTable("payment_attempts").set({ next_sync_at: "2000-01-01T00:00:00.000Z" }).where("state", "in", ["OPEN", "PARTIALLY_FILLED"]).execute();
  const statusCalls = payram.statusCalls;

  function runSweep(...args: string[]) {
    const env = cleanEnv({ DATABASE_URL: get().url, PAYRAM_BASE_URL: payram.emulator.url, PAYRAM_API_KEY: TEST_API_KEY });
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/sweep.ts", ...args], { env, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
  }

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
    expect(run).toMatchObject({ code: 0, stderr: "", stdout: "Sweep: 3 payments checked, 2 changed, 0 failed.\n" });
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
    expect((await runSweep("--all")).stdout).toBe("Sweep: 1 payments checked, 0 changed, 0 failed.\n");
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
    expect(run).toMatchObject({ code: 1, stdout: "Sweep: 0 payments checked, 0 changed, 1 failed.\n" });
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
