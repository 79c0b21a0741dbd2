import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { join } from 'node:path';
import { REPO_ROOT } from '../../runner/identity.js';
import type { EndpointHandle } from '../../../topologies/topology.js';

const SINK = join(REPO_ROOT, 'build/bin/dplab-sink');

/** Per-stream receive counters from sink.bpf.c (summed over CPUs). */
export interface SinkStream {
  readonly index: number;
  readonly packets: number;
  readonly bytes: number;
  readonly latSumNs: number;
  readonly latMaxNs: number;
  /** [bucket, count] of the log-linear latency histogram (see latency.ts). */
  readonly hist: readonly (readonly [number, number])[];
}

/** A sink that is attached and counting; `stop()` detaches it. */
export interface StartedSink {
  readonly mode: string;
  reset(): Promise<void>;
  read(): Promise<SinkStream[]>;
  stop(): Promise<void>;
}

/**
 * Attaches dplab-sink to an endpoint (XDP: counts and drops the generator's frames there, so
 * receiving costs the DUT's CPU as little as possible) and talks to it over its stdin/stdout.
 */
export async function startSink(ep: EndpointHandle): Promise<StartedSink> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ep.netns, SINK, ep.ifname], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  lines.on('line', (l) => waiting.shift()?.resolve(l));
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`dplab-sink on ${ep.ifname} exited (${code}): ${stderr.trim()}`));
  });
  const nextLine = (what: string) =>
    new Promise<string>((resolve, reject) => {
      if (child.exitCode !== null) return reject(new Error(`dplab-sink on ${ep.ifname} exited (${child.exitCode}): ${stderr.trim()}`));
      const timer = setTimeout(() => reject(new Error(`dplab-sink on ${ep.ifname}: no answer to ${what} within 10 s`)), 10_000);
      waiting.push({
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  const ready = await nextLine('start-up');
  const m = /^ready (\w+)$/.exec(ready);
  if (!m) throw new Error(`dplab-sink on ${ep.ifname}: unexpected '${ready}'`);
  const ask = async (cmd: string) => {
    const answer = nextLine(cmd);
    child.stdin?.write(`${cmd}\n`);
    return JSON.parse(await answer) as { streams?: SinkStream[]; error?: string };
  };
  return {
    mode: m[1] as string,
    async reset() {
      await ask('reset');
    },
    async read() {
      return (await ask('read')).streams ?? [];
    },
    async stop() {
      if (child.exitCode === null) child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
