import { NextResponse } from "next/server";
import { databaseIsReachable } from "@/lib/db";
import { getDb } from "@/lib/db/server";

export const dynamic = "force-dynamic";

/** Liveness for load balancers and the test suite: 200 when the database answers, else 503. */
export async function GET() {
  const database = await databaseIsReachable(getDb());
  return NextResponse.json(
    { status: database ? "ok" : "unavailable", database: database ? "ok" : "unreachable" },
    { status: database ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
