import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { expect, it } from "vitest";

// A house rule: PayRam's webhook headers are named in lib/payram only. The emulator (its own
// reading of the contract), tests, e2e, bench and the chaos script speak PayRam's wire themselves.
const ROOT = join(import.meta.dirname, "..", "..");
const SKIPPED = ["node_modules", "lib/payram", "emulator", "e2e", "test", "bench", "scripts/chaos", "data", "test-results", "playwright-report"];
const WIRE = /x-payram-signature|api-key|x-webhook-test/i;

function productionSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const rel = relative(ROOT, path).split(sep).join("/");
    if (entry.name.startsWith(".") || SKIPPED.some((skip) => rel === skip || rel.startsWith(`${skip}/`) || rel.startsWith(`${skip}.`))) return [];
    if (entry.isDirectory()) return productionSources(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [rel] : [];
  });
}

it("names PayRam's webhook headers nowhere outside lib/payram", () => {
  const files = productionSources(ROOT);
  expect(files).toContain("lib/webhooks/webhook.ts");
  expect(files).toContain("app/api/webhook/route.ts");
  expect(files.filter((file) => WIRE.test(readFileSync(join(ROOT, file), "utf8")))).toEqual([]);
});
