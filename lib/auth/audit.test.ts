import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { runRetention } from "../jobs/retention";
import { auditCsv, listAudit, recordAudit } from "./audit";

describeOnEachDatabase("the audit log", (get) => {
  it("appends; the database itself refuses to change or delete a row", async () => {
    const db = get().db;
    await recordAudit(db, { person: { id: "p1", email: "owner@example.com" }, action: "refund.send", outcome: "done", orderId: "o1", detail: "requesting -> sent", address: "192.0.2.1" });
    const [row] = (await listAudit(db, { page: 1 })).rows;
    expect(row).toMatchObject({ person_email: "owner@example.com", action: "refund.send", outcome: "done", order_id: "o1", detail: "requesting -> sent", address: "192.0.2.1" });
    await expect(db.updateTable("audit_log").set({ outcome: "refused" }).where("id", "=", row!.id).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom("audit_log").where("id", "=", row!.id).execute()).rejects.toThrow(/append-only/);
    expect((await listAudit(db, { page: 1 })).rows[0]).toEqual(row);
  });

  it("outlives retention: a row far older than a year stays", async () => {
    const db = get().db;
    await db.insertInto("audit_log").values({ at: "2020-01-01T00:00:00.000Z", person_id: null, person_email: "old@example.com", action: "sign-in", outcome: "refused", order_id: null, product_id: null, refund_id: null, target_person_id: null, detail: null, address: null }).execute();
    await runRetention(db, { retention: { cartDays: 1, webhookLogDays: 1, intervalMs: 0 } });
    expect((await listAudit(db, { person: "old@example.com", page: 1 })).rows).toHaveLength(1);
  });

  it("filters by person, kind and order, and exports CSV with spreadsheet formulas neutralised", async () => {
    const db = get().db;
    await recordAudit(db, { person: { id: "p2", email: "packer@example.com" }, action: "refund.request", outcome: "needs_approval", orderId: "o2", detail: "=HYPERLINK(\"http://evil\")", address: "192.0.2.2" });
    await recordAudit(db, { person: { id: "p2", email: "packer@example.com" }, action: "order.ship", outcome: "done", orderId: "o3", address: "192.0.2.2" });
    expect((await listAudit(db, { person: "packer@example.com", page: 1 })).rows.map((row) => row.action)).toEqual(["order.ship", "refund.request"]);
    expect((await listAudit(db, { kind: "refund", page: 1 })).rows.map((row) => row.action)).toEqual(expect.arrayContaining(["refund.request", "refund.send"]));
    expect((await listAudit(db, { kind: "refund", page: 1 })).rows.every((row) => row.action.startsWith("refund."))).toBe(true);
    expect((await listAudit(db, { order: "o3", page: 1 })).rows.map((row) => row.action)).toEqual(["order.ship"]);
    const csv = await auditCsv(db, { person: "packer@example.com", page: 1 });
    expect(csv.split("\r\n")[0]).toBe("at,person,action,outcome,order,product,refund,target_person,detail,address");
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });
});
