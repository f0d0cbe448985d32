/**
 * The layer order, stated once and checked by `npm run lint` (dependency-cruiser). Layers run one
 * way, bottom up; a module may import its own layer and any layer below it, never one above:
 *
 *   rules -> base -> db, payram -> security -> domains -> views -> jobs -> server -> actions -> browser -> app
 *
 * (README, "Layout", draws the tree.) Tests, scripts, bench, e2e and the emulator are entries that
 * stand above all of it and are not checked here.
 */

/** Lowest first. Each entry: a name and the paths (regular expressions from the repository root) it holds. */
const LAYERS = [
  // Pure and browser-safe: states, money, the ledger, refund life, what a form accepts. No I/O.
  ["rules", "^lib/rules/"],
  // Leaves every server module may use: the validated environment, the logger, process-wide values.
  // The shopper's messages (lib/i18n): every locale's strings and a translator for mails.
  ["base", "^lib/((config|log|process-wide|concurrency|metrics|tracing)\\.ts$|i18n/)"],
  // Storage (Kysely, schema, migrations, the change notice) and the PayRam adapter (its wire ends there).
  ["storage and adapter", "^lib/(db|payram)/"],
  // Rate limits, caps and client identity (they keep their counters in the database).
  ["security", "^lib/security/"],
  // The commands of each domain.
  ["domains", "^lib/(checkout|payments|webhooks|refunds|orders|catalog|cart|notify|auth)/"],
  // Read models for pages, and the live status that pushes them.
  ["views", "^lib/(views|live)/"],
  // Schedules and start-up: the sweep, the mail sender loop, retention.
  ["jobs", "^lib/jobs/"],
  // The one composition root: getDb, getPayram, every *Deps, the merchant's cookie session.
  ["server", "^lib/server/"],
  // Server actions, each through guard.
  ["actions", "^lib/actions/"],
  // What runs in the browser too: components and the browser's hooks.
  ["browser", "^(components|lib/swr)/"],
  // Routes, and Next's entry files.
  ["app", "^(app/|proxy\\.ts$|instrumentation\\.ts$)"],
];

/** Code that runs in the browser too: shared components, a route's own components beside it, the browser's hooks. */
const BROWSER = "^(components|lib/swr)/|^app/_components/|^app/.*/_components/";

const upward = LAYERS.flatMap(([name, path], index) => {
  const higher = LAYERS.slice(index + 1);
  if (higher.length === 0) return [];
  return [
    {
      name: `layer-order: ${name}`,
      comment: `${name} may not import a higher layer (${higher.map(([higherName]) => higherName).join(", ")})`,
      severity: "error",
      from: { path },
      to: { path: higher.map(([, higherPath]) => `(${higherPath})`).join("|") },
    },
  ];
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no import cycles anywhere (type-only imports included)",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: "storage-and-adapter-apart",
      comment: "the database and the PayRam adapter do not know each other",
      severity: "error",
      from: { path: "^lib/(db|payram)/" },
      to: { path: "^lib/(db|payram)/", pathNot: "^lib/$1/" },
    },
    {
      name: "rules-do-no-io",
      comment: "rules/ is pure: no Node built-ins (no files, network, crypto or clocks from the platform)",
      severity: "error",
      from: { path: "^lib/rules/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "browser-never-reaches-the-server",
      comment: "components (components/ and a route's own app/**/_components/) and lib/swr never import db/, payram/, server/, jobs/, auth/, security/ or the server's leaves, not even for a type",
      severity: "error",
      from: { path: BROWSER },
      to: { path: "^lib/(db|payram|server|jobs|auth|security)/|^lib/(config|log|process-wide|concurrency|metrics|tracing)\\.ts$" },
    },
    {
      name: "browser-code-from-rules-and-actions",
      comment: "components (components/ and a route's own app/**/_components/) and lib/swr take code only from rules/ and actions/ (types of what a view returns may be named)",
      severity: "error",
      from: { path: BROWSER },
      to: {
        path: "^lib/",
        pathNot: "^lib/(rules|actions|swr)/",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "pages-read-through-views-and-server",
      comment:
        "pages, layouts and the rest of a route's UI never hold a database handle: they read through lib/server/reads.ts (views/ read models and domain reads wired to getDb). Route handlers (route.ts) are HTTP entries and may take getDb from the composition root",
      severity: "error",
      from: { path: "^app/", pathNot: "/route\\.ts$" },
      to: { path: "^lib/db/|^lib/server/db\\.ts$" },
    },
    {
      name: "components-not-app",
      comment: "components get their data as props: they never import a route",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^app/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.tsx?$|^test/|^e2e/|^node_modules/|^\\.next/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs"],
    },
    skipAnalysisNotInRules: true,
    cache: false,
  },
};
