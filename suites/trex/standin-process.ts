import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../harness/traffic/trex/standin/main.js', import.meta.url));

/** The TRex stand-in as a host process (recorded replies, modelled ports, no packets), for attach-mode tests. */
export interface StandinProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** What it logged so far (every RPC method, link changes it saw). */
  log(): string;
  /** Resolves when the stand-in has logged a line matching `re` (e.g. an RPC method). */
  seen(re: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `args`: the stand-in's own flags (see standin/main.ts: --max-pps, --link-lag-ms, --link-watch ...). */
export async function startStandin(dir: string, port: number, o: { silent?: boolean; args?: readonly string[] } = {}): Promise<StandinProcess> {
  const cfg = join(dir, `trex_cfg-${port}.yaml`);
  writeFileSync(cfg, `- version: 2\n  interfaces: [a, b]\n  zmq_rpc_port: ${port}\n`);
  const child = spawn(process.execPath, [MAIN, '-i', '--cfg', cfg, ...(o.silent ? ['--silent'] : []), ...(o.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (b: Buffer) => {
    log += b.toString();
    for (const w of waiters.filter((x) => x.re.test(log))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const seen = (re: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      if (re.test(log)) return resolve();
      const timer = setTimeout(() => reject(new Error(`stand-in: no ${re} in ${timeoutMs} ms; log:\n${log}`)), timeoutMs);
      waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
    });
  await seen(/RPC on tcp/, 10_000);
  return {
    port,
    child,
    log: () => log,
    seen,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
