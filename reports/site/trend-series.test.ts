import { expect } from 'chai';
import type { BenchmarkPoint, RunResults } from '../../harness/results/results.js';
import { samplePoint, sampleResults } from '../../harness/results/results.test.js';
import { openChange, trendSeries } from './trend-series.js';

const point = samplePoint;

/** A run on `host` started on day `day` of November with these points. */
function run(day: number, points: BenchmarkPoint[], host = 'lab1'): RunResults {
  const r = sampleResults();
  return { ...r, run: { ...r.run, id: `r${day}`, host, started: `2026-11-${String(day).padStart(2, '0')}T10:00:00.000Z` }, benchmarks: points };
}

describe('trend series', () => {
  it('has one series per host, backend, kernel, metric, frame size, flows and load, its points in start order', () => {
    const s = trendSeries([
      run(3, [point('afxdp', 'mrr_pps', 3e5)]),
      run(1, [point('afxdp', 'mrr_pps', 1e5), point('afxdp', 'latency_p50_us', 20, { loadFraction: 0.5 })]),
      run(2, [point('afxdp', 'mrr_pps', 2e5, { spread: { min: 1.9e5, max: 2.1e5 } })]),
      run(2, [point('afxdp', 'mrr_pps', 9e5)], 'lab2'),
    ]);
    expect(s.map((x) => [x.title, x.points.map((p) => p.runId).join(',')])).to.deep.equal([
      ['afxdp (linux 6.18.44, lab1): latency_p50_us at 64 B, 1 flow(s), 0.5 of the NDR', 'r1'],
      ['afxdp (linux 6.18.44, lab1): mrr_pps at 64 B, 1 flow(s)', 'r1,r2,r3'],
      ['afxdp (linux 6.18.44, lab2): mrr_pps at 64 B, 1 flow(s)', 'r2'],
    ]);
    const mrr = s[1];
    expect(mrr?.points[1]).to.deep.equal({ runId: 'r2', started: '2026-11-02T10:00:00.000Z', value: 2e5, min: 1.9e5, max: 2.1e5, href: 'runs/r2/report.html' });
    expect(mrr?.lowerIsBetter).to.equal(false);
    expect(s[0]?.lowerIsBetter).to.equal(true);
  });

  it('leaves unsupported points out, and draws generator-limited ones without letting them move a group', () => {
    const values = [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01];
    const runs = values.map((v, i) => run(i + 1, [point('ebpf', 'mrr_pps', v * 1e6)]));
    // A generator that could offer only half: says nothing of the datapath.
    runs.push(run(20, [point('ebpf', 'mrr_pps', 0.5e6, { generator: { name: 'soft', note: 'offered 0.50 of the requested rate', limited: true } })]));
    runs.push(run(21, [point('ebpf', 'mrr_pps', 0, { unsupported: 'more flows than the table holds' })]));
    const [s] = trendSeries(runs);
    expect(s?.points).to.have.length(9);
    expect(s?.points[8]?.generatorLimited).to.equal('offered 0.50 of the requested rate');
    expect(s?.groups.map((g) => [g.from, g.to, g.change])).to.deep.equal([[0, 7, null]]);
    expect(s && openChange(s)).to.equal(undefined);
  });

  it('flags a throughput drop that lasts as an open regression, with the run where it began', () => {
    const values = [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01, 0.9, 0.91, 0.89, 0.9, 0.91, 0.9, 0.89, 0.9];
    const [s] = trendSeries(values.map((v, i) => run(i + 1, [point('ebpf', 'mrr_pps', v * 1e6)])));
    const open = s && openChange(s);
    expect(open?.change).to.equal('regression');
    expect(s?.points[open?.from ?? -1]?.runId).to.equal('r9');
  });
});
