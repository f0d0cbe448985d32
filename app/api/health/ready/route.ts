import { NextResponse } from "next/server";
import { databaseIsReachable, pendingMigrations } from "@/lib/db";
import { isStopping } from "@/lib/jobs/stopping";
import { getDb } from "@/lib/server/db";
import { payramReachability } from "@/lib/server/payram";

export const dynamic = "force-dynamic";

/**
 * Readiness, for the load balancer: 200 when this instance should get requests — its database
 * answers, its schema is at the latest migration, and it is not stopping (503 from the SIGTERM on,
 * while liveness stays 200, so it is drained before it exits). PayRam's reachability is reported
 * (checked at most every few seconds) but never fails readiness: with PayRam down the catalog,
 * the merchant area and the status pages still work, and every instance would be down together.
 */
export async function GET() {
  const db = getDb();
  const [database, pending, payram] = await Promise.all([databaseIsReachable(db), pendingMigrations(db).catch(() => null), payramReachability()]);
  const stopping = isStopping();
  const migrations = pending === null ? "unknown" : pending.length === 0 ? "current" : "behind";
  const ready = database && migrations === "current" && !stopping;
  return NextResponse.json(
    {
      status: ready ? "ready" : "not ready",
      database: database ? "ok" : "unreachable",
      migrations,
      stopping,
      payram: payram ? "reachable" : "unreachable",
    },
    { status: ready ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
