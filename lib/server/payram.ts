import "server-only";
import { loadConfig } from "../config";
import { createPayramClient, type PayramClient } from "../payram/client";

let instance: PayramClient | undefined;

/** The app's PayRam client, built from the validated configuration. */
export function getPayram(): PayramClient {
  if (!instance) {
    const { payram } = loadConfig();
    instance = createPayramClient({ baseUrl: payram.baseUrl, apiKey: payram.apiKey, timeoutMs: payram.timeoutMs });
  }
  return instance;
}
