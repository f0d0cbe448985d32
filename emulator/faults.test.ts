import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nextCustomer, startHarness, waitFor, type Harness } from "./testing/helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const createBody = (customerID = nextCustomer()) => ({ customerEmail: "a@example.com", customerID, amountInUSD: 5 });
const tryCreate = (init: { signal?: AbortSignal; customerID?: string } = {}) =>
  h.request("/api/v1/payment", { method: "POST", json: createBody(init.customerID), signal: init.signal });
const setFaults = async (faults: unknown) => {
  const res = await h.control("/config", "PUT", { faults });
  expect(res.status).toBe(200);
};

describe("create faults", () => {
  it("500 answers {code:5} and creates nothing", async () => {
    await setFaults({ create: { mode: "500" } });
    const res = await tryCreate();
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: 5, message: expect.stringContaining("wallet") });
    expect(h.emulator.payments()).toHaveLength(0);
  });

  it("502 answers a proxy's HTML page", async () => {
    await setFaults({ create: { mode: "502" } });
    const res = await tryCreate();
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("502 Bad Gateway");
  });

  it("429 answers {error:text} with Retry-After", async () => {
    await setFaults({ create: { mode: "429" } });
    const res = await tryCreate();
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it("code5 answers 200 {code:5} without url — a failure dressed as success", async () => {
    await setFaults({ create: { mode: "code5" } });
    const res = await tryCreate();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ code: 5 });
    expect(body).not.toHaveProperty("url");
    expect(h.emulator.payments()).toHaveLength(0);
  });

  it("hang never answers, but the payment was created (a timed-out create may have succeeded)", async () => {
    await setFaults({ create: { mode: "hang", count: 1 } });
    const customerID = nextCustomer();
    await expect(tryCreate({ signal: AbortSignal.timeout(300), customerID })).rejects.toThrow();
    expect(h.emulator.payments().filter((p) => p.customerId === customerID)).toHaveLength(1);
    // The retry a careless client would make creates a second one, which cancels the first.
    expect((await tryCreate({ customerID })).status).toBe(200);
    expect(h.emulator.payments().map((p) => p.state).sort()).toEqual(["CANCELLED", "OPEN"]);
    expect(h.emulator.stats().createsByCustomer[customerID]).toBe(2);
  });

  it("latency delays the answer; the payment exists before the answer", async () => {
    await setFaults({ create: { latencyMs: 250 } });
    const started = Date.now();
    const pending = tryCreate();
    await waitFor("the payment to exist", () => h.emulator.payments().length === 1);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it("count fails exactly the next N calls, then switches the fault off", async () => {
    await setFaults({ create: { mode: "500", count: 2 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await tryCreate()).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
    const config = await (await h.control("/config", "GET")).json();
    expect(config.faults.create).toMatchObject({ mode: "none", count: null });
  });

  it("a rate with a seed fails a reproducible subset of calls", async () => {
    const run = async () => {
      await setFaults({ seed: 42, create: { mode: "502", rate: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await tryCreate()).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(502);
  });
});

describe("status faults", () => {
  it.each([
    ["500", 500],
    ["502", 502],
    ["429", 429],
    ["code5", 200],
  ] as const)("%s answers %i", async (mode, status) => {
    const { reference_id } = await h.create();
    await setFaults({ status: { mode, count: 1 } });
    const res = await h.request(`/api/v1/payment/reference/${reference_id}`);
    expect(res.status).toBe(status);
    if (mode === "code5") expect(await res.json()).toMatchObject({ code: 5 });
    // count: 1 — the next read is healthy again.
    expect((await h.status(reference_id)).paymentState).toBe("OPEN");
  });

  it("hang never answers; latency slows the answer", async () => {
    const { reference_id } = await h.create();
    await setFaults({ status: { mode: "hang", count: 1, latencyMs: 200 } });
    await expect(h.request(`/api/v1/payment/reference/${reference_id}`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const started = Date.now();
    expect((await h.status(reference_id)).paymentState).toBe("OPEN");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("counts every read per endpoint and per reference in stats", async () => {
    const { reference_id } = await h.create();
    await h.status(reference_id);
    await h.status(reference_id);
    await h.request("/api/v1/health", { key: null });
    const stats = await (await h.control("/stats", "GET")).json();
    expect(stats.byEndpoint).toMatchObject({ "POST /api/v1/payment": 1, "GET /api/v1/payment/reference/:id": 2, "GET /api/v1/health": 1 });
    expect(stats.byReference[reference_id]).toEqual({ "GET /api/v1/payment/reference/:id": 2 });
    expect(stats.total).toBe(4);
  });
});

describe("webhook faults", () => {
  const forRef = (ref: string) => h.receiver.bodies().filter((b) => b.reference_id === ref);

  it("drop: one attempt is not sent, and the retry schedule goes on from there", async () => {
    await setFaults({ webhooks: { dropRate: 1 } });
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    await waitFor("the retry after the dropped attempt", () => h.emulator.deliveries().some((entry) => entry.attempt === 2));
    expect(forRef(ref)).toHaveLength(1);
    expect(h.emulator.deliveries().filter((entry) => entry.referenceId === ref)).toEqual([
      expect.objectContaining({ outcome: "dropped", fault: "dropped", attempt: 1, nextRetryInMs: 20, responseStatus: null }),
      expect.objectContaining({ outcome: "delivered", fault: "dropped", attempt: 2, responseStatus: 200 }),
    ]);
  });

  it("lost: the delivery is logged as dropped and never sent", async () => {
    await setFaults({ webhooks: { lostRate: 1 } });
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    expect(h.emulator.deliveries()).toEqual([expect.objectContaining({ referenceId: ref, outcome: "dropped", fault: "lost", attempt: 0 })]);
    // Redeliver still works (the payload was "sent" as far as PayRam knows).
    await h.control(`/payments/${ref}/redeliver`);
    await waitFor("the redelivery", () => forRef(ref).length === 1);
  });

  it("duplicate: the same bytes arrive twice", async () => {
    await setFaults({ webhooks: { duplicateRate: 1 } });
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    await waitFor("two copies", () => forRef(ref).length === 2);
    const raws = h.receiver.received.filter((r) => r.raw.includes(ref)).map((r) => r.raw.toString("utf8"));
    expect(raws[0]).toBe(raws[1]);
    await waitFor("both logged", () => h.emulator.deliveries().length === 2);
    expect(h.emulator.deliveries().map((e) => e.fault).sort()).toEqual(["duplicate", null]);
  });

  it("reorder: a held delivery arrives after the next one", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 2 });
    await setFaults({ webhooks: { reorderRate: 1 } });
    h.emulator.deposit(ref, "1");
    await setFaults({ webhooks: { reorderRate: 0 } });
    h.emulator.deposit(ref, "1");
    await waitFor("both deliveries", () => forRef(ref).length === 2);
    expect(forRef(ref).map((b) => b.status)).toEqual(["FILLED", "PARTIALLY_FILLED"]);
    const held = await waitFor("the log entry", () => h.emulator.deliveries().find((e) => e.status === "PARTIALLY_FILLED"));
    expect(held.fault).toBe("reordered");
  });

  it("reorder: a held delivery goes out after reorderMaxHoldMs when nothing follows", async () => {
    await setFaults({ webhooks: { reorderRate: 1, reorderMaxHoldMs: 100 } });
    const { reference_id: ref } = await h.create();
    h.emulator.cancel(ref);
    await waitFor("the held delivery", () => forRef(ref).length === 1);
  });

  it("delay: the delivery waits delayMs", async () => {
    await setFaults({ webhooks: { delayRate: 1, delayMs: 200 } });
    const { reference_id: ref } = await h.create();
    const started = Date.now();
    h.emulator.cancel(ref);
    await waitFor("the delayed delivery", () => forRef(ref).length === 1);
    const arrived = h.receiver.received.find((r) => r.raw.includes(ref))?.at ?? 0;
    expect(arrived - started).toBeGreaterThanOrEqual(190);
    const logged = await waitFor("the log entry", () => h.emulator.deliveries()[0]);
    expect(logged.fault).toBe("delayed");
  });

  it("rates replay identically for a seed", async () => {
    const run = async () => {
      h.reset();
      await setFaults({ seed: 7, webhooks: { dropRate: 0.5 } });
      const refs: string[] = [];
      for (let i = 0; i < 12; i++) {
        const { reference_id } = await h.create();
        h.emulator.cancel(reference_id);
        refs.push(reference_id);
      }
      // Log order follows network timing; the decisions, in event order, must not.
      return refs.map((ref) => h.emulator.deliveries().some((e) => e.referenceId === ref && e.outcome === "dropped"));
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first).toContain(true);
    expect(first).toContain(false);
  });
});
