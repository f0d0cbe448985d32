/**
 * Who may do what in the merchant area: the one table (issue 30). Every page, server action and
 * route asks `can(role, permission)` on the server (lib/server/auth.ts, lib/actions/guard.ts);
 * proxy.ts only turns away visitors without a signed cookie. README's "Roles" shows this table;
 * lib/actions/roles.test.ts walks it whole against the real actions and routes.
 *
 * Money actions (`STEP_UP`) also need a second factor entered within the last five minutes.
 */
export const ROLES = ["owner", "manager", "staff"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  /** One's own account: password, second factor, sessions. */
  "account.own": ["owner", "manager", "staff"],
  /** See orders, their history and the CSV export; "sync now" (reads PayRam, changes nothing by itself). */
  "orders.read": ["owner", "manager", "staff"],
  /** Mark lines shipped; downloads follow payment. */
  "orders.ship": ["owner", "manager", "staff"],
  /** Cancel an order (a paid one is a money action), release an unpaid order's stock. */
  "orders.cancel": ["owner", "manager"],
  /** Resolve what needs attention. */
  "attention.resolve": ["owner", "manager"],
  /** Ask for a refund: staff's request waits for an owner's or manager's approval before PayRam is asked. */
  "refunds.request": ["owner", "manager", "staff"],
  /** Send a refund, approve or decline a request, ask PayRam again, end a stuck refund. */
  "refunds.send": ["owner", "manager"],
  /** Create, edit, archive and delete products; upload their files. */
  "catalog.edit": ["owner", "manager", "staff"],
  /** Read the audit log and export it. */
  "audit.read": ["owner", "manager"],
  /** Invite people, change roles, disable people, end anyone's sessions. */
  "people.manage": ["owner"],
  /** The shop's security settings: require a second factor for everyone. */
  "security.manage": ["owner"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** How long a second factor counts for money actions (step-up). */
export const STEP_UP_WINDOW_MS = 5 * 60_000;

/** The money actions: each needs a second factor entered within STEP_UP_WINDOW_MS. */
export const STEP_UP = ["send or approve a refund", "cancel a paid order", "change a person's role"] as const;

/** True when a second factor entered at `at` (ms; null: none this session) still covers a money action at `now`. */
export function stepUpFresh(at: number | null, now: number): boolean {
  return at !== null && now - at < STEP_UP_WINDOW_MS && at <= now;
}

/**
 * The second factors a person has set up: an authenticator app (TOTP, with recovery codes) and
 * passkeys. Either one counts wherever a second factor is asked for: the sign-in's second step,
 * step-up, and the owner's rule that everyone has one.
 */
export interface SecondFactorMethods {
  app: boolean;
  passkey: boolean;
}

export function hasSecondFactor(methods: SecondFactorMethods): boolean {
  return methods.app || methods.passkey;
}

export const ROLE_LABELS: Record<Role, string> = { owner: "Owner", manager: "Manager", staff: "Staff" };

/** The audit log's outcomes. */
export const AUDIT_OUTCOMES = ["done", "refused", "needs_approval"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
