import { expect } from 'chai';
import { parseCatalogue } from '../../harness/features/catalogue.js';
import type { RunResults } from '../../harness/results/results.js';
import { sampleResults } from '../../harness/results/results.test.js';
import { kernelBackendMatrix, latestParity } from './parity-history.js';

const catalogue = parseCatalogue(
  `groups:
  - id: forwarding
    title: Forwarding
    features:
      - { id: l2.output, title: "Output" }
      - { id: vlan.qinq, title: "QinQ" }
      - { id: set.ip_tos, title: "TOS" }
`,
  'test catalogue',
);

/** sampleResults() as a later run: another id and start, some case statuses replaced. */
function later(id: string, started: string, status: Record<string, RunResults['cases'][number]['status']>, over: Partial<RunResults['run']> = {}): RunResults {
  const r = sampleResults();
  return {
    ...r,
    run: { ...r.run, id, started, ...over },
    cases: r.cases.map((c) => (status[`${c.backend}/${c.id}`] ? { ...c, status: status[`${c.backend}/${c.id}`] as typeof c.status } : c)),
  };
}

describe('parity over history', () => {
  it('shows the latest run per host and kernel with the cells that changed since the run before it', () => {
    const first = sampleResults();
    const second = later('b2', '2026-11-25T19:00:00.000Z', { 'afxdp/set.tos': 'pass', 'afxdp/vlan.qinq': 'fail' });
    const [p, ...rest] = latestParity([second, first], catalogue);
    expect(rest).to.have.length(0);
    expect(p?.latest.run.id).to.equal('b2');
    expect(p?.previous?.run.id).to.equal('abc123');
    expect(p?.changes).to.deep.equal([
      { backend: 'afxdp', feature: 'vlan.qinq', was: 'unsupported', now: 'fail' },
      { backend: 'afxdp', feature: 'set.ip_tos', was: 'fail', now: 'pass' },
    ]);
  });

  it('keeps hosts and kernels apart: a run on another kernel starts its own history', () => {
    const other = later('c3', '2026-11-26T19:00:00.000Z', { 'afxdp/set.tos': 'pass' }, { kernel: '6.19.1' });
    const ps = latestParity([sampleResults(), other], catalogue);
    expect(ps.map((p) => [p.latest.run.id, p.kernels.join('+'), p.previous?.run.id ?? null, p.changes.length])).to.deep.equal([
      ['c3', '6.19.1', null, 0],
      ['abc123', '6.18.44', null, 0],
    ]);
  });

  it('reports a backend that stopped running cases as every one of its rows going absent', () => {
    const dropped = { ...later('d4', '2026-11-27T19:00:00.000Z', {}), cases: sampleResults().cases.filter((c) => c.backend !== 'kernel') };
    const [p] = latestParity([sampleResults(), dropped], catalogue);
    expect(p?.changes).to.deep.equal([{ backend: 'kernel', feature: 'l2.output', was: 'skipped', now: 'absent' }]);
  });

  it('puts every kernel a backend ran its cases on against every backend, from the latest run of each pair', () => {
    const km = kernelBackendMatrix([sampleResults(), later('e5', '2026-11-28T19:00:00.000Z', { 'afxdp/set.tos': 'pass' }, { kernel: '6.19.1' })]);
    expect(km.kernels).to.deep.equal(['6.18.44', '6.19.1']);
    expect(km.backends).to.deep.equal(['afxdp', 'kernel']);
    const cell = (k: string, b: string) => km.cells.find((c) => c.kernel === k && c.backend === b);
    expect(cell('6.18.44', 'afxdp')?.cell).to.include({ status: 'fail', passed: 1, total: 3 });
    expect(cell('6.19.1', 'afxdp')?.cell).to.include({ status: 'pass', passed: 2, total: 3 });
    expect(cell('6.19.1', 'afxdp')?.run?.run.id).to.equal('e5');
    expect(cell('6.18.44', 'kernel')?.cell?.status).to.equal('skipped');
  });
});
