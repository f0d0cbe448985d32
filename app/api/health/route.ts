import { NextResponse } from "next/server";
import { databaseIsReachable, isPostgres } from "@/lib/db";
import { getDb } from "@/lib/server/db";

export const dynamic = "force-dynamic";

/**
 * Liveness for load balancers and the test suite: 200 when the database answers, else 503. The
 * engine is as this route's layer of the bundle sees the handle made at start: on Postgres it must
 * say so, or row locks (FOR UPDATE, SKIP LOCKED) are silently left out (lib/db/migrations.ts isPostgres).
 */
export async function GET() {
  const db = getDb();
  const database = await databaseIsReachable(db);
  return NextResponse.json(
    { status: database ? "ok" : "unavailable", database: database ? "ok" : "unreachable", engine: isPostgres(db) ? "postgres" : "sqlite" },
    { status: database ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
