import type { RunContext } from '../run/run-context.js';
import { waitForLinks } from '../traffic/trex/link-settle.js';
import { TrexTimeoutError } from '../traffic/trex/rpc-errors.js';
import type { TrexStlClient } from '../traffic/trex/stl-client.js';
import { trexTrialGenerator, type TrexPath } from '../traffic/trex/trex-trials.js';
import { NicTopology } from '../../topologies/nic.js';
import type { NicTopologySpec, StartedTopology, VethTopologySpec } from '../../topologies/topology.js';
import { VethTopology } from '../../topologies/veth.js';
import { GEN_CPU } from './benchmark.js';
import { prepareDutReceive } from './targets.js';
import { GeneratorLostError, type TrialGenerator } from '../traffic/trial-generator.js';
import { softTrialGenerator } from '../traffic/soft/soft-trials.js';

/**
 * Where benchmarks run: a topology built fresh for each target, and the generator whose
 * traffic enters the DUT at p1 and leaves it at p2. The same measurements run on either bed.
 */
export interface BenchBed {
  readonly description: string;
  build(ctx: RunContext): Promise<StartedTopology>;
  /** Called before and after the target attaches. */
  prepare(topology: StartedTopology): Promise<void>;
  generator(topology: StartedTopology): Promise<TrialGenerator>;
}

/** p2p veth (h1 -> p1 -> DUT -> p2 -> h2) with the soft generator pinned to `genCpu`. */
export function vethBed(spec: VethTopologySpec, genCpu = GEN_CPU): BenchBed {
  return {
    description: `${spec.name} (veth), soft generator on CPU ${genCpu}`,
    build: (ctx) => new VethTopology(spec).start(ctx),
    // The DUT's receive work off the generator's pinned CPU (see prepareDutReceive).
    prepare: (topology) => prepareDutReceive(topology, genCpu),
    generator: (topology) => softTrialGenerator(topology.endpoint('h1'), topology.endpoint('h2'), genCpu),
  };
}

/** The TRex ports cabled to DUT ports p1 (transmit) and p2 (receive) of a lab topology. */
export function trexPortsOf(spec: NicTopologySpec): { txPort: number; rxPort: number } {
  const cabled = (dut: string) => {
    const link = spec.links.find(([, d]) => d === dut);
    const gen = link && spec.generator.ports.find((g) => g.name === link[0]);
    if (!gen) throw new Error(`topology ${spec.name}: benchmarks need DUT port ${dut} cabled to a TRex port (links: [<generator port>, ${dut}])`);
    return gen.trexPort;
  };
  return { txPort: cabled('p1'), rxPort: cabled('p2') };
}

/**
 * A lab topology (physical DUT ports) with a TRex server on the far side of the cables. Each
 * target's topology moves the DUT ports, so their links, and the server's, go down and up: the
 * bed waits until TRex reports both ports up (bounded by `linkTimeoutMs`, default the client's
 * call timeout, `--trex-timeout`) before and after the target starts.
 */
export function trexBed(spec: NicTopologySpec, client: TrexStlClient, endpoint: string, o: Omit<TrexPath, 'txPort' | 'rxPort'> & { readonly linkTimeoutMs?: number } = {}): BenchBed {
  const ports = trexPortsOf(spec);
  const { linkTimeoutMs, ...path } = o;
  return {
    description: `${spec.name} (nic), TRex ${endpoint} ports ${ports.txPort} -> ${ports.rxPort}`,
    build: (ctx) => new NicTopology(spec).start(ctx),
    prepare: () => waitForLinks(client, [ports.txPort, ports.rxPort], linkTimeoutMs ?? client.timeoutMs).catch((e: unknown) => {
      if (e instanceof TrexTimeoutError) throw new GeneratorLostError(`TRex server at ${endpoint} stopped answering (${e.message})`);
      throw e;
    }),
    generator: () => trexTrialGenerator(client, endpoint, { ...path, ...ports }),
  };
}
