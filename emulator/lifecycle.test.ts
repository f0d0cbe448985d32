import { describe, expect, it } from "vitest";
import { startEmulator } from "./server";
import { startReceiver } from "./testing/receiver";
import { waitFor } from "./testing/helpers";

const activeTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

describe("startEmulator / close", () => {
  it("listens on port 0, reports its url, and close() stops every timer, retry and hung request", async () => {
    const receiver = await startReceiver();
    receiver.respondWith(() => 500);
    const before = activeTimers();
    const emulator = await startEmulator({
      port: 0,
      apiKey: "k",
      webhookUrls: receiver.url,
      config: { webhooks: { retryScheduleMs: [0, 60_000] }, faults: { status: { mode: "hang" } } },
    });
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(emulator.publicUrl).toBe(`http://127.0.0.1:${emulator.port}`);

    const headers = { "API-Key": "k", "Content-Type": "application/json" };
    const create = await fetch(`${emulator.url}/api/v1/payment`, {
      method: "POST",
      headers,
      body: JSON.stringify({ customerEmail: "a@example.com", customerID: "c", amountInUSD: 2 }),
    });
    const { reference_id: ref } = (await create.json()) as { reference_id: string };
    emulator.deposit(ref, "1"); // a delivery that fails and waits 60 s for its next retry
    await waitFor("the retry to be scheduled", () => emulator.deliveries().some((e) => e.nextRetryInMs === 60_000));
    const hung = fetch(`${emulator.url}/api/v1/payment/reference/${ref}`, { headers }).then(
      (res) => res.status,
      () => "closed",
    );
    emulator.setConfig({ faults: { create: { latencyMs: 60_000 } } });
    const slow = fetch(`${emulator.url}/api/v1/payment`, {
      method: "POST",
      headers,
      body: JSON.stringify({ customerEmail: "a@example.com", customerID: "d", amountInUSD: 2 }),
    }).then(
      (res) => res.status,
      () => "closed",
    );
    await waitFor("the slow create to arrive", () => emulator.stats().byEndpoint["POST /api/v1/payment"] === 2);
    // Two expiry timers (both payments), the 60 s retry, the 60 s latency and the hung status read.
    expect(emulator.pendingWork()).toBe(5);
    expect(activeTimers()).toBeGreaterThan(before);

    // close() does not wait out the 60 s timers (the test's own timeout would catch it): it cuts them.
    await emulator.close();
    expect(await hung).toBe("closed");
    expect(await slow).toBe("closed");
    expect(emulator.pendingWork()).toBe(0);
    await emulator.close(); // idempotent
    await receiver.close();
    await waitFor("every emulator timer to be gone", () => activeTimers() <= before, 2_000);
  });

  it("refuses invalid options", async () => {
    await expect(startEmulator({ port: 0, config: { webhooks: { method: "PUT" } } })).rejects.toThrow(/webhooks\.method/);
    await expect(startEmulator({ port: 0, publicUrl: "not a url" })).rejects.toThrow(/publicUrl/);
  });
});
