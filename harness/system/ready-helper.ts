import { spawn, type ChildProcess } from 'node:child_process';
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

/**
 * Starts `cmd` inside a network namespace and waits for its `ready WORD` line. An early exit
 * or silence past `timeoutMs` rejects with the helper's stderr, and the helper is killed.
 */
export async function startReadyHelper(netns: string, cmd: string, args: readonly string[], what: string, timeoutMs = 10_000): Promise<ReadyHelper> {
  const child = spawn('ip', ['netns', 'exec', netns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  try {
    const word = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: not ready within ${timeoutMs} ms: ${err.trim()}`)), timeoutMs);
      lines.once('line', (l) => {
        clearTimeout(timer);
        const m = /^ready (\w+)$/.exec(l);
        if (m) resolve(m[1] as string);
        else reject(new Error(`${what}: unexpected '${l}'`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code}): ${err.trim()}`));
      });
    });
    return { child, word, lines, exited, stderr: () => err };
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    throw e;
  }
}
