import { expect } from 'chai';
import { sampleResults } from '../harness/results/results.test.js';
import type { BenchmarkPoint, RunResults } from '../harness/results/results.js';
import { compareRuns, formatComparison } from './compare.js';

const point = (backend: string, metric: string, value: number): BenchmarkPoint => ({
  backend, metric, frameSize: 64, flows: 1, value, unit: metric.startsWith('latency') ? 'us' : 'pps', trials: [{ value }],
  generator: { name: 'soft', limited: false, note: '' },
});

/** The same suites on the kernel backend in two guest kernels. */
function kernelRun(id: string, guest: string, kernel: string, statuses: Record<string, 'pass' | 'fail' | 'unsupported' | 'skipped'>, benchmarks: BenchmarkPoint[] = []): RunResults {
  const base = sampleResults();
  return {
    ...base,
    run: {
      ...base.run,
      id,
      backends: [{ id: 'kernel', available: true, product: `ovs-kernel/ovs-3.1.0/linux-${kernel}-${guest}`, versions: { ovs: '3.1.0', kernel, guest: `${guest} ${kernel}` } }, base.run.backends[1]!],
    },
    cases: Object.entries(statuses).map(([caseId, status]) => ({ id: caseId, title: caseId, suite: 'conformance', backend: 'kernel', features: [], status, reason: status === 'pass' ? '' : `${caseId} ${status}`, durationMs: 1 })),
    benchmarks,
  };
}

describe('dplab compare: a run against a baseline, per (backend, kernel)', () => {
  it('names both kernels of a backend as its two columns', () => {
    const c = compareRuns(kernelRun('a', 'uml', '6.1.176', { x: 'pass' }), kernelRun('b', 'qemu', '6.1.0-57-amd64', { x: 'pass' }));
    expect(c.columns[0]).to.deep.equal({
      backend: 'kernel',
      baseline: 'ovs-kernel/ovs-3.1.0/linux-6.1.176-uml on linux 6.1.176 (uml)',
      run: 'ovs-kernel/ovs-3.1.0/linux-6.1.0-57-amd64-qemu on linux 6.1.0-57-amd64 (qemu)',
    });
    expect(c.regressions).to.equal(0);
    expect(formatComparison(c)).to.match(/cases: no status changed\nno regressions\n$/);
  });

  it('counts a pass that now fails or lost its feature as a regression, and lists fixes, new and missing cases', () => {
    const c = compareRuns(
      kernelRun('a', 'uml', '6.1.176', { broke: 'pass', lost: 'pass', fixed: 'fail', env: 'pass', gone: 'pass' }),
      kernelRun('b', 'qemu', '6.12.9', { broke: 'fail', lost: 'unsupported', fixed: 'pass', env: 'skipped', added: 'pass' }),
    );
    expect(c.cases.map((x) => `${x.kind} ${x.id} ${x.from}->${x.to}`)).to.deep.equal([
      'regression broke pass->fail',
      'regression lost pass->unsupported',
      'fixed fixed fail->pass',
      'changed env pass->skipped',
      'new added absent->pass',
      'missing gone pass->absent',
    ]);
    expect(c.regressions).to.equal(2);
    expect(formatComparison(c)).to.contain('regression kernel conformance/broke: pass -> fail (broke fail)');
  });

  it('flags throughput that fell and latency that rose beyond the threshold, nothing within it', () => {
    const base = kernelRun('a', 'uml', '6.1.176', {}, [point('afxdp', 'mrr_pps', 1e6), point('afxdp', 'ndr_pps', 5e5), point('afxdp', 'latency_p99_us', 100), point('ebpf', 'mrr_pps', 1e6)]);
    const run = kernelRun('b', 'uml', '6.1.176', {}, [point('afxdp', 'mrr_pps', 8e5), point('afxdp', 'ndr_pps', 5.2e5), point('afxdp', 'latency_p99_us', 150), point('ebpf', 'mrr_pps', 1.5e6)]);
    const c = compareRuns(base, run, 0.1);
    expect(c.benchmarks.map((b) => `${b.backend} ${b.metric} ${b.kind}`)).to.deep.equal([
      'afxdp mrr_pps regression',
      'afxdp ndr_pps same',
      'afxdp latency_p99_us regression',
      'ebpf mrr_pps improvement',
    ]);
    expect(c.regressions).to.equal(2);
    expect(compareRuns(base, run, 0.6).regressions).to.equal(0);
  });

  it('does not call a drop within the trials spread of either run a regression', () => {
    const noisy = (value: number, min: number, max: number): BenchmarkPoint => ({ ...point('afxdp', 'mrr_pps', value), spread: { min, max } });
    const base = kernelRun('a', 'uml', '6.1.176', {}, [noisy(1e6, 0.6e6, 1.1e6)]);
    expect(compareRuns(base, kernelRun('b', 'uml', '6.1.176', {}, [noisy(0.7e6, 0.69e6, 0.71e6)]), 0.1).regressions, 'fell 0.3 M within a 0.5 M spread').to.equal(0);
    expect(compareRuns(base, kernelRun('b', 'uml', '6.1.176', {}, [noisy(0.4e6, 0.39e6, 0.41e6)]), 0.1).regressions, 'fell 0.6 M').to.equal(1);
  });
});
