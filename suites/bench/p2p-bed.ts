import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GEN_CPU, vethBed } from '../../harness/bench/bench-bed.js';
import type { TrialPath } from '../../harness/traffic/soft/soft-trials.js';
import { newRunId, runContext, type RunContext } from '../../harness/run/run-context.js';
import { registerRun, unregisterRun } from '../../harness/run/run-state.js';
import { startSink } from '../../harness/traffic/soft/sink.js';
import { loadTopology, vethSpec } from '../../topologies/load.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { leftovers } from '../lifecycle/leftovers.js';

/** h1 -> p1 -> (the DUT under test) -> p2 -> h2 on p2p veth, with the soft generator's sink on h2. */
export interface P2pBed<T> {
  readonly ctx: RunContext;
  readonly topology: StartedTopology;
  readonly dut: T;
  readonly path: TrialPath;
  /** Stops sink, DUT and topology; returns what the run left behind (should be nothing). */
  stop(): Promise<string[]>;
}

/**
 * Brings the bed up around a DUT started by `startDut`, as the benchmarks do (the veth bench
 * bed's topology and receive preparation); whatever was started is stopped if a step fails.
 */
export async function startP2pBed<T extends { stop(): Promise<unknown> }>(
  label: string,
  startDut: (topology: StartedTopology, ctx: RunContext) => Promise<T>,
): Promise<P2pBed<T>> {
  const runId = newRunId();
  const ctx = runContext(runId, mkdtempSync(join(tmpdir(), `dplab-${label}-${runId}-`)));
  await registerRun(ctx);
  const bed = await vethBed(vethSpec(loadTopology('p2p')), GEN_CPU).start(ctx);
  let topology: StartedTopology | undefined;
  let dut: T | undefined;
  const stop = async () => {
    await dut?.stop();
    await topology?.stop();
    await bed.stop();
    await unregisterRun(ctx);
    return leftovers(runId);
  };
  try {
    topology = await bed.build(ctx);
    await bed.prepare(topology);
    dut = await startDut(topology, ctx);
    await bed.prepare(topology);
    const sink = await startSink(topology.endpoint('h2'));
    const started = topology;
    return {
      ctx,
      topology: started,
      dut,
      path: { from: started.endpoint('h1'), to: started.endpoint('h2'), sink, genCpu: GEN_CPU },
      stop: async () => {
        await sink.stop();
        return stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
