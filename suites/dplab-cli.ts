import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../harness/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `dplab` CLI to completion, as a user would. */
export function dplab(args: readonly string[], o: { env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: o.timeoutMs ?? 1_200_000, env: { ...process.env, ...o.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the built `dplab` CLI in the background; `done` resolves with its outcome and when it ended. */
export function dplabAsync(args: readonly string[]): {
  done: Promise<CliResult & { endedAt: number }>;
  stderrSoFar(): string;
  kill(signal: NodeJS.Signals): void;
} {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<CliResult & { endedAt: number }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, endedAt: Date.now() })));
  return { done, stderrSoFar: () => stderr, kill: (signal) => void child.kill(signal) };
}
