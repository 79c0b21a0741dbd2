import type { RunContext } from '../run/run-context.js';
import { onTeardown } from '../run/teardown.js';
import { waitForLinks } from '../traffic/trex/link-settle.js';
import { TrexTimeoutError } from '../traffic/trex/rpc-errors.js';
import type { TrexStlClient } from '../traffic/trex/stl-client.js';
import { trexIdentity, type TrexIdentity } from '../traffic/trex/trex-identity.js';
import { TrexServer, type StartedTrexServer } from '../traffic/trex/trex-server.js';
import { trexTrialGenerator, type TrexPath } from '../traffic/trex/trex-trials.js';
import { softTrialGenerator } from '../traffic/soft/soft-trials.js';
import { GeneratorLostError, type TrialGenerator } from '../traffic/trial-generator.js';
import { NicTopology } from '../../topologies/nic.js';
import type { NicTopologySpec, StartedTopology, VethTopologySpec } from '../../topologies/topology.js';
import type { TrexServerConfig } from '../../topologies/trex-server-config.js';
import { VethTopology } from '../../topologies/veth.js';
import { prepareDutReceive } from './targets.js';

/** The soft generator's CPU unless `--gen-cpu` says otherwise; the DUT's threaded NAPI and daemons get the others. */
export const GEN_CPU = 0;

/**
 * Where benchmarks run: a topology built fresh for each target, and the generator whose
 * traffic enters the DUT at p1 and leaves it at p2. The same measurements run on either bed.
 * `start()` brings up what lives as long as the suite (a TRex server and its client).
 */
export interface BenchBed {
  readonly description: string;
  start(ctx: RunContext): Promise<StartedBenchBed>;
}

export interface StartedBenchBed {
  readonly state: 'started';
  readonly description: string;
  /** The generator server behind the figures (TRex), for the run's identity. */
  readonly server?: TrexIdentity;
  build(ctx: RunContext): Promise<StartedTopology>;
  /** Called before and after the target attaches. */
  prepare(topology: StartedTopology): Promise<void>;
  generator(topology: StartedTopology): Promise<TrialGenerator>;
  /** Ends what start() brought up; safe to call twice. */
  stop(): Promise<StoppedBenchBed>;
}

export interface StoppedBenchBed {
  readonly state: 'stopped';
}

const stopped = async (): Promise<StoppedBenchBed> => ({ state: 'stopped' });

/** p2p veth (h1 -> p1 -> DUT -> p2 -> h2) with the soft generator pinned to `genCpu`. */
export function vethBed(spec: VethTopologySpec, genCpu = GEN_CPU): BenchBed {
  const description = `${spec.name} (veth), soft generator on CPU ${genCpu}`;
  return {
    description,
    start: async () => ({
      state: 'started',
      description,
      build: (ctx) => new VethTopology(spec).start(ctx),
      // The DUT's receive work off the generator's pinned CPU (see prepareDutReceive).
      prepare: (topology) => prepareDutReceive(topology, genCpu),
      generator: (topology) => softTrialGenerator(topology.endpoint('h1'), topology.endpoint('h2'), genCpu),
      stop: stopped,
    }),
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

type TrexBedOptions = Omit<TrexPath, 'txPort' | 'rxPort'> & { readonly linkTimeoutMs?: number };

/**
 * A lab topology (physical DUT ports) with a connected TRex client on the far side of the cables.
 * Each target's topology moves the DUT ports, so their links, and the server's, go down and up:
 * the bed waits until TRex reports both ports up (bounded by `linkTimeoutMs`, default the
 * client's call timeout, `--trex-timeout`) before and after the target starts.
 */
export function trexClientBed(
  spec: NicTopologySpec,
  client: TrexStlClient,
  endpoint: string,
  o: TrexBedOptions = {},
  stop: () => Promise<StoppedBenchBed> = stopped,
  server?: TrexIdentity,
): StartedBenchBed {
  const ports = trexPortsOf(spec);
  const { linkTimeoutMs, ...path } = o;
  return {
    state: 'started',
    description: `${spec.name} (nic), TRex ${endpoint} ports ${ports.txPort} -> ${ports.rxPort}`,
    ...(server ? { server } : {}),
    build: (ctx) => new NicTopology(spec).start(ctx),
    prepare: () =>
      waitForLinks(client, [ports.txPort, ports.rxPort], linkTimeoutMs ?? client.timeoutMs).catch((e: unknown) => {
        if (e instanceof TrexTimeoutError) throw new GeneratorLostError(`TRex server at ${endpoint} stopped answering (${e.message})`);
        throw e;
      }),
    generator: () => trexTrialGenerator(client, endpoint, { ...path, ...ports }),
    stop,
  };
}

/**
 * A lab topology with TRex: start() attaches to the server or starts its container, connects
 * and reads which server it is; stop() hands the ports back and stops the server (also on a
 * signal, so a later run needs no --trex-force).
 */
export function trexBed(
  spec: NicTopologySpec,
  server: TrexServerConfig,
  o: { readonly timeoutMs: number; readonly force: boolean; readonly log: (m: string) => void },
): BenchBed {
  return {
    description: `${spec.name} (nic), TRex`,
    async start(ctx) {
      const started: StartedTrexServer = await new TrexServer(server, o.timeoutMs).start(ctx);
      let client: TrexStlClient | undefined;
      let stopping: Promise<StoppedBenchBed> | undefined;
      const release = async (): Promise<StoppedBenchBed> => {
        await client?.close();
        await started.stop();
        return { state: 'stopped' };
      };
      const undo = onTeardown('TRex client and server', release);
      const stop = (): Promise<StoppedBenchBed> => (stopping ??= release().finally(undo));
      try {
        o.log(`TRex ${started.version} at ${started.endpoint} (${started.how})`);
        client = await started.connect();
        // Which server, drivers and port speeds produced the figures; a server that fails to say
        // fails the trials next, with their own message.
        const identity = await trexIdentity(
          client,
          `${started.host}:${started.rpcPort}`,
          spec.generator.ports.map((g) => g.trexPort),
        ).catch((e: unknown) => {
          o.log(`TRex identity not read: ${e instanceof Error ? e.message : String(e)}`);
          return undefined;
        });
        return trexClientBed(spec, client, started.endpoint, { force: o.force }, stop, identity);
      } catch (e) {
        await stop();
        throw e;
      }
    },
  };
}
