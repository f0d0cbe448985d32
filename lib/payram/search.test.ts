import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { TEST_API_KEY } from "@/test/emulator";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { createPayramClient, readSearchAnswer } from "./client";
import { PayramError } from "./errors";

const payram = emulatorPerFile();

describe("PayRam's payment search (POST /api/v1/payment/search)", () => {
  it.each(["camel", "snake"] as const)("lists every payment PayRam holds for the customer, and no other's (%s bodies)", async (statusShape) => {
    await payram.control("/config", "PUT", { api: { statusShape } });
    const mine = await payram.client.createPayment({ customerEmail: "a@example.com", customerId: "shop-a_1001", invoiceId: "1001-1", amountCents: 949 });
    await payram.client.createPayment({ customerEmail: "b@example.com", customerId: "shop-b_1001", invoiceId: "1001-1", amountCents: 1200 });
    await payram.deposit(mine.referenceId, "5.00");
    const found = await payram.client.searchPayments("shop-a_1001");
    expect(found).toEqual([
      expect.objectContaining({ referenceId: mine.referenceId, customerId: "shop-a_1001", state: "PARTIALLY_FILLED", amountCents: 949, filledCents: 500 }),
    ]);
    expect(await payram.client.searchPayments("shop-c_1")).toEqual([]);
  });

  it('answers "unsupported" when this PayRam has no search (404)', async () => {
    await payram.control("/config", "PUT", { api: { search: false } });
    expect(await payram.client.searchPayments("order_1001")).toBe("unsupported");
  });

  it("fails as PayramError on a wrong key, never quoting the key", async () => {
    const wrongKey = "wrong-key-0123456789";
    const client = createPayramClient({ baseUrl: payram.emulator.url, apiKey: wrongKey, timeoutMs: 2_000 });
    const error = await client.searchPayments("order_1001").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayramError);
    expect(error).toMatchObject({ failure: "unauthorized", status: 401 });
    expect(String((error as Error).message)).not.toContain(wrongKey);
    expect(String((error as Error).message)).not.toContain(TEST_API_KEY);
  });

  it("fails as PayramError on an answer that is no list of payments, or an error envelope in a 200", async () => {
    for (const [status, body, failure] of [
      [200, { code: 5, message: "search is disabled" }, "refused"],
      [200, { total: 3 }, "invalid_response"],
      [500, { error: "Error searching payments" }, "server"],
    ] as const) {
      const server = createServer((_req, res) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body)));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const client = createPayramClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: TEST_API_KEY, timeoutMs: 2_000 });
        await expect(client.searchPayments("order_1001")).rejects.toMatchObject({ name: "PayramError", failure });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});

describe("reading a search answer", () => {
  const ref = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

  it("reads {payments}, {data} and a bare list, in both status shapes", () => {
    const camel = { referenceID: ref(1), customerID: "order_7", paymentState: "FILLED", amountInUSD: "9.49", filledAmountInUSD: "9.49" };
    const snake = { reference_id: ref(2), customer_id: "order_7", payment_state: "PARTIALLY_FILLED", amount: "9.49", filled_amount_in_usd: "1.00" };
    const expected = [
      expect.objectContaining({ referenceId: ref(1), customerId: "order_7", state: "FILLED", filledCents: 949 }),
      expect.objectContaining({ referenceId: ref(2), customerId: "order_7", state: "PARTIALLY_FILLED", filledCents: 100 }),
    ];
    expect(readSearchAnswer({ payments: [camel, snake] })).toEqual(expected);
    expect(readSearchAnswer({ data: [camel, snake] })).toEqual(expected);
    expect(readSearchAnswer([camel, snake])).toEqual(expected);
  });

  it("leaves out items with no reference or no state, and refuses what is no list", () => {
    expect(readSearchAnswer({ payments: [{ paymentState: "FILLED" }, { referenceID: ref(3) }, "x", null, { referenceID: ref(4), paymentState: "OPEN" }] })).toEqual([
      expect.objectContaining({ referenceId: ref(4), state: "OPEN" }),
    ]);
    expect(readSearchAnswer({ payments: "none" })).toBeNull();
    expect(readSearchAnswer(null)).toBeNull();
  });
});
