import { generate } from "otplib";
import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { checkPassword, createPerson, ensureFirstOwner, setDisabled } from "./people";
import { beginTotp, checkSecondFactor, confirmTotp, recoveryCodesLeft } from "./second-factor";
import { personOfToken, TOKEN_TTL_MS, mailToken, usePasswordToken } from "./tokens";

describeOnEachDatabase("people, second factors and mailed links", (get) => {
  it("makes the first owner from ADMIN_EMAIL + ADMIN_PASSWORD on a database with no person, once; a password without an email is refused", async () => {
    const db = get().open();
    expect(await ensureFirstOwner(db, { email: null, password: "the old shared password" })).toEqual({ error: expect.stringMatching(/^ADMIN_EMAIL must be set/) });
    expect(await ensureFirstOwner(db, { email: null, password: null })).toEqual({ none: true });
    const made = await ensureFirstOwner(db, { email: "owner@example.com", password: "the old shared password" });
    expect(made).toMatchObject({ created: { email: "owner@example.com", role: "owner" } });
    // The upgraded install signs in with its old password, now by email.
    expect((await checkPassword(db, "Owner@Example.com", "the old shared password"))?.role).toBe("owner");
    expect(await checkPassword(db, "owner@example.com", "a guess")).toBeNull();
    // Next start: nothing to do, whatever the environment says.
    expect(await ensureFirstOwner(db, { email: "other@example.com", password: "another password" })).toEqual({ exists: true });
    // The password is kept as Argon2id, never in clear.
    const row = await db.selectFrom("people").select("password_hash").where("email", "=", "owner@example.com").executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it("TOTP: a code from the app turns it on; each code counts once; 10 recovery codes, each once", async () => {
    const db = get().db;
    const made = await createPerson(db, { email: "manager@example.com", role: "manager", password: "the manager's password" });
    if (!made.ok) throw new Error(made.error);
    const { secret, uri } = await beginTotp(db, made.person, "Lumen Goods");
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    expect(await confirmTotp(db, made.person.id, "000000")).toMatchObject({ ok: false });
    const enrolled = await confirmTotp(db, made.person.id, await generate({ secret }));
    if (!enrolled.ok) throw new Error(enrolled.error);
    expect(enrolled.recoveryCodes).toHaveLength(10);
    expect(new Set(enrolled.recoveryCodes).size).toBe(10);
    // The enrolment's own code cannot be used again (its time step is spent)...
    expect(await checkSecondFactor(db, made.person.id, await generate({ secret }))).toBe(false);
    // ...a code of the next step can, once.
    const later = Date.now() + 30_000;
    const next = await generate({ secret, epoch: Math.floor(later / 1000) });
    expect(await checkSecondFactor(db, made.person.id, next, later)).toBe(true);
    expect(await checkSecondFactor(db, made.person.id, next, later)).toBe(false);
    // Recovery codes: stored hashed, each works once.
    const stored = await db.selectFrom("recovery_codes").select("code_hash").where("person_id", "=", made.person.id).execute();
    expect(stored.map((row) => row.code_hash)).not.toContain(enrolled.recoveryCodes[0]);
    expect(await checkSecondFactor(db, made.person.id, enrolled.recoveryCodes[0]!.toUpperCase())).toBe(true);
    expect(await checkSecondFactor(db, made.person.id, enrolled.recoveryCodes[0]!)).toBe(false);
    expect(await recoveryCodesLeft(db, made.person.id)).toBe(9);
  });

  it("an invitation link sets the password once, for 24 hours; a disabled person's link does nothing", async () => {
    const db = get().db;
    const made = await createPerson(db, { email: "new@example.com", role: "staff" });
    if (!made.ok) throw new Error(made.error);
    const now = Date.now();
    const token = await mailToken(db, made.person, "invite", "owner@example.com", now);
    const mail = await db.selectFrom("outbox").select(["recipient", "kind"]).where("kind", "=", "person_invite").executeTakeFirstOrThrow();
    expect(mail).toEqual({ recipient: "new@example.com", kind: "person_invite" });
    expect(await personOfToken(db, token, "reset", now)).toBeNull();
    expect(await personOfToken(db, token, "invite", now + TOKEN_TTL_MS)).toBeNull();
    expect((await usePasswordToken(db, token, "invite", "my own password", now + TOKEN_TTL_MS - 1000))?.email).toBe("new@example.com");
    expect(await usePasswordToken(db, token, "invite", "someone else's password", now + 2000)).toBeNull();
    expect(await checkPassword(db, "new@example.com", "my own password")).not.toBeNull();

    const reset = await mailToken(db, made.person, "reset", null, now);
    await setDisabled(db, made.person.id, true);
    expect(await usePasswordToken(db, reset, "reset", "a takeover password", now)).toBeNull();
    expect(await checkPassword(db, "new@example.com", "my own password")).toBeNull(); // disabled: no sign-in
  });
});
