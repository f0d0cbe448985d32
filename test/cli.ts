import { execFile } from "node:child_process";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A clean environment: only what a merchant's shell would pass, plus the given variables.
 * JSON logs are off, so that a test reads the command's own output.
 */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", NODE_ENV: "development", LOG_LEVEL: "silent" };
  return Object.assign(result, env);
}

/** Runs `npm run db:migrate`'s program in a child process with the given environment. */
export function runMigrate(env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", "scripts/migrate.ts"],
      { env: cleanEnv(env), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
