import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';

/** A helper program that has announced itself with `ready WORD` on stdout. */
export interface ReadyHelper {
  readonly child: ChildProcess;
  /** The word after `ready` (e.g. the XDP mode the helper obtained). */
  readonly word: string;
  /** stdout lines after the ready line. */
  readonly lines: Interface;
  readonly exited: Promise<void>;
  /** What the helper wrote to stderr so far. */
  stderr(): string;
}

export interface ReadyHelperOptions {
  /** How long the helper may take to announce itself; default 10 s. */
  readonly timeoutMs?: number;
  /** Also write its stderr to this file (a daemon's log in the run folder). */
  readonly stderrLog?: string;
}

/**
 * Starts `cmd` inside a network namespace and waits for its `ready WORD` line on stdout: the one
 * readiness idiom of dplab's helper programs. An early exit or silence past the timeout rejects
 * with the helper's last stderr line, and the helper is killed.
 */
export async function startReadyHelper(netns: string, cmd: string, args: readonly string[], what: string, o: ReadyHelperOptions = {}): Promise<ReadyHelper> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const child = spawn('ip', ['netns', 'exec', netns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  if (o.stderrLog) child.stderr?.pipe(createWriteStream(o.stderrLog));
  const lastLine = () => err.trim().split('\n').at(-1) ?? '';
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  try {
    const word = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: not ready within ${timeoutMs} ms: ${lastLine()}`)), timeoutMs);
      lines.once('line', (l) => {
        clearTimeout(timer);
        const m = /^ready (\w+)$/.exec(l);
        if (m) resolve(m[1] as string);
        else reject(new Error(`${what}: unexpected '${l}'`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code}): ${lastLine()}`));
      });
    });
    return { child, word, lines, exited, stderr: () => err };
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    throw e;
  }
}
