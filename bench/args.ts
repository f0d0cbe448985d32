import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFAULT_POSTGRES_URL } from "../scripts/chaos/args";

/** `npm run bench` command line, checked with zod. */

export const SECTIONS = ["webhook", "polling", "checkout", "weight", "paid", "streams", "storm"] as const;
export type Section = (typeof SECTIONS)[number];
export type DatabaseKind = "sqlite" | "postgres";


export const USAGE = `Usage: npm run bench -- [options]

Measures the shop against production servers (the standalone Next.js server, as shipped) and prints each figure next to its
reference, on SQLite and on Postgres: webhook ingest (the standalone server vs a bare node:http handler),
status polling (1,000 pollers on 100 orders), checkout overhead (startCheckout minus PayRam's
own create time), page weight (first-load JS vs a blank Next app), time to "Paid" on screen by
push (webhook to one instance, page on another on Postgres), 2,000 live status streams on one
instance (memory, fan-out when 100 orders are paid at once) and a confirmation storm (100
confirming payments, one signed delivery per second each).

Options:
  --quick             short runs (polling and the storm 5–10 s instead of 30 s, fewer requests and
                      samples); results go to bench/results/<date>-<commit>-quick.json, RESULTS.md
                      is left alone
                      (a run of some sections or one database also leaves RESULTS.md alone: its
                      JSON is named after them, e.g. <date>-<commit>-storm.json)
  --db <which>        sqlite, postgres or both (default both)
  --only <sections>   comma-separated: ${SECTIONS.join(", ")} (default all)
  --profile           also profile both servers (the standalone server and the bare webhook handler) with
                      V8's sampling profiler and print where their CPU time goes (the
                      .cpuprofile files stay in bench/results/profiles/, for Chrome DevTools)
  --no-save           print only: write no JSON and leave RESULTS.md alone
  --verbose           echo the servers' output
  --help              this text

Environment:
  BENCH_DATABASE_URL, else TEST_DATABASE_URL, else ${DEFAULT_POSTGRES_URL}:
                      the Postgres server where each run creates (and drops) its own database
  REQUIRE_POSTGRES=1  fail, rather than skip, when Postgres does not answer
  CHROMIUM_PATH       the browser (default /usr/bin/chromium; empty: Playwright's own)
`;

export class UsageError extends Error {}

const optionsSchema = z.strictObject({
  quick: z.boolean(),
  databases: z.array(z.enum(["sqlite", "postgres"])).min(1),
  sections: z.array(z.enum(SECTIONS)).min(1),
  profile: z.boolean(),
  save: z.boolean(),
  verbose: z.boolean(),
  help: z.boolean(),
  postgresUrl: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  postgresRequired: z.boolean(),
});

export type BenchOptions = z.infer<typeof optionsSchema>;

const DATABASE_CHOICES: Record<string, DatabaseKind[]> = { both: ["sqlite", "postgres"], sqlite: ["sqlite"], postgres: ["postgres"] };

export function parseBenchArgs(argv: readonly string[], env: Record<string, string | undefined>): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: "boolean", default: false },
        db: { type: "string", default: "both" },
        only: { type: "string", default: SECTIONS.join(",") },
        profile: { type: "boolean", default: false },
        "no-save": { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const databases = DATABASE_CHOICES[values.db];
  if (!databases) throw new UsageError("--db must be sqlite, postgres or both");
  const parsed = optionsSchema.safeParse({
    quick: values.quick,
    databases,
    sections: values.only.split(",").map((part) => part.trim()).filter(Boolean),
    profile: values.profile,
    save: !values["no-save"],
    verbose: values.verbose,
    help: values.help,
    postgresUrl: env.BENCH_DATABASE_URL || env.TEST_DATABASE_URL || DEFAULT_POSTGRES_URL,
    postgresRequired: env.REQUIRE_POSTGRES === "1" || values.db === "postgres",
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = { sections: "--only", databases: "--db", postgresUrl: "BENCH_DATABASE_URL" }[String(issue.path[0])] ?? String(issue.path[0]);
    throw new UsageError(`${name}: ${issue.message}`);
  }
  return parsed.data;
}

/** How much each section does: the default run, or --quick. */
export interface BenchPlan {
  webhook: { requests: number; warmupRequests: number; concurrencies: number[]; changeEvery: number; syncedOrders: number };
  polling: { seconds: number; referenceSeconds: number; pollers: number; orders: number };
  checkout: { sequential: number; concurrent: number; concurrency: number };
  paid: { runs: number };
  streams: { orders: number; perOrder: number; changed: number; holdSeconds: number };
  storm: { payments: number; perPaymentPerSecond: number; warmupSeconds: number; seconds: number; confirmationEveryMs: number };
}

export function planFor(quick: boolean): BenchPlan {
  return {
    webhook: {
      requests: quick ? 500 : 2_000,
      warmupRequests: quick ? 200 : 500,
      concurrencies: [10, 50],
      /** One delivery in ten carries a real change; the rest are duplicates of synced payments. */
      changeEvery: 10,
      syncedOrders: quick ? 50 : 200,
    },
    polling: { seconds: quick ? 5 : 30, referenceSeconds: quick ? 3 : 10, pollers: 1_000, orders: 100 },
    checkout: { sequential: quick ? 40 : 200, concurrent: quick ? 40 : 120, concurrency: 8 },
    paid: { runs: quick ? 10 : 100 },
    /** 400 orders × 5 tabs = 2,000 streams, the bound of one instance (lib/live/stream.ts); 100 orders paid at once. */
    streams: { orders: quick ? 200 : 400, perOrder: 5, changed: quick ? 20 : 100, holdSeconds: quick ? 5 : 10 },
    /** PayRam during confirmations (contract §8): a delivery per payment every second here, confirmations rising every ~3 s. */
    storm: { payments: 100, perPaymentPerSecond: 1, warmupSeconds: quick ? 5 : 10, seconds: quick ? 10 : 30, confirmationEveryMs: 3_000 },
  };
}
