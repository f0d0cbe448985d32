/**
 * `npm run admin -- <command>`: the merchant accounts from the command line (issue 30), for the
 * first owner without the environment and for recovery when nobody can sign in.
 *
 *   create-owner --email <email> [--password <password>]   a new owner (password from stdin if not given)
 *   set-password --email <email> [--password <password>]   a new password (their sessions end)
 *   reset-second-factor --email <email>                    turns their second factor off: app and passkeys (lost phone or key)
 *   enable --email <email>                                 enables a disabled person
 *   list                                                   everyone, with role and state
 *
 * `--totp-secret <base32>` with create-owner sets the second factor too (for provisioning scripts
 * and the browser tests, which compute codes from it); recovery codes are printed once.
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { recordAudit } from "../lib/auth/audit";
import { createPerson, endSessionsOf, findPersonByEmail, listPeople, passwordSchema, setDisabled, setPassword } from "../lib/auth/people";
import { resetSecondFactor, setTotpSecret } from "../lib/auth/second-factor";
import { prepare } from "../lib/jobs/startup";

const USAGE = "Usage: npm run admin -- create-owner --email <email> [--password <password>] | set-password --email <email> | reset-second-factor --email <email> | enable --email <email> | list";

async function readPassword(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (process.stdin.isTTY) process.stderr.write("Password: ");
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { email: { type: "string" }, password: { type: "string" }, "totp-secret": { type: "string" } },
  });
  const command = positionals[0];
  if (!command) fail(USAGE);
  const { db } = await prepare();
  const audit = (action: string, person: { id: string; email: string }, detail: string) =>
    recordAudit(db, { person: null, action, outcome: "done", targetPersonId: person.id, detail: `command line: ${person.email}: ${detail}`, address: "command line" });
  try {
    if (command === "list") {
      for (const person of await listPeople(db)) {
        console.log(`${person.email}\t${person.role}\t${person.disabled_at ? "disabled" : person.password_hash ? "active" : "invited"}\t${person.totp_secret || person.passkeys > 0 ? `second factor on (${[person.totp_secret && "app", person.passkeys > 0 && `${person.passkeys} passkey(s)`].filter(Boolean).join(", ")})` : "no second factor"}`);
      }
      return;
    }
    if (!values.email) fail(`--email is required.\n${USAGE}`);
    if (command === "create-owner") {
      const password = passwordSchema.safeParse(await readPassword(values.password));
      if (!password.success) fail(password.error.issues[0]!.message);
      const created = await createPerson(db, { email: values.email, role: "owner", password: password.data });
      if (!created.ok) fail(created.error);
      await audit("person.create-owner", created.person, "owner created");
      console.log(`Owner ${created.person.email} created: sign in at /admin/sign-in.`);
      const secret = values["totp-secret"];
      if (secret) {
        if (!/^[A-Z2-7]{26,}=*$/.test(secret)) fail("--totp-secret must be base32, 16 bytes (26 characters) or more.");
        const codes = await setTotpSecret(db, created.person.id, secret);
        await audit("account.second-factor", created.person, "authenticator set from the command line");
        console.log(`Second factor on. Recovery codes (shown once): ${codes.join(" ")}`);
      }
      return;
    }
    const person = await findPersonByEmail(db, values.email);
    if (!person) fail(`Nobody has the email ${values.email}.`);
    if (command === "set-password") {
      const password = passwordSchema.safeParse(await readPassword(values.password));
      if (!password.success) fail(password.error.issues[0]!.message);
      await setPassword(db, person.id, password.data);
      await audit("account.password-set", person, "password set; sessions ended");
      console.log(`New password set for ${person.email}; their sessions ended.`);
    } else if (command === "reset-second-factor") {
      await resetSecondFactor(db, person.id);
      await endSessionsOf(db, person.id);
      await audit("person.reset-second-factor", person, "second factor (authenticator app and passkeys) on -> off");
      console.log(`${person.email}'s second factor (authenticator app and passkeys) is off and their sessions ended. They sign in with their password and set up a new one on the Security page.`);
    } else if (command === "enable") {
      const changed = await setDisabled(db, person.id, false);
      if (!changed.ok) fail(changed.error);
      await audit("person.enable", person, `${changed.before} -> ${changed.after}`);
      console.log(`${person.email} is enabled.`);
    } else {
      fail(USAGE);
    }
  } finally {
    await db.destroy();
  }
}

void main();
