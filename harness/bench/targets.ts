import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Datapath } from '../datapath/datapath.js';
import { parseOfctlFlows } from '../openflow/parse.js';
import type { RunContext } from '../run/run-context.js';
import { REPO_ROOT } from '../runner/identity.js';
import { attachPeerXdpPass } from '../../datapaths/ebpf/peer-xdp.js';
import type { StartedTopology } from '../../topologies/topology.js';

/** Something that forwards p1 <-> p2 on a started topology: a backend, or a baseline. */
export interface BenchTarget {
  readonly id: string;
  start(topology: StartedTopology, ctx: RunContext): Promise<StartedBenchTarget>;
}

export interface StartedBenchTarget {
  readonly product: string;
  stop(): Promise<void>;
}

const XDP_REDIRECT = join(REPO_ROOT, 'build/bin/dplab-xdp-redirect');

/** A backend with the pipeline `in_port=p1,output:p2` and back. */
export function backendTarget(d: Datapath): BenchTarget {
  return {
    id: d.id,
    async start(topology, ctx) {
      const dp = await d.start(topology, ctx);
      try {
        const ports = Object.fromEntries(topology.dutPorts.map((p) => [p.name, p.ofport]));
        await dp.applyPipeline(parseOfctlFlows('in_port=p1,actions=output:p2\nin_port=p2,actions=output:p1', { source: 'bench', ports }));
      } catch (e) {
        await dp.stop();
        throw e;
      }
      return { product: dp.product, stop: async () => void (await dp.stop()) };
    },
  };
}

/** The ceiling: raw XDP redirect between the two DUT ports, no parsing, no lookup. */
export const baselineXdp: BenchTarget = {
  id: 'baseline-xdp',
  async start(topology) {
    const [a, b] = topology.dutPorts;
    if (!a || !b) throw new Error('baseline-xdp: needs two DUT ports');
    await attachPeerXdpPass(topology.endpoints);
    const child = spawn('ip', ['netns', 'exec', topology.dutNetns, XDP_REDIRECT, a.ifname, b.ifname], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const mode = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\w+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => reject(new Error(`dplab-xdp-redirect exited (${code}): ${err.trim()}`)));
    });
    return {
      product: `xdp-redirect-${mode}`,
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  },
};
