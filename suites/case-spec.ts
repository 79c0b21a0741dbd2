import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS } from '../datapaths/registry.js';
import type { CaseGroup } from '../harness/conformance/case.js';
import { behavesAsExpected, expectationFor, loadExpectations, type Expectation } from '../harness/results/expectations.js';
import { BackendBed, type StartedBackendBed } from '../harness/runner/backend-bed.js';
import { runCase } from '../harness/runner/case-runner.js';
import { newRunId, runContext, type RunContext } from '../harness/run/run-context.js';
import { registerRun, unregisterRun } from '../harness/run/run-state.js';
import { loadTopology, vethSpec } from '../topologies/load.js';

/**
 * Runs case groups on real veth topologies, every case on every backend this host can run, as
 * mocha tests. A case passes, or is `unsupported`/`skipped` (shown as pending with the reason),
 * or behaves exactly as a known finding of suites/expectations predicts (a failure for the
 * stated reason); a backend this host cannot run is pending with its probe's reason.
 */
export async function describeCasesOnBackends(
  suite: string,
  groups: readonly CaseGroup[],
  topologyName: string,
  expectations: readonly Expectation[] = loadExpectations(),
): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  const probes = await Promise.all(BACKENDS.map(async (b) => ({ backend: b, probe: await b.probe() })));
  for (const { backend, probe } of probes) {
    describe(`${suite} on ${backend.id} (${topologyName}, real veth)`, function () {
      let ctx: RunContext | undefined;
      let bed: StartedBackendBed | undefined;

      before(async function () {
        if (!isRoot) this.skip();
        if (!probe.available) {
          console.log(`      skipped: ${backend.id}: ${probe.reason}`);
          this.skip();
        }
        const runId = newRunId();
        ctx = runContext(runId, mkdtempSync(join(tmpdir(), `dplab-spec-${runId}-`)));
        await registerRun(ctx);
        bed = await new BackendBed(backend, vethSpec(loadTopology(topologyName))).start(ctx);
      });

      after(async () => {
        await bed?.stop();
        if (ctx) await unregisterRun(ctx);
      });

      for (const group of groups) {
        for (const c of group.cases) {
          it(`${c.id} [${c.features.join(',')}]: ${c.title}`, async function () {
            const b = bed as StartedBackendBed;
            const r = await runCase(group, c, b.datapath, b.topology, b.features);
            const versions = b.datapath.versions;
            const finding = expectationFor(expectations, {
              backend: backend.id,
              id: c.id,
              suite: group.suite,
              kernel: versions.kernel ?? release(),
              ...(versions.ovs ? { ovs: versions.ovs } : {}),
            });
            if (finding) {
              expect(
                behavesAsExpected(finding, r.status, r.reason),
                `known finding ${backend.id}:${c.id} (${finding.source}) expects ${finding.status}${finding.failure ? ` /${finding.failure}/` : ''}, got ${r.status}: ${r.reason}`,
              ).to.equal(true);
              if (r.status !== 'fail') {
                this.test!.title += ` (${r.status} as expected: ${r.reason})`;
                this.skip();
              }
              this.test!.title += ' (known finding: fails as expected)';
              return;
            }
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
}
