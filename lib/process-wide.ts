/**
 * One value for the whole server process. Next.js bundles a module once per layer
 * (instrumentation, route handlers, pages and actions), each copy with its own module state, so
 * a module-level singleton would exist several times; this one lives on globalThis.
 */
export function processWide<T>(name: string, create: () => T): T {
  const shared = globalThis as Record<symbol, unknown>;
  const key = Symbol.for(`payram-storefront.${name}`);
  if (!(key in shared)) shared[key] = create();
  return shared[key] as T;
}
