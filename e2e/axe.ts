import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** The page as it stands has no serious or critical axe violations. */
export async function expectAccessible(page: Page) {
  // Next.js streams a page's generated metadata after its body: wait for the title to land, or
  // axe may look at a page whose <title> is still on its way.
  await expect(page).toHaveTitle(/\S/);
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${page.url()} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`.slice(0, 300)).join("; ")})`)).toEqual([]);
}
