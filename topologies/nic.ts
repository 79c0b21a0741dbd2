import { existsSync } from 'node:fs';
import { z } from 'zod';
import { parseJson } from '../harness/text/json-schema.js';
import { exec } from '../harness/system/exec.js';
import { runNames, type RunContext } from '../harness/run/run-context.js';
import { routableAddress } from './nic-checks.js';
import { startedTopology } from './started.js';
import type { DutPortHandle, GeneratorPortHandle, NicTopologySpec, StartedTopology, StoppedTopology, Topology } from './topology.js';

/** `ip -j link show`: each link's flags (UP, ...), anything else let through. */
const IP_LINK_FLAGS = z.array(z.looseObject({ flags: z.array(z.string()).optional() }));

/**
 * Builds a lab (`nic`) topology: the DUT's physical interfaces are moved into the run's DUT
 * namespace, where every backend runs (as on veth), and moved back when it stops. A namespace
 * that a killed run leaves behind is removed by `dplab cleanup`; the kernel then returns
 * physical interfaces to the host's namespace by itself. Generator ports are TRex port ids on
 * the far side of the cables: nothing to build here.
 */
export class NicTopology implements Topology {
  constructor(readonly spec: NicTopologySpec) {}

  async start(ctx: RunContext): Promise<StartedTopology> {
    const dutNetns = runNames.netns(ctx.runId, 'dut');
    const moved: { ifname: string; wasUp: boolean }[] = [];
    let nsCreated = false;
    let stopping: Promise<StoppedTopology> | undefined;
    const stop = (): Promise<StoppedTopology> =>
      (stopping ??= (async () => {
        for (const m of moved.splice(0).reverse()) {
          await exec('ip', ['-n', dutNetns, 'link', 'set', m.ifname, 'down'], { allowFail: true });
          await exec('ip', ['-n', dutNetns, 'link', 'set', m.ifname, 'netns', '1'], { allowFail: true });
          if (m.wasUp) await exec('ip', ['link', 'set', m.ifname, 'up'], { allowFail: true });
        }
        if (nsCreated) await exec('ip', ['netns', 'del', dutNetns], { allowFail: true });
        return { state: 'stopped', spec: this.spec } as const;
      })());
    try {
      for (const p of this.spec.dut.ports) {
        if (!existsSync(`/sys/class/net/${p.interface}`))
          throw new Error(`topology ${this.spec.name}: DUT port ${p.name}: no interface '${p.interface}' on this host`);
        const addr = routableAddress(p.interface);
        if (addr)
          throw new Error(
            `topology ${this.spec.name}: DUT port ${p.name}: ${p.interface} carries address ${addr}; refusing to move a host link into the run's namespace`,
          );
      }
      await exec('ip', ['netns', 'add', dutNetns]);
      nsCreated = true;
      await exec('ip', ['-n', dutNetns, 'link', 'set', 'lo', 'up']);
      const dutPorts: DutPortHandle[] = [];
      const generatorPorts: GeneratorPortHandle[] = [];
      for (const [i, p] of this.spec.dut.ports.entries()) {
        const show = parseJson(IP_LINK_FLAGS, (await exec('ip', ['-j', 'link', 'show', 'dev', p.interface])).stdout, `ip -j link show dev ${p.interface}`);
        const wasUp = show[0]?.flags?.includes('UP') ?? false;
        await exec('ip', ['link', 'set', p.interface, 'netns', dutNetns]);
        moved.push({ ifname: p.interface, wasUp });
        await exec('ip', ['-n', dutNetns, 'link', 'set', p.interface, 'up']);
        const link = this.spec.links.find(([, d]) => d === p.name);
        const gen = link && this.spec.generator.ports.find((g) => g.name === link[0]);
        dutPorts.push({ name: p.name, ifname: p.interface, ofport: p.ofport ?? i + 1, endpoint: gen?.name ?? '' });
        if (gen) generatorPorts.push({ name: gen.name, trexPort: gen.trexPort, dutPort: p.name });
      }
      dutPorts.sort((a, b) => a.ofport - b.ofport);
      return startedTopology({ runId: ctx.runId, spec: this.spec, dutNetns, endpoints: [], generatorPorts, dutPorts, stop });
    } catch (e) {
      await stop();
      throw e;
    }
  }
}
