import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssertionError } from 'chai';
import { CaseSkipped, type CaseContext } from '../../harness/conformance/case.js';
import { PKTIO } from '../../harness/traffic/conformance-io.js';

/**
 * A bounded, paced train of frames from one endpoint, for the rate cases (meters, policing,
 * shaping): the frames go to dplab-pktio's injector in small timed chunks, so that the wire sees
 * them at about `pps` (on schedule: each tick sends what is due since the start, so timer jitter
 * never adds up), while captures on the listening endpoints record every arrival and its time.
 */
export interface PacedTrain {
  readonly from: string;
  readonly frames: readonly Buffer[];
  /** Offered rate, frames per second. */
  readonly pps: number;
  readonly listen: readonly string[];
  /** How long to keep listening after the last frame left (ms): a shaper's queue drains in it. */
  readonly drainMs?: number;
}

export interface TrainResult {
  /** Frames received per endpoint, in order. */
  readonly got: ReadonlyMap<string, Buffer[]>;
  /** Arrival times (ms since the first frame was handed to the injector) per endpoint. */
  readonly arrivals: ReadonlyMap<string, number[]>;
  /** Time from the first frame handed to the injector to the last one handed (ms): the sender's pace. */
  readonly sendMs: number;
  /** Time from the first frame handed to the injector to the injector's exit (ms): every frame is on the wire by then. */
  readonly injectedMs: number;
  /** The rate really offered: frames / sendMs (per second). */
  readonly offeredPps: number;
}

/** The longest gap between consecutive arrivals at an endpoint (ms): how smooth the train was. */
export function longestGap(r: TrainResult, ep: string): number {
  const at = r.arrivals.get(ep) ?? [];
  let gap = 0;
  for (let i = 1; i < at.length; i++) gap = Math.max(gap, (at[i] as number) - (at[i - 1] as number));
  return gap;
}

const TICK_MS = 5;

function capture(netns: string, ifname: string, maxMs: number, t0: () => number) {
  const child = spawn('ip', ['netns', 'exec', netns, PKTIO, 'capture', '--if', ifname, '--max-ms', String(maxMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const frames: Buffer[] = [];
  const times: number[] = [];
  let buf = '';
  let stderr = '';
  let ready!: () => void;
  let failed!: (e: Error) => void;
  const isReady = new Promise<void>((res, rej) => ((ready = res), (failed = rej)));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.on('data', (b: Buffer) => {
    buf += b.toString();
    const now = t0();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === 'ready') ready();
      else if (line) {
        frames.push(Buffer.from(line, 'hex'));
        times.push(now);
      }
    }
  });
  const exited = new Promise<void>((res) =>
    child.on('close', (code) => {
      failed(new Error(`capture on ${ifname} exited (${code}) before it was ready: ${stderr.trim()}`));
      res();
    }),
  );
  return { child, frames, times, isReady, exited };
}

async function waitExit(child: ChildProcess, what: string, ms: number): Promise<void> {
  if (child.exitCode !== null) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((res) => child.once('close', () => res())),
    new Promise<void>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} did not finish within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Sends the train and returns what arrived where, and when. Bounded: the frames' schedule plus a few seconds. */
export async function pacedTrain(t: CaseContext, o: PacedTrain): Promise<TrainResult> {
  const sender = t.topology.endpoint(o.from);
  const scheduleMs = (o.frames.length / o.pps) * 1000;
  const drainMs = o.drainMs ?? 300;
  let start = 0;
  const since = () => (start ? performance.now() - start : 0);
  const caps = o.listen.map((name) => {
    const ep = t.topology.endpoint(name);
    return { name, ...capture(ep.netns, ep.ifname, Math.ceil(Math.min(scheduleMs, 60_000) * 3 + drainMs + 10_000), since) };
  });
  try {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(caps.map((c) => c.isReady)),
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('captures not ready within 5 s')), 5000))),
    ]).finally(() => clearTimeout(timer));
    const inject = spawn('ip', ['netns', 'exec', sender.netns, PKTIO, 'inject', '--if', sender.ifname], { stdio: ['pipe', 'ignore', 'pipe'] });
    let injectErr = '';
    inject.stderr.on('data', (b: Buffer) => (injectErr += b.toString()));
    const lines = o.frames.map((f) => `${f.toString('hex')}\n`);
    start = performance.now();
    let sent = 0;
    let lastHanded = 0;
    while (sent < lines.length) {
      const due = Math.min(lines.length, Math.floor((since() / 1000) * o.pps) + 1);
      if (due > sent) {
        inject.stdin.write(lines.slice(sent, due).join(''));
        sent = due;
        lastHanded = since();
      }
      if (sent < lines.length) await sleep(TICK_MS);
    }
    inject.stdin.end();
    await waitExit(inject, 'the injector', scheduleMs + 10_000);
    if (inject.exitCode !== 0) throw new Error(`dplab-pktio inject exited ${inject.exitCode}: ${injectErr.trim()}`);
    const injectedMs = since();
    await sleep(drainMs);
    const sendMs = lastHanded;
    return {
      got: new Map(caps.map((c) => [c.name, c.frames])),
      arrivals: new Map(caps.map((c) => [c.name, c.times])),
      sendMs,
      injectedMs,
      offeredPps: sendMs > 0 ? (o.frames.length - 1) / (sendMs / 1000) : Infinity,
    };
  } finally {
    for (const c of caps) if (c.child.exitCode === null) c.child.kill('SIGTERM');
    await Promise.all(caps.map((c) => c.exited));
  }
}

/** The sequence number a rate case writes into the first 4 payload bytes of each frame (UDP payload at 42). */
export const SEQ_AT = 42;

/**
 * Checks that what arrived is an in-order subsequence of what was sent, byte for byte (a rate
 * limiter drops frames, it never alters or reorders them), and returns how many arrived.
 */
export function expectSubsequence(sent: readonly Buffer[], got: readonly Buffer[], where: string): number {
  let next = 0;
  for (const [i, f] of got.entries()) {
    const seq = f.length >= SEQ_AT + 4 ? f.readUInt32BE(SEQ_AT) : -1;
    const want = sent[seq];
    if (seq < next || !want || !want.equals(f)) {
      throw new AssertionError(`${where}: arrival ${i} is not sent frame ${seq} unchanged and in order (after frame ${next - 1}): ${f.toString('hex')}`);
    }
    next = seq + 1;
  }
  return got.length;
}

/**
 * The count a token-bucket limiter (rate `perSecond` units, bucket `burst` units, starting full)
 * lets through from a train, with `tolerance` (a fraction) either side: at least
 * (1 - tolerance) x rate x the sender's pace, at most (1 + tolerance) x (rate x the time until the
 * injector had sent all + the bucket). A limiter that starts with an empty bucket lands in the
 * window too; one that does not limit, or limits at a tenth or ten times the rate, does not.
 */
export function expectLimited(o: {
  readonly passed: number;
  readonly perSecond: number;
  readonly burst: number;
  readonly train: TrainResult;
  readonly tolerance: number;
  readonly what: string;
}): void {
  const lo = Math.floor((1 - o.tolerance) * o.perSecond * (o.train.sendMs / 1000));
  const hi = Math.ceil((1 + o.tolerance) * (o.perSecond * (o.train.injectedMs / 1000) + o.burst));
  if (o.passed < lo || o.passed > hi) {
    throw new AssertionError(
      `${o.what}: ${o.passed} passed, expected ${lo}..${hi} (rate ${o.perSecond}/s over ${o.train.sendMs.toFixed(0)}..${o.train.injectedMs.toFixed(0)} ms, bucket ${o.burst}, ±${o.tolerance * 100}%)`,
    );
  }
}

/** Frames of `size` bytes (UDP from h1 to h2), each carrying its index at SEQ_AT. */
export function numberedFrames(n: number, size: number, make: (payload: Buffer, i: number) => Buffer): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const payload = Buffer.alloc(size - SEQ_AT, 0x5a);
    payload.writeUInt32BE(i, 0);
    const f = make(payload, i);
    if (f.length !== size) throw new Error(`numberedFrames: built ${f.length} bytes, wanted ${size}`);
    return f;
  });
}

/**
 * Rate cases need a sender that offers clearly more than the limit; a host too slow to pace the
 * train (e.g. an emulated guest) cannot test the limit: the case is skipped with the pace it got.
 * They also need a CPU for the sender apart from the datapath's: on one CPU (Debian's UML guest)
 * frames queue while the sender runs and reach the datapath in bursts, so the pace the datapath
 * sees is not the one offered (seen there: a 500 frames/s meter passing 219 frames of a train
 * offered over 505 ms, fewer than its rate allows with a full bucket).
 */
export function needOffered(train: TrainResult, atLeastPps: number): void {
  const cpus = availableParallelism();
  if (cpus < 2)
    throw new CaseSkipped(`${cpus} CPU: the sender and the datapath share it, so the datapath sees the paced train in bursts and a rate cannot be measured`);
  if (train.offeredPps < atLeastPps) throw new CaseSkipped(`the sender offered ${train.offeredPps.toFixed(0)} frames/s; the case needs at least ${atLeastPps}`);
}
