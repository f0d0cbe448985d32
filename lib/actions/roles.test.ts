import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { GET as auditCsvRoute } from "@/app/admin/api/audit.csv/route";
import { GET as ordersCsvRoute } from "@/app/admin/api/orders.csv/route";
import { POST as uploadsRoute } from "@/app/admin/api/uploads/route";
import { createPerson, setRequiresSecondFactor, type Person } from "../auth/people";
import { EMPTY_FORM } from "../catalog/editor";
import { EMPTY_SHIP_FORM } from "../rules/ship-form";
import { liveSession, openSession } from "../auth/session-store";
import { withRequestScope } from "../server/auth";
import { can, PERMISSIONS, ROLES, type Permission, type Role } from "../rules/roles";
import * as admin from "./admin";
import * as fulfilment from "./fulfilment";
import * as passkeys from "./passkeys";
import * as people from "./people";
import * as products from "./products";
import * as refunds from "./refunds";

/**
 * The role matrix (lib/rules/roles.ts), walked whole against the real server actions and routes:
 * each is called as a person of each role, and only the roles the matrix names get past the
 * role check (the others get a refusal and an audit row saying so). The forms are empty on
 * purpose: an allowed role is stopped by the form's own check right after, so nothing changes.
 */
type Action = (state: never, formData: FormData) => Promise<unknown>;

/** Every merchant action, and the permission it must ask for. */
const ACTIONS: Record<string, [Action, Permission]> = {
  syncNowAction: [admin.syncNowAction, "orders.read"],
  cancelOrderAction: [admin.cancelOrderAction, "orders.cancel"],
  releaseStockAction: [admin.releaseStockAction, "orders.cancel"],
  resolveAttentionAction: [admin.resolveAttentionAction, "attention.resolve"],
  markShippedAction: [fulfilment.markShippedAction as Action, "orders.ship"],
  refundAction: [refunds.refundAction, "refunds.request"],
  retryRefundAction: [refunds.retryRefundAction, "refunds.send"],
  endRefundAction: [refunds.endRefundAction, "refunds.send"],
  decideRefundRequestAction: [refunds.decideRefundRequestAction, "refunds.send"],
  createProductAction: [products.createProductAction as Action, "catalog.edit"],
  updateProductAction: [products.updateProductAction as Action, "catalog.edit"],
  setProductActiveAction: [products.setProductActiveAction, "catalog.edit"],
  deleteProductAction: [products.deleteProductAction, "catalog.edit"],
  invitePersonAction: [people.invitePersonAction, "people.manage"],
  reinviteAction: [people.reinviteAction, "people.manage"],
  changeRoleAction: [people.changeRoleAction, "people.manage"],
  setDisabledAction: [people.setDisabledAction, "people.manage"],
  resetSecondFactorAction: [people.resetSecondFactorAction, "people.manage"],
  requireSecondFactorAction: [people.requireSecondFactorAction, "security.manage"],
  beginTotpAction: [people.beginTotpAction, "account.own"],
  confirmTotpAction: [people.confirmTotpAction, "account.own"],
  endSessionAction: [people.endSessionAction, "account.own"],
  endAllSessionsAction: [people.endAllSessionsAction, "account.own"],
  passkeyRegistrationOptionsAction: [passkeys.passkeyRegistrationOptionsAction, "account.own"],
  passkeyStepUpOptionsAction: [passkeys.passkeyStepUpOptionsAction, "account.own"],
  addPasskeyAction: [passkeys.addPasskeyAction, "account.own"],
  removePasskeyAction: [passkeys.removePasskeyAction, "account.own"],
};

/** What a form's state starts as (each action reads the fields it knows). */
const INITIAL = { message: null, error: null, field: null, values: { ...EMPTY_FORM, ...EMPTY_SHIP_FORM }, fieldErrors: {}, saved: false, done: false };

/** Actions anyone may post: the sign-in and the pages of a mailed link. */
const PUBLIC = new Set(["signInAction", "signOutAction", "setPasswordWithTokenAction", "requestPasswordResetAction"]);

const ROUTES: Record<string, [() => Promise<Response>, Permission]> = {
  "GET /admin/api/orders.csv": [() => ordersCsvRoute(new Request("http://shop.test/admin/api/orders.csv")), "orders.read"],
  "GET /admin/api/audit.csv": [() => auditCsvRoute(new Request("http://shop.test/admin/api/audit.csv")), "audit.read"],
  // No body and no kind: an allowed role gets the upload's own refusal (400s), never 401/403.
  "POST /admin/api/uploads": [() => uploadsRoute(new Request("http://shop.test/admin/api/uploads", { method: "POST" })), "catalog.edit"],
};

describe("the role matrix", () => {
  it("lists every merchant action of lib/actions (a new one must be added here, with its permission)", () => {
    const exported = [admin, fulfilment, passkeys, people, products, refunds].flatMap((module) => Object.keys(module).filter((name) => name.endsWith("Action")));
    expect(exported.filter((name) => !PUBLIC.has(name)).sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  it("uses every permission it states", () => {
    const used = new Set([...Object.values(ACTIONS), ...Object.values(ROUTES)].map(([, permission]) => permission));
    // Pages only: reading the audit log is a route too; the rest is checked by the actions above.
    expect(Object.keys(PERMISSIONS).filter((permission) => !used.has(permission as Permission))).toEqual([]);
  });
});

const KEYS = { sessionSecret: "roles-test-secret-0123456789abcdefghijk" };

describeOnEachDatabase("the role matrix, walked against the real actions and routes", (get) => {
  const person: Partial<Record<Role, Person>> = {};
  const cookie: Partial<Record<Role, string>> = {};
  beforeAll(async () => {
    for (const role of ROLES) {
      const made = await createPerson(get().db, { email: `${role}@example.com`, role, password: `the ${role}'s password` });
      if (!made.ok) throw new Error(made.error);
      person[role] = made.person;
      cookie[role] = await openSession(get().db, KEYS, { personId: made.person.id, userAgent: null, address: null, secondFactorAt: null });
    }
  });
  const as = <T>(role: Role, fn: () => Promise<T>) =>
    withRequestScope({ db: get().db, headers: new Headers({ "x-forwarded-for": "192.0.2.30" }), trustedProxyCount: 1, merchant: () => liveSession(get().db, KEYS, cookie[role]) }, fn);
  const refusals = async (role: Role) => {
    const row = await get().db.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n")).where("person_id", "=", person[role]!.id).where("outcome", "=", "refused").where("detail", "like", "%may not do this%").executeTakeFirstOrThrow();
    return Number(row.n);
  };

  for (const role of ROLES) {
    it(`${role}: each action runs only with its permission; a refusal is audited`, async () => {
      for (const [name, [action, permission]] of Object.entries(ACTIONS)) {
        const before = await refusals(role);
        await as(role, () => action(INITIAL as never, new FormData()));
        const refused = (await refusals(role)) - before;
        expect({ name, refused }).toEqual({ name, refused: can(role, permission) ? 0 : 1 });
      }
    });

    it(`${role}: each route answers only with its permission`, async () => {
      for (const [name, [route, permission]] of Object.entries(ROUTES)) {
        const response = await as(role, route);
        expect({ name, forbidden: response.status === 403 }).toEqual({ name, forbidden: !can(role, permission) });
        expect(response.status).not.toBe(401);
      }
    });
  }

  it("when the owner requires a second factor of everyone, a person without one gets 403 from every route (audited), as pages and actions refuse them; a passkey counts", async () => {
    const db = get().db;
    const shopRule = async (role: Role) => {
      const row = await db.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n")).where("person_id", "=", person[role]!.id).where("detail", "=", "the shop requires a second factor").executeTakeFirstOrThrow();
      return Number(row.n);
    };
    await setRequiresSecondFactor(db, true);
    try {
      for (const role of ROLES) {
        for (const [name, [route, permission]] of Object.entries(ROUTES)) {
          if (!can(role, permission)) continue;
          const before = await shopRule(role);
          const response = await as(role, route);
          expect({ name, role, status: response.status, body: await response.json() }).toEqual({ name, role, status: 403, body: { error: expect.stringMatching(/requires a second factor/) } });
          expect(await shopRule(role)).toBe(before + 1);
        }
      }
      // The same rule as a server action's (lib/actions/guard.ts).
      expect(await as("staff", () => admin.syncNowAction({ message: null, error: null }, new FormData()))).toEqual({ message: null, error: "The shop requires a second factor: set one up on the Security page first." });
      // With a passkey (and no authenticator app), the owner passes.
      await db.insertInto("passkeys").values({ id: "5e6f8a2c-1d3b-4c5d-8e9f-0a1b2c3d4e5f", person_id: person.owner!.id, credential_id: "roles-test-key", public_key: "AA", counter: 0, transports: "", name: "Test key", created_at: new Date().toISOString(), last_used_at: null }).execute();
      for (const [name, [route]] of Object.entries(ROUTES)) expect({ name, status: (await as("owner", route)).status }).not.toEqual({ name, status: 403 });
    } finally {
      await setRequiresSecondFactor(db, false);
      await db.deleteFrom("passkeys").where("person_id", "=", person.owner!.id).execute();
    }
  });

  it("without a session, every action and route refuses and writes nothing", async () => {
    const anonymous = <T>(fn: () => Promise<T>) => withRequestScope({ db: get().db, headers: new Headers(), trustedProxyCount: 0, merchant: async () => null }, fn);
    for (const [name, [action]] of Object.entries(ACTIONS)) {
      const answer = (await anonymous(() => action(INITIAL as never, new FormData()))) as { error?: string; message?: string };
      expect({ name, said: answer.error ?? answer.message }).toEqual({ name, said: expect.stringMatching(/session has ended/) });
    }
    for (const [, [route]] of Object.entries(ROUTES)) expect((await anonymous(route)).status).toBe(401);
  });
});

it("README shows the matrix as the code states it", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  for (const [permission, roles] of Object.entries(PERMISSIONS)) {
    const cells = ROLES.map((role) => ((roles as readonly Role[]).includes(role) ? "✓" : "—")).join(" | ");
    expect(readme).toMatch(new RegExp(`^\\| \`${permission.replace(".", "\\.")}\`:[^|]*\\| ${cells} \\|$`, "m"));
  }
});
