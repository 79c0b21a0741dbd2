import type { Datapath, FeatureMap, StartedDatapath } from '../datapath/datapath.js';
import type { RunContext } from '../run/run-context.js';
import type { StartedTopology, VethTopologySpec } from '../../topologies/topology.js';
import { VethTopology } from '../../topologies/veth.js';

/** Features only a backend with a datapath-level interface has: the `dp.*` cases need it. */
const DATAPATH_LEVEL_FEATURES = ['dp.flow_put', 'dp.miss_key'] as const;

/**
 * What the cases may use on a started backend: its probed features, with the datapath-level
 * ones unsupported when it offers no datapath-level interface.
 */
export async function caseFeatures(dp: StartedDatapath): Promise<FeatureMap> {
  const probed = await dp.features();
  if (dp.datapathLevel) return probed;
  const reason = `${dp.id} offers no datapath-level interface`;
  return { ...probed, ...Object.fromEntries(DATAPATH_LEVEL_FEATURES.map((id) => [id, { supported: false, reason } as const])) };
}

/**
 * A backend on a fresh veth topology, ready for cases: the one bring-up path of the runner and
 * of the case specs. `start()` gives a StartedBackendBed; whatever a failing step had started
 * is stopped before the error is passed on.
 */
export class BackendBed {
  /** What start() has brought up so far, for an interrupt during it. */
  private topology: StartedTopology | undefined;
  private datapath: StartedDatapath | undefined;

  constructor(
    private readonly backend: Datapath,
    private readonly spec: VethTopologySpec,
  ) {}

  async start(ctx: RunContext, log: (m: string) => void = () => undefined): Promise<StartedBackendBed> {
    try {
      log(`[${this.backend.id}] building topology ${this.spec.name}`);
      this.topology = await new VethTopology(this.spec).start(ctx);
      log(`[${this.backend.id}] starting backend`);
      this.datapath = await this.backend.start(this.topology, ctx);
      return new StartedBackendBed(this.topology, this.datapath, await caseFeatures(this.datapath));
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Stops whatever a start() still under way (or failed) has brought up: for signal teardowns. */
  async abort(): Promise<void> {
    try {
      await this.datapath?.stop();
    } finally {
      await this.topology?.stop();
    }
  }
}

export interface StoppedBackendBed {
  readonly state: 'stopped';
}

export class StartedBackendBed {
  readonly state = 'started';
  private stopping: Promise<StoppedBackendBed> | undefined;

  constructor(
    readonly topology: StartedTopology,
    readonly datapath: StartedDatapath,
    readonly features: FeatureMap,
  ) {}

  /** Features the backend lacks, id -> the probe's reason (for the run's identity). */
  unsupported(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.features).flatMap(([id, f]) => (f.supported ? [] : [[id, f.reason]])));
  }

  /** Features the backend has, id -> how its probe said so (for the run's identity). */
  supported(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.features).flatMap(([id, f]) => (f.supported ? [[id, f.how ?? 'supported']] : [])));
  }

  /** Stops the backend, then the topology, even when the first fails; safe to call twice. */
  stop(): Promise<StoppedBackendBed> {
    this.stopping ??= (async () => {
      try {
        await this.datapath.stop();
      } finally {
        await this.topology.stop();
      }
      return { state: 'stopped' } as const;
    })();
    return this.stopping;
  }
}
