import { expect } from 'chai';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BACKENDS } from '../../datapaths/registry.js';
import type { FeatureMap, StartedDatapath } from '../../harness/datapath/datapath.js';
import { runCase } from '../../harness/runner/case-runner.js';
import { newRunId, runContext, type RunContext } from '../../harness/run/run-context.js';
import { registerRun, unregisterRun } from '../../harness/run/run-state.js';
import { loadTopology, vethSpec } from '../../topologies/load.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { VethTopology } from '../../topologies/veth.js';
import { CONFORMANCE } from './index.js';

/**
 * The conformance suite on real veth topologies, every case on every backend this host can run.
 * A case passes, or is `unsupported` by the backend's probed features (shown as pending with the
 * reason); a backend this host cannot run is pending with its probe's reason.
 */
const isRoot = process.getuid?.() === 0;
const probes = await Promise.all(BACKENDS.map(async (b) => ({ backend: b, probe: await b.probe() })));
const topologyName = process.env.DPLAB_TOPOLOGY ?? 'triangle';

for (const { backend, probe } of probes) {
  describe(`conformance on ${backend.id} (${topologyName}, real veth)`, function () {
    let ctx: RunContext;
    let topology: StartedTopology | undefined;
    let dp: StartedDatapath | undefined;
    let features: FeatureMap = {};

    before(async function () {
      if (!isRoot) this.skip();
      if (!probe.available) {
        console.log(`      skipped: ${backend.id}: ${probe.reason}`);
        this.skip();
      }
      const runId = newRunId();
      const outDir = mkdtempSync(join(tmpdir(), `dplab-spec-${runId}-`));
      ctx = runContext(runId, outDir);
      await registerRun(ctx);
      topology = await new VethTopology(vethSpec(loadTopology(topologyName))).start(ctx);
      dp = await backend.start(topology, ctx);
      features = await dp.features();
    });

    after(async () => {
      await dp?.stop();
      await topology?.stop();
      if (ctx) await unregisterRun(ctx);
    });

    for (const group of CONFORMANCE) {
      for (const c of group.cases) {
        it(`${c.id} [${c.features.join(',')}]: ${c.title}`, async function () {
          const r = await runCase(group, c, dp as StartedDatapath, topology as StartedTopology, features);
          if (r.status === 'unsupported' || r.status === 'skipped') {
            this.test!.title += ` (${r.status}: ${r.reason})`;
            this.skip();
          }
          expect(r.status, r.reason).to.equal('pass');
        });
      }
    }
  });
}
