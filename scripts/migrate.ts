/** `npm run db:migrate`: validate the configuration and bring the database schema up to date. */
import { prepare } from "../lib/jobs/startup";

async function main() {
  const { config, db } = await prepare();
  const where = config.database.kind === "postgres" ? "Postgres" : `SQLite file ${config.database.path}`;
  console.log(`Database is up to date (${where}).`);
  await db.destroy();
}

void main();
