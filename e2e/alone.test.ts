import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ALONE } from "./alone";

it("every end-to-end spec that changes the emulator's shared config runs alone", () => {
  const dir = join(import.meta.dirname);
  const changesConfig = readdirSync(dir)
    .filter((name) => name.endsWith(".spec.ts"))
    .filter((name) => /["'`]\/config["'`],\s*["']PUT["']|withEmulatorProfile\(|control\("\/config"/.test(readFileSync(join(dir, name), "utf8")));
  expect(changesConfig.length).toBeGreaterThan(0);
  const together = changesConfig.filter((name) => !ALONE.test(`/${name}`));
  expect(together, "add these to ALONE in e2e/alone.ts").toEqual([]);
});
