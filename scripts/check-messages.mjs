// `npm run lint`: every locale has exactly the keys English has (none missing, none extra), with the
// same {arguments} and <tags>, and every key is used somewhere in the code (issue 31).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const read = (file) => JSON.parse(readFileSync(join(root, "messages", file), "utf8"));
const flatten = (tree, prefix = "") =>
  Object.entries(tree).flatMap(([key, value]) => (typeof value === "object" ? flatten(value, `${prefix}${key}.`) : [[`${prefix}${key}`, value]]));

const english = new Map(flatten(read("en.json")));
const problems = [];
const argumentsOf = (text) => (/plural|select/.test(text) ? null : new Set([...text.matchAll(/\{(\w+)\}|<(\w+)>/g)].map((m) => m[1] ?? `<${m[2]}>`)));

for (const file of readdirSync(join(root, "messages")).filter((name) => name.endsWith(".json") && name !== "en.json")) {
  const messages = new Map(flatten(read(file)));
  for (const [key, text] of english) {
    if (!messages.has(key)) problems.push(`${file}: missing ${key}`);
    else if (typeof messages.get(key) !== "string" || messages.get(key).trim() === "") problems.push(`${file}: ${key} is empty`);
    else {
      const want = argumentsOf(text);
      const got = argumentsOf(messages.get(key));
      if (want && got && [...want].sort().join() !== [...got].sort().join()) problems.push(`${file}: ${key} has ${[...got].join(", ") || "no arguments"}, English has ${[...want].join(", ")}`);
    }
  }
  for (const key of messages.keys()) if (!english.has(key)) problems.push(`${file}: ${key} is not in en.json`);
}

// Used: the key's last part appears quoted in the code, and so does its namespace.
const sources = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(ts|tsx)$/.test(name) && !/\.test\.ts$/.test(name)) sources.push(readFileSync(path, "utf8"));
  }
};
for (const dir of ["app", "components", "lib", "i18n"]) walk(join(root, dir));
const code = sources.join("\n");
for (const key of english.keys()) {
  const parts = key.split(".");
  const quoted = (word) => code.includes(`"${word}"`) || code.includes(`'${word}'`);
  if (!quoted(parts[0]) || !quoted(parts.at(-1))) problems.push(`en.json: ${key} is not used in the code`);
}

if (problems.length > 0) {
  console.error(`messages/: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`messages/: ${english.size} keys in every locale, all used`);
