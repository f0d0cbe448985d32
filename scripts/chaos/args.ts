import { PROFILE_NAMES, type ProfileName } from "../../emulator/runtime-config";

/** The chaos run's command line. */

export type DatabaseKind = "postgres" | "sqlite";

export interface ChaosOptions {
  orders: number;
  seed: number;
  databases: DatabaseKind[];
  /** Postgres must run: asked for by name (--db postgres) or REQUIRE_POSTGRES=1; else it is skipped, loudly, when unreachable. */
  postgresRequired: boolean;
  /** Where to create the run's database (its own `chaos_<random>` database, dropped at the end). */
  postgresUrl: string;
  /** App instances on Postgres (SQLite always has one). */
  instances: number;
  /** Webhook deliveries allowed pending while settling (more = more concurrency at the app servers). */
  backlog: number;
  /** Whole-run deadline, in seconds: past it, everything is stopped and the run fails. */
  timeoutSeconds: number;
  /** Echo the app servers' output. */
  verbose: boolean;
  /** Leave out the final sweep (to watch the suite catch what only the sweep repairs: expect FAIL). */
  skipSweep: boolean;
  /** The emulator's profile: which reading of PayRam's sources it plays. */
  profile: ProfileName;
  help: boolean;
}

export const DEFAULT_SEED = 20_260_101;
export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export const USAGE = `Usage: npm run chaos -- [options]

Places orders through the real checkout function, settles them into every payment state at the
PayRam emulator while webhooks are dropped, duplicated, reordered and delayed and status calls
fail, against real standalone servers; then sweeps and checks that the shop agrees with PayRam.
One product has less stock than its orders want: checkouts refused as sold out are expected and
counted, and the stock must never be oversold, lost or held by an order that can no longer be paid.

Options:
  --orders <n>        orders per database (default 200)
  --seed <n>          seed of the plan and of the emulator's faults (default ${DEFAULT_SEED})
  --db <which>        postgres, sqlite or both (default both: Postgres with two app instances,
                      then SQLite with one)
  --sqlite            same as --db sqlite
  --postgres          same as --db postgres
  --instances <n>     app instances on Postgres (default 2, at most 4)
  --backlog <n>       webhook deliveries allowed pending while settling; settlement waits
                      above it (default 12; more = more concurrent webhooks)
  --timeout <s>       whole-run deadline in seconds (default 600)
  --verbose           echo the app servers' output
  --profile <name>    the emulator's profile: ${PROFILE_NAMES.join(" or ")} (default docs-2026)
  --skip-sweep        leave out the final sweep: shows the suite catching every payment whose
                      webhooks were all lost (expect FAIL)
  --help              this text

Environment:
  CHAOS_DATABASE_URL, else TEST_DATABASE_URL, else ${DEFAULT_POSTGRES_URL}:
                      the Postgres server where the run creates (and drops) its own database
  REQUIRE_POSTGRES=1  fail, rather than skip, when Postgres does not answer
`;

export class UsageError extends Error {}

function whole(name: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${name} needs a whole number`);
  const number = Number(value);
  if (number < min || number > max) throw new UsageError(`${name} must be between ${min} and ${max}`);
  return number;
}

export function parseArgs(argv: readonly string[], env: Record<string, string | undefined>): ChaosOptions {
  const options: ChaosOptions = {
    orders: 200,
    seed: DEFAULT_SEED,
    databases: ["postgres", "sqlite"],
    postgresRequired: env.REQUIRE_POSTGRES === "1",
    postgresUrl: env.CHAOS_DATABASE_URL || env.TEST_DATABASE_URL || DEFAULT_POSTGRES_URL,
    instances: 2,
    backlog: 12,
    timeoutSeconds: 600,
    verbose: false,
    skipSweep: false,
    profile: "docs-2026",
    help: false,
  };
  const setDb = (which: string | undefined) => {
    if (which === "both") options.databases = ["postgres", "sqlite"];
    else if (which === "postgres" || which === "sqlite") options.databases = [which];
    else throw new UsageError("--db must be postgres, sqlite or both");
    if (which === "postgres") options.postgresRequired = true;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = () => (eq === -1 ? argv[++i] : arg.slice(eq + 1));
    switch (name) {
      case "--orders":
        options.orders = whole("--orders", value(), 1, 5_000);
        break;
      case "--seed":
        options.seed = whole("--seed", value(), 0, 0xffffffff);
        break;
      case "--db":
        setDb(value());
        break;
      case "--sqlite":
        setDb("sqlite");
        break;
      case "--postgres":
        setDb("postgres");
        break;
      case "--instances":
        options.instances = whole("--instances", value(), 1, 4);
        break;
      case "--backlog":
        options.backlog = whole("--backlog", value(), 1, 1_000);
        break;
      case "--timeout":
        options.timeoutSeconds = whole("--timeout", value(), 10, 7_200);
        break;
      case "--verbose":
        options.verbose = true;
        break;
      case "--profile": {
        const profile = value();
        if (!PROFILE_NAMES.includes(profile as ProfileName)) throw new UsageError(`--profile must be ${PROFILE_NAMES.join(" or ")}`);
        options.profile = profile as ProfileName;
        break;
      }
      case "--skip-sweep":
        options.skipSweep = true;
        break;
      case "--help":
      case "-h":
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return options;
}
