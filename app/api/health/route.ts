import { NextResponse } from "next/server";
import { isPostgres } from "@/lib/db";
import { getDb } from "@/lib/server/db";

export const dynamic = "force-dynamic";

/**
 * Liveness: 200 while the process answers, with no database call, so a database outage never has
 * an orchestrator restart healthy instances (readiness, /api/health/ready, takes them out of the
 * load balancer instead). Stays 200 during a graceful stop, until the process exits. The engine is
 * as this route's layer of the bundle sees the handle made at start (no query): on Postgres it
 * must say so, or row locks (FOR UPDATE, SKIP LOCKED) are silently left out (lib/db/migrations.ts isPostgres).
 */
export function GET() {
  return NextResponse.json({ status: "ok", engine: isPostgres(getDb()) ? "postgres" : "sqlite" }, { headers: { "Cache-Control": "no-store" } });
}
