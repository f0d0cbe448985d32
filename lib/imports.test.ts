import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect, it } from "vitest";

/**
 * House rules on who imports whom, read from the source: components get their data as props and
 * their actions from lib/actions (so app/ and components/ never import each other), and the
 * browser's hooks in lib/swr never pull in the database layer, not even for a type.
 */
const ROOT = resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.(ts|tsx|mts)$/.test(file) && !/\.test\.tsx?$/.test(file))
    .map((file) => join(dir, file));
}

/** Every module a file imports (static, type-only, re-exports and dynamic), as a path from the root. */
function importsOf(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => {
    if (specifier.startsWith("@/")) return specifier.slice(2);
    if (specifier.startsWith(".")) return relative(ROOT, resolve(ROOT, dirname(file), specifier));
    return specifier;
  });
}

function violations(dirs: string[], forbidden: string[]): string[] {
  return dirs.flatMap(sourceFiles).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.some((dir) => target === dir || target.startsWith(`${dir}/`)))
      .map((target) => `${file} imports ${target}`),
  );
}

it("the scan finds imports by alias and by relative path", () => {
  expect(importsOf("lib/actions/cart.ts")).toContain("lib/cart/cookie");
  expect(importsOf("components/add-to-cart-form.tsx")).toContain("lib/actions/cart");
});

it("nothing under components/ imports app/ or lib/db", () => {
  expect(violations(["components"], ["app", "lib/db"])).toEqual([]);
});

it("lib/swr (browser code) imports nothing from lib/db", () => {
  expect(violations(["lib/swr"], ["lib/db"])).toEqual([]);
});
