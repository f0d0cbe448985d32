import { startEmulator } from "./server";
import { helpText, parseCli } from "./settings";

/** `npm run emulator` — runs the PayRam emulator until Ctrl+C. */
async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`payram-emulator: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  if (cli.kind === "help") {
    process.stdout.write(helpText());
    return;
  }
  const emulator = await startEmulator(cli.options);
  const config = emulator.config();
  // Deliberately no API key in this banner: it must never reach a log.
  console.log(`PayRam emulator listening on ${emulator.url}`);
  console.log(`  hosted pages and API origin: ${emulator.publicUrl}`);
  console.log(`  webhooks → ${config.webhooks.urls.join(", ") || "(none)"} (${config.webhooks.method})`);
  console.log(`  profile: ${config.profile} (GET ${emulator.url}/__emulator/config shows every setting)`);
  console.log(`  control routes: ${emulator.url}/__emulator`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`payram-emulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
