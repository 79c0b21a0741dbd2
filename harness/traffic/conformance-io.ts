import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../system/identity.js';
import { exec } from '../system/exec.js';
import type { StartedTopology } from '../../topologies/topology.js';

/** The capture/inject helper built from harness/traffic/pktio. */
export const PKTIO = join(REPO_ROOT, 'build/bin/dplab-pktio');

/** After the expected number of frames is in, how long to keep listening for extra ones. */
const SETTLE_MS = 250;
const READY_TIMEOUT_MS = 5000;

export interface SendAndCapture {
  readonly topology: StartedTopology;
  /** Endpoint that injects. */
  readonly from: string;
  readonly frames: readonly Buffer[];
  /** Endpoints to capture on (may include the sender: its own transmissions are skipped). */
  readonly listen: readonly string[];
  /** Longest wait for frames after injection. */
  readonly waitMs: number;
  /** Stop early (after a short settle) once this many frames arrived across all endpoints. */
  readonly expectCount?: number;
}

interface Capture {
  readonly endpoint: string;
  readonly child: ChildProcess;
  readonly frames: Buffer[];
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
}

function startCapture(endpoint: string, netns: string, ifname: string, maxMs: number, onFrame: () => void): Capture {
  const child = spawn('ip', ['netns', 'exec', netns, PKTIO, 'capture', '--if', ifname, '--max-ms', String(maxMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const frames: Buffer[] = [];
  let buffered = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  let failReady: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((res, rej) => {
    markReady = res;
    failReady = rej;
  });
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout?.on('data', (b: Buffer) => {
    buffered += b.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'ready') markReady();
      else if (line) {
        frames.push(Buffer.from(line, 'hex'));
        onFrame();
      }
    }
  });
  const exited = new Promise<void>((res) => {
    child.on('close', (code) => {
      failReady(new Error(`capture on ${endpoint} (${ifname}) exited (${code}) before it was ready: ${stderr.trim()}`));
      res();
    });
    child.on('error', (e) => {
      failReady(new Error(`capture on ${endpoint}: ${e.message}`));
      res();
    });
  });
  return { endpoint, child, frames, ready, exited };
}

/**
 * Injects exact frames on one endpoint and captures every frame that arrives on the listening
 * endpoints, VLAN tags included. Captures are bound before the first frame is sent; the wait is
 * bounded by `waitMs` (and each capture process by its own deadline, should dplab die).
 */
export async function sendAndCapture(o: SendAndCapture): Promise<Map<string, Buffer[]>> {
  const sender = o.topology.endpoint(o.from);
  let total = 0;
  let enough: () => void = () => undefined;
  const reached = new Promise<void>((r) => (enough = r));
  const onFrame = () => {
    total += 1;
    if (o.expectCount !== undefined && total >= o.expectCount) enough();
  };
  const captures = o.listen.map((name) => {
    const ep = o.topology.endpoint(name);
    return startCapture(name, ep.netns, ep.ifname, o.waitMs + READY_TIMEOUT_MS + 5000, onFrame);
  });
  const stopAll = async () => {
    for (const c of captures) if (c.child.exitCode === null) c.child.kill('SIGTERM');
    await Promise.all(captures.map((c) => c.exited));
  };
  try {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(captures.map((c) => c.ready)),
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`captures not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    await exec('ip', ['netns', 'exec', sender.netns, PKTIO, 'inject', '--if', sender.ifname], {
      input: o.frames.map((f) => f.toString('hex')).join('\n') + '\n',
      timeoutMs: 10_000,
    });
    if (o.expectCount !== undefined && o.expectCount > 0) {
      await Promise.race([reached.then(() => sleep(SETTLE_MS)), sleep(o.waitMs)]);
    } else {
      await sleep(o.waitMs);
    }
  } finally {
    await stopAll();
  }
  return new Map(captures.map((c) => [c.endpoint, c.frames]));
}
