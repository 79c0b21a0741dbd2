import { join } from 'node:path';
import type { BenchmarkPoint } from '../results/results.js';
import { REPO_ROOT } from '../runner/identity.js';
import { exec } from '../system/exec.js';
import { linkCounters } from '../system/link-counters.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { buildFrame } from '../packet/index.js';

const BLAST = join(REPO_ROOT, 'build/bin/dplab-blast');

export interface MrrOptions {
  /** L2 frame size on the wire including the 4-byte FCS, as RFC 2544 counts it (64 = 60 bytes sent). */
  readonly frameSize: number;
  readonly flows: number;
  readonly durationMs: number;
  readonly trials: number;
}

/** Received frames counted by the sink endpoint's interface (a kernel counter, nothing to keep up). */
async function rxPackets(netns: string, ifname: string): Promise<number> {
  return (await linkCounters(netns)).get(ifname)?.rxPackets ?? 0;
}

async function blast(topology: StartedTopology, frame: Buffer, args: string[]): Promise<{ sent: number; seconds: number; pps: number }> {
  const h1 = topology.endpoint('h1');
  const r = await exec('ip', ['netns', 'exec', h1.netns, BLAST, '--if', h1.ifname, '--frame', frame.toString('hex'), ...args], { timeoutMs: 700_000 });
  return JSON.parse(r.stdout) as { sent: number; seconds: number; pps: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Maximum receive rate h1 -> h2 through whatever forwards p1 -> p2: the generator sends as fast
 * as it can for the trial length; the rate is what h2's interface received per second of
 * sending. When (nearly) everything arrived, the generator, not the datapath, was the limit.
 */
export async function measureMrr(topology: StartedTopology, backend: string, o: MrrOptions): Promise<BenchmarkPoint> {
  const payload = Math.max(0, o.frameSize - 4 - 42);
  const h1 = topology.endpoint('h1');
  const h2 = topology.endpoint('h2');
  const frame = buildFrame({
    src: h1.mac,
    dst: h2.mac,
    ipv4: { src: '10.0.0.1', dst: '10.0.0.2' },
    udp: { sport: 1024, dport: 9, zeroChecksum: true },
    payload: Buffer.alloc(payload, 0x5a),
  });
  // Warm-up: one frame per flow at a gentle rate, so the slow path has set the flows up.
  await blast(topology, frame, ['--count', String(o.flows), '--flows', String(o.flows), '--pps', '20000', '--max-ms', '5000']);
  await sleep(500);
  const trials: { value: number; sent: number; received: number }[] = [];
  let offered = 0;
  let limited = false;
  for (let t = 0; t < o.trials; t += 1) {
    const before = await rxPackets(h2.netns, h2.ifname);
    const g = await blast(topology, frame, ['--count', '1000000000', '--flows', String(o.flows), '--max-ms', String(o.durationMs)]);
    await sleep(300); // drain: count what was in flight when sending stopped
    const received = (await rxPackets(h2.netns, h2.ifname)) - before;
    trials.push({ value: Math.round(received / g.seconds), sent: g.sent, received });
    offered = Math.max(offered, g.pps);
    if (received >= g.sent * 0.999) limited = true;
  }
  return {
    backend,
    metric: 'mrr_pps',
    frameSize: o.frameSize,
    flows: o.flows,
    value: median(trials.map((x) => x.value)),
    unit: 'pps',
    trials,
    generator: {
      name: 'soft',
      note: `dplab-blast (AF_PACKET sendmmsg, qdisc bypass) offered up to ${Math.round(offered)} pps`,
      limited,
    },
  };
}
