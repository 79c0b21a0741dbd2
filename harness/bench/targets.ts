import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Datapath, DatapathCapacity } from '../datapath/datapath.js';
import { CEILING_TARGET } from '../results/ceiling.js';
import { parseOfctlFlows } from '../openflow/parse.js';
import type { RunContext } from '../run/run-context.js';
import { runNames } from '../run/run-context.js';
import { hostIdentity, REPO_ROOT } from '../system/identity.js';
import { exec } from '../system/exec.js';
import { startReadyHelper } from '../system/ready-helper.js';
import { attachPeerXdpPass } from '../../topologies/veth-xdp-pass.js';
import type { StartedTopology } from '../../topologies/topology.js';

/** Something that forwards p1 <-> p2 on a started topology: a backend, or a baseline. */
export interface BenchTarget {
  readonly id: string;
  start(topology: StartedTopology, ctx: RunContext): Promise<StartedBenchTarget>;
}

export interface StartedBenchTarget {
  readonly state: 'started';
  readonly id: string;
  readonly product: string;
  /** Datapath flows (megaflows) installed now; absent for baselines without a flow table. */
  flowCount?(): Promise<number>;
  /** Removes every datapath flow (the pipeline stays), so the next frames are first packets again. */
  flushFlows?(): Promise<void>;
  /** The most flows and masks its flow table holds, and who said so; absent when unbounded here. */
  readonly capacity?: DatapathCapacity;
  /** True when new flows go through a slow path (flow setup rate is meaningful). */
  readonly slowPath: boolean;
  /** Takes the target off the topology (the topology itself stays). */
  stop(): Promise<StoppedBenchTarget>;
}

export interface StoppedBenchTarget {
  readonly state: 'stopped';
  readonly id: string;
}

/** What every target's stop() ends with. */
const stoppedTarget = (id: string): StoppedBenchTarget => ({ state: 'stopped', id });

/** Why a target cannot take `flows` flows, when its flow table is smaller (no silently degraded figure). */
export function capacityShortfall(target: StartedBenchTarget, flows: number): string | undefined {
  const c = target.capacity;
  if (!c || flows <= c.flows) return undefined;
  return `${flows} flows need ${flows} datapath flows (one megaflow per Ethernet source); the target holds at most ${c.flows} (${c.source})`;
}

const XDP_REDIRECT = join(REPO_ROOT, 'build/bin/dplab-xdp-redirect');

/**
 * The benchmark pipeline: p1 <-> p2, plus a rule on an Ethernet source no frame carries. The
 * datapath must rule it out for every packet, so each megaflow holds the exact source MAC and
 * N flows (the soft generator varies eth.src) make N megaflows, as in OVS's own scale tests.
 */
export const BENCH_PIPELINE = [
  'priority=100,in_port=p1,dl_src=0e:00:00:00:00:00,actions=drop',
  'priority=1,in_port=p1,actions=output:p2',
  'priority=1,in_port=p2,actions=output:p1',
];

/** A backend running BENCH_PIPELINE. */
export function backendTarget(d: Datapath): BenchTarget {
  return {
    id: d.id,
    async start(topology, ctx) {
      const dp = await d.start(topology, ctx);
      let capacity: DatapathCapacity | undefined;
      try {
        const ports = Object.fromEntries(topology.dutPorts.map((p) => [p.name, p.ofport]));
        await dp.applyPipeline(parseOfctlFlows(BENCH_PIPELINE.join('\n'), { source: 'bench', ports }));
        capacity = await dp.capacity?.();
      } catch (e) {
        await dp.stop();
        throw e;
      }
      return {
        state: 'started',
        id: d.id,
        product: dp.product,
        slowPath: true,
        flowCount: async () => (await dp.stats()).flows,
        flushFlows: () => dp.flushFlows(),
        ...(capacity ? { capacity } : {}),
        stop: async () => {
          await dp.stop();
          return stoppedTarget(d.id);
        },
      };
    },
  };
}

/** Baseline: a Linux bridge between the two DUT ports (MAC learning, no netfilter in its netns). */
export const linuxBridge: BenchTarget = {
  id: 'linux-bridge',
  async start(topology, ctx) {
    const ns = topology.dutNetns;
    const br = runNames.link(ctx.runId, 'br');
    const remove = () => exec('ip', ['-n', ns, 'link', 'del', br], { allowFail: true });
    try {
      await exec('ip', ['-n', ns, 'link', 'add', br, 'type', 'bridge']);
      for (const p of topology.dutPorts) await exec('ip', ['-n', ns, 'link', 'set', p.ifname, 'master', br]);
      await exec('ip', ['-n', ns, 'link', 'set', br, 'up']);
    } catch (e) {
      await remove();
      throw e;
    }
    return {
      state: 'started',
      id: 'linux-bridge',
      product: `linux-bridge/linux-${hostIdentity().kernel}`,
      slowPath: false,
      flowCount: async () => (await exec('bridge', ['-n', ns, 'fdb', 'show', 'br', br, 'dynamic'])).stdout.split('\n').filter((l) => l.trim()).length,
      stop: async () => {
        await remove();
        return stoppedTarget('linux-bridge');
      },
    };
  },
};

/** The ceiling: raw XDP redirect between the two DUT ports, no parsing, no lookup. */
export const baselineXdp: BenchTarget = {
  id: CEILING_TARGET,
  async start(topology) {
    const [a, b] = topology.dutPorts;
    if (!a || !b) throw new Error(`${CEILING_TARGET}: needs two DUT ports`);
    await attachPeerXdpPass(topology.endpoints);
    const h = await startReadyHelper(topology.dutNetns, XDP_REDIRECT, [a.ifname, b.ifname], 'dplab-xdp-redirect');
    return {
      state: 'started',
      id: CEILING_TARGET,
      product: `xdp-redirect-${h.word}`,
      slowPath: false,
      async stop() {
        if (h.child.exitCode === null) h.child.kill('SIGTERM');
        await h.exited;
        return stoppedTarget(CEILING_TARGET);
      },
    };
  },
};

/**
 * Makes the DUT's receiving port take the generator's XDP frames on a core of its own: a veth
 * accepts XDP-transmitted frames only when it has NAPI (an XDP program or GRO on), and threaded
 * NAPI lets the scheduler run that work away from the generator's pinned core, so the DUT
 * is not measured on the generator's CPU time. Call before the target attaches.
 */
export async function prepareDutReceive(topology: StartedTopology, genCpu: number, port = 'p1'): Promise<void> {
  const p = topology.dutPort(port);
  await exec('ethtool', ['-K', p.ifname, 'gro', 'on'], { netns: topology.dutNetns });
  await exec('tee', [`/sys/class/net/${p.ifname}/threaded`], { netns: topology.dutNetns, input: '1' });
  // Keep the NAPI threads off the generator's CPU (left alone on a 1-CPU host).
  const others = Array.from({ length: availableParallelism() }, (_, i) => i).filter((c) => c !== genCpu);
  if (others.length === 0) return;
  const threads = (await exec('pgrep', ['-x', `napi/${p.ifname}-.*`], { allowFail: true })).stdout.split('\n').filter(Boolean);
  for (const pid of threads) await exec('taskset', ['-pc', others.join(','), pid]);
}
