import type { Page } from "@playwright/test";
import { PROFILES } from "../emulator/profiles";
import type { ProfileName } from "../emulator/runtime-config";
import { emulatorControl } from "./shop";

/**
 * Runs `body` with the e2e emulator playing another reading of PayRam. The emulator starts once
 * per run under docs-2026, and a profile is only a bundle of runtime settings: so they are laid
 * over its config through the control API (PUT /__emulator/config), and the config it had is put
 * back afterwards, whatever happens — its payments, and so the other specs', are left alone.
 * `tweaks` refine the profile (e.g. a shorter confirmation window through `timeScale`).
 */
export async function withEmulatorProfile<T>(page: Page, profile: ProfileName, tweaks: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
  const before: unknown = await emulatorControl(page, "/config", "GET");
  await emulatorControl(page, "/config", "PUT", PROFILES[profile]);
  try {
    await emulatorControl(page, "/config", "PUT", tweaks);
    return await body();
  } finally {
    await emulatorControl(page, "/config", "PUT", before);
  }
}
