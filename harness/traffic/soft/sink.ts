import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseJson } from '../../text/json-schema.js';
import { REPO_ROOT } from '../../system/identity.js';
import { startReadyHelper } from '../../system/ready-helper.js';
import type { EndpointHandle } from '../../../topologies/topology.js';

const SINK = join(REPO_ROOT, 'build/bin/dplab-sink');

/** Per-stream receive counters from sink.bpf.c (summed over CPUs). */
const SinkStreamSchema = z.strictObject({
  index: z.number().int(),
  packets: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  latSumNs: z.number().nonnegative(),
  latMaxNs: z.number().nonnegative(),
  /** [bucket, count] of the log-linear latency histogram (see latency.ts). */
  hist: z.array(z.tuple([z.number().int(), z.number().int()])),
});
export type SinkStream = z.infer<typeof SinkStreamSchema>;
/** The sink's answer to a command, one JSON line. */
const SinkAnswerSchema = z.strictObject({ streams: z.array(SinkStreamSchema).optional(), error: z.string().optional(), ok: z.boolean().optional() });

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
  const h = await startReadyHelper(ep.netns, SINK, [ep.ifname], `dplab-sink on ${ep.ifname}`);
  const { child, exited } = h;
  const gone = (code: number | null) => new Error(`dplab-sink on ${ep.ifname} exited (${code}): ${h.stderr().trim()}`);
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  h.lines.on('line', (l) => waiting.shift()?.resolve(l));
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(gone(code));
  });
  const nextLine = (what: string) =>
    new Promise<string>((resolve, reject) => {
      if (child.exitCode !== null) return reject(gone(child.exitCode));
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
  const ask = async (cmd: string) => {
    const answer = nextLine(cmd);
    child.stdin?.write(`${cmd}\n`);
    return parseJson(SinkAnswerSchema, await answer, `dplab-sink on ${ep.ifname}: answer to ${cmd}`);
  };
  return {
    mode: h.word,
    async reset() {
      await ask('reset');
    },
    async read() {
      return (await ask('read')).streams ?? [];
    },
    async stop() {
      if (child.exitCode === null) child.stdin?.end();
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
