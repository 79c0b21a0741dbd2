import { expect } from 'chai';
import { sampleConditions, samplePoint, sampleResults } from '../harness/results/results.test.js';
import type { BenchmarkPoint, RunResults } from '../harness/results/results.js';
import { compareRuns, formatComparison } from './compare.js';
import { comparisonHtml } from './compare-html.js';
import { guestBenchRun } from '../harness/results/guest-ratios.test.js';

const point = (backend: string, metric: string, value: number): BenchmarkPoint => samplePoint(backend, metric, value);

/** The same suites on the kernel backend in two guest kernels. */
function kernelRun(
  id: string,
  guest: string,
  kernel: string,
  statuses: Record<string, 'pass' | 'fail' | 'unsupported' | 'skipped'>,
  benchmarks: BenchmarkPoint[] = [],
): RunResults {
  const base = sampleResults();
  return {
    ...base,
    run: {
      ...base.run,
      id,
      backends: [
        {
          id: 'kernel',
          available: true,
          product: `ovs-kernel/ovs-3.1.0/linux-${kernel}-${guest}`,
          versions: { ovs: '3.1.0', kernel, guest: `${guest} ${kernel}` },
        },
        base.run.backends[1]!,
        // Benchmark targets are run backends too.
        ...[...new Set(benchmarks.map((p) => p.backend))]
          .filter((b) => b !== 'kernel' && b !== 'afxdp')
          .map((id) => ({ id, available: true, product: id, versions: {} })),
      ],
    },
    cases: Object.entries(statuses).map(([caseId, status]) => ({
      id: caseId,
      title: caseId,
      suite: 'conformance',
      backend: 'kernel',
      features: [],
      status,
      reason: status === 'pass' ? '' : `${caseId} ${status}`,
      durationMs: 1,
    })),
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

  it('shows a kernel diff for a backend that ran on another kernel in each run: probes and both reasons, never counted', () => {
    const base = kernelRun('a', 'uml', '6.1.176', { 'ct.zone': 'unsupported', broke: 'pass', same: 'pass' });
    base.run.backends[0] = { ...base.run.backends[0]!, unsupported: { 'ct.zone': 'CONFIG_NF_CONNTRACK_ZONES not set' } };
    const run = kernelRun('b', 'qemu', '6.12.9', { 'ct.zone': 'pass', broke: 'fail', same: 'pass' });
    const c = compareRuns(base, run);
    expect(c.kernelDiff.map((p) => [p.backend, p.from.kernel, p.to.kernel, p.cases.length])).to.deep.equal([['kernel', '6.1.176 (uml)', '6.12.9 (qemu)', 2]]);
    // The same count as the case changes give on their own: the kernel diff adds none.
    expect(c.regressions).to.equal(1);
    const text = formatComparison(c);
    expect(text).to.contain(
      [
        'kernel diff (informational: the same backend on two kernels):',
        '  kernel: 6.1.176 (uml) -> 6.12.9 (qemu): 3 case(s) compared, 1 same, 2 differ',
        '    feature ct.zone: unsupported on 6.1.176 (uml): CONFIG_NF_CONNTRACK_ZONES not set',
        '    conformance/broke: pass -> fail (broke fail)',
        '    conformance/ct.zone: unsupported (ct.zone unsupported) -> pass',
        'regression    kernel conformance/broke: pass -> fail (broke fail)',
      ].join('\n'),
    );
    expect(JSON.parse(JSON.stringify(c)).kernelDiff[0].features).to.deep.equal([{ feature: 'ct.zone', from: 'CONFIG_NF_CONNTRACK_ZONES not set' }]);
    expect(comparisonHtml(c)).to.match(/<h2>Kernel diff<\/h2>.*<h3>kernel: 6\.1\.176 \(uml\) → 6\.12\.9 \(qemu\)<\/h3>/s);
  });

  it('prints no kernel diff when every column ran on the same kernel in both runs', () => {
    const c = compareRuns(kernelRun('a', 'uml', '6.1.176', { x: 'pass', y: 'pass' }), kernelRun('b', 'uml', '6.1.176', { x: 'fail', y: 'pass' }));
    expect(c.kernelDiff).to.deep.equal([]);
    expect(formatComparison(c)).to.not.contain('kernel diff');
    expect(comparisonHtml(c)).to.not.contain('Kernel diff');
  });

  it('counts a pass that now fails as a regression, a pass now skipped, unsupported or absent as lost coverage, and lists fixes, new and missing cases', () => {
    const c = compareRuns(
      kernelRun('a', 'uml', '6.1.176', { broke: 'pass', lost: 'pass', fixed: 'fail', env: 'pass', gone: 'pass', failed: 'fail', moot: 'skipped' }),
      kernelRun('b', 'qemu', '6.12.9', { broke: 'fail', lost: 'unsupported', fixed: 'pass', env: 'skipped', added: 'pass', moot: 'unsupported' }),
    );
    expect(c.cases.map((x) => `${x.kind} ${x.id} ${x.from}->${x.to}`)).to.deep.equal([
      'regression broke pass->fail',
      'coverage-lost env pass->skipped',
      'coverage-lost gone pass->absent',
      'coverage-lost lost pass->unsupported',
      'fixed fixed fail->pass',
      'changed moot skipped->unsupported',
      'new added absent->pass',
      'missing failed fail->absent',
    ]);
    expect(c.regressions).to.equal(4);
    expect(formatComparison(c)).to.contain('regression    kernel conformance/broke: pass -> fail (broke fail)');
    expect(formatComparison(c)).to.contain('coverage-lost kernel conformance/env: pass -> skipped (env skipped)');
  });

  it('turns lost coverage into warnings with allowCoverageLoss, but never a failure', () => {
    const base = kernelRun('a', 'uml', '6.1.176', { broke: 'pass', env: 'pass', gone: 'pass' });
    const run = kernelRun('b', 'uml', '6.1.176', { broke: 'fail', env: 'skipped' });
    const c = compareRuns(base, run, { allowCoverageLoss: true });
    expect([c.regressions, c.warnings]).to.deep.equal([1, 2]);
    expect(formatComparison(c)).to.contain('warning       kernel conformance/env: pass -> skipped');
    expect(formatComparison(c)).to.match(/1 regression\(s\), 2 coverage warning\(s\) \(--allow-coverage-loss\)\n$/);
  });

  it('counts a new case that errors or times out as a regression, a new failure not', () => {
    const run = kernelRun('b', 'uml', '6.1.176', { found: 'fail' });
    run.cases.push(
      { id: 'crashed', title: 'crashed', suite: 'conformance', backend: 'kernel', features: [], status: 'error', reason: 'agent died', durationMs: 1 },
      {
        id: 'slow',
        title: 'slow',
        suite: 'conformance',
        backend: 'kernel',
        features: [],
        status: 'timeout',
        reason: 'no result within 45000 ms',
        durationMs: 45000,
      },
    );
    const c = compareRuns(kernelRun('a', 'uml', '6.1.176', {}), run);
    expect(c.cases.map((x) => `${x.kind} ${x.id} ${x.to}`)).to.deep.equal(['regression crashed error', 'regression slow timeout', 'new found fail']);
    expect(c.regressions).to.equal(2);
  });

  it('counts a backend that ran in the baseline and is missing from the run as lost coverage, once', () => {
    const base = kernelRun('a', 'uml', '6.1.176', { x: 'pass', y: 'pass' }, [point('kernel', 'mrr_pps', 1e6)]);
    const run: RunResults = {
      ...kernelRun('b', 'uml', '6.1.176', {}),
      run: { ...base.run, id: 'b', backends: base.run.backends.filter((b) => b.id !== 'kernel') },
    };
    const c = compareRuns(base, run);
    expect(c.lostBackends).to.deep.equal(['kernel']);
    expect(c.cases).to.deep.equal([]);
    expect(c.benchmarks).to.deep.equal([]);
    expect(c.regressions).to.equal(1);
    expect(formatComparison(c)).to.contain('coverage-lost backend kernel: ran in the baseline, missing from the run');
  });

  it('flags throughput that fell and latency that rose beyond the threshold, nothing within it', () => {
    const base = kernelRun('a', 'uml', '6.1.176', {}, [
      point('afxdp', 'mrr_pps', 1e6),
      point('afxdp', 'ndr_pps', 5e5),
      point('afxdp', 'latency_p99_us', 100),
      point('ebpf', 'mrr_pps', 1e6),
    ]);
    const run = kernelRun('b', 'uml', '6.1.176', {}, [
      point('afxdp', 'mrr_pps', 8e5),
      point('afxdp', 'ndr_pps', 5.2e5),
      point('afxdp', 'latency_p99_us', 150),
      point('ebpf', 'mrr_pps', 1.5e6),
    ]);
    const c = compareRuns(base, run, { threshold: 0.1 });
    expect(c.benchmarks.map((b) => `${b.backend} ${b.metric} ${b.kind}`)).to.deep.equal([
      'afxdp mrr_pps regression',
      'afxdp ndr_pps same',
      'afxdp latency_p99_us regression',
      'ebpf mrr_pps improvement',
    ]);
    expect(c.regressions).to.equal(2);
    expect(compareRuns(base, run, { threshold: 0.6 }).regressions).to.equal(0);
  });

  it('does not call a drop within the trials spread of either run a regression', () => {
    const noisy = (value: number, min: number, max: number): BenchmarkPoint => ({ ...point('afxdp', 'mrr_pps', value), spread: { min, max } });
    const base = kernelRun('a', 'uml', '6.1.176', {}, [noisy(1e6, 0.6e6, 1.1e6)]);
    expect(
      compareRuns(base, kernelRun('b', 'uml', '6.1.176', {}, [noisy(0.7e6, 0.69e6, 0.71e6)]), { threshold: 0.1 }).regressions,
      'fell 0.3 M within a 0.5 M spread',
    ).to.equal(0);
    expect(compareRuns(base, kernelRun('b', 'uml', '6.1.176', {}, [noisy(0.4e6, 0.39e6, 0.41e6)]), { threshold: 0.1 }).regressions, 'fell 0.6 M').to.equal(1);
  });

  const latency = (fraction: number, value: number): BenchmarkPoint => ({ ...point('ebpf', 'latency_p99_us', value), loadFraction: fraction });

  it('matches latency points on their load fraction, so a regression at low load is not hidden by the high-load point', () => {
    const base = kernelRun('a', 'uml', '6.1.176', {}, [latency(0.1, 20), latency(0.5, 40), latency(0.9, 300)]);
    const run = kernelRun('b', 'uml', '6.1.176', {}, [latency(0.1, 90), latency(0.5, 41), latency(0.9, 300)]);
    const c = compareRuns(base, run);
    expect(c.benchmarks.map((b) => `${b.loadFraction} ${b.from}->${b.to} ${b.kind}`)).to.deep.equal([
      '0.1 20->90 regression',
      '0.5 40->41 same',
      '0.9 300->300 same',
    ]);
    expect(formatComparison(c)).to.contain('regression    ebpf latency_p99_us 64 B 1 flows at 10 % of NDR: 20 -> 90 us (x4.500)');
  });

  it('counts a baseline point with no counterpart, or one the run could not measure, as lost coverage', () => {
    const base = kernelRun('a', 'uml', '6.1.176', {}, [
      point('ebpf', 'mrr_pps', 1e6),
      point('ebpf', 'ndr_pps', 5e5),
      { ...point('ebpf', 'mrr_pps', 9e5), flows: 10000 },
    ]);
    const run = kernelRun('b', 'uml', '6.1.176', {}, [
      point('ebpf', 'mrr_pps', 1e6),
      { ...point('ebpf', 'mrr_pps', 0), flows: 10000, unsupported: 'ebpf holds 8192 flows' },
    ]);
    const c = compareRuns(base, run);
    expect(c.benchmarks.filter((b) => b.kind === 'coverage-lost').map((b) => `${b.metric} ${b.flows}: ${b.note}`)).to.deep.equal([
      'ndr_pps 1: measured in the baseline, not in the run',
      'mrr_pps 10000: not measured in the run: ebpf holds 8192 flows',
    ]);
    expect(c.regressions).to.equal(2);
  });

  const withConditions = (r: RunResults, over: Partial<NonNullable<RunResults['run']['benchmark']>> = {}): RunResults => ({
    ...r,
    run: {
      ...r.run,
      benchmark: sampleConditions(over),
    },
  });

  it('names the conditions that differ and never judges points measured under other conditions', () => {
    const base = withConditions(kernelRun('a', 'uml', '6.1.176', {}, [point('ebpf', 'mrr_pps', 1e6), point('ebpf', 'ndr_pps', 5e5)]));
    const precision = withConditions(kernelRun('b', 'uml', '6.1.176', {}, [point('ebpf', 'mrr_pps', 1e6), point('ebpf', 'ndr_pps', 1e5)]), {
      precision: 0.1,
      frameSizes: [64, 1518],
    });
    const c = compareRuns(base, precision);
    expect(c.conditions.map((x) => `${x.field}: ${x.baseline} -> ${x.run}`)).to.deep.equal(['precision: 0.02 -> 0.1', 'frameSizes: 64 -> 64,1518']);
    expect(c.benchmarks.map((b) => `${b.metric} ${b.kind}`)).to.deep.equal(['mrr_pps same', 'ndr_pps incomparable']);
    expect(c.regressions).to.equal(0);
    expect(formatComparison(c)).to.contain(
      'incomparable  ebpf ndr_pps 64 B 1 flows: 5.000e+5 -> 1.000e+5 pps (x0.200): measured under other conditions: precision 0.02 -> 0.1',
    );
    const trex = compareRuns(
      base,
      withConditions(kernelRun('b', 'uml', '6.1.176', {}, [point('ebpf', 'mrr_pps', 1e5), point('ebpf', 'ndr_pps', 1e5)]), {
        generator: 'trex',
        topology: 'lab1',
        trialMs: 10000,
      }),
    );
    expect(trex.benchmarks.map((b) => b.kind)).to.deep.equal(['incomparable', 'incomparable']);
    expect(trex.benchmarks[0]?.note).to.equal('measured under other conditions: generator soft -> trex, topology p2p -> lab1, trialMs 2000 -> 10000');
    expect(trex.regressions).to.equal(0);
  });

  it('shows points the generator bounded on either side without judging them', () => {
    const limited = (value: number): BenchmarkPoint => ({ ...point('ebpf-xdp', 'ndr_pps', value), generator: { name: 'soft', limited: true, note: '' } });
    const c = compareRuns(kernelRun('a', 'uml', '6.1.176', {}, [limited(2e6)]), kernelRun('b', 'uml', '6.1.176', {}, [point('ebpf-xdp', 'ndr_pps', 1e6)]));
    expect(c.benchmarks.map((b) => `${b.kind}: ${b.note}`)).to.deep.equal([
      'generator-limited: the generator bounded the baseline: not a figure of the target',
    ]);
    expect(c.regressions).to.equal(0);
  });

  it('never judges a point measured inside a guest kernel: shown side by side with its ratio to kernel there, never lost coverage', () => {
    const base = guestBenchRun();
    const q = '@debian-6.1.0-57-amd64';
    // ebpf halved in the guest, afxdp's point gone, baseline-xdp's column gone: nothing counts.
    const run: RunResults = {
      ...base,
      run: { ...base.run, id: 'b', backends: base.run.backends.filter((b) => b.id !== `baseline-xdp${q}`) },
      benchmarks: base.benchmarks
        .filter((p) => p.backend !== `afxdp${q}` && p.backend !== `baseline-xdp${q}`)
        .map((p) => (p.backend === `ebpf${q}` && p.flows === 1 ? { ...p, value: 45_000, spread: { min: 44_000, max: 46_000 } } : p)),
    };
    const c = compareRuns(base, run);
    expect(c.regressions).to.equal(0);
    expect(c.lostBackends).to.deep.equal([]);
    const ebpf = c.benchmarks.find((b) => b.backend === `ebpf${q}` && b.flows === 1);
    expect(ebpf).to.deep.include({
      from: 90_000,
      to: 45_000,
      kind: 'in-guest',
      note: "measured inside a guest kernel: the emulator's figure, not judged; MRR / kernel on that kernel 0.90 -> 0.45",
    });
    expect(c.benchmarks.find((b) => b.backend === `afxdp${q}`)?.note).to.equal(
      "measured inside a guest kernel: the emulator's figure, not judged (only in the baseline); MRR / kernel on that kernel 0.50 -> (none)",
    );
    expect(c.benchmarks.filter((b) => b.kind !== 'in-guest').map((b) => `${b.backend} ${b.kind}`)).to.deep.equal(['ebpf same']);
    expect(formatComparison(c)).to.contain('in-guest      ebpf@debian-6.1.0-57-amd64 mrr_pps 64 B 1 flows: 90000 -> 45000 pps (x0.500)');
    expect(comparisonHtml(c)).to.contain('<tr class="s-note"><td>in-guest</td>');
  });

  it('a column on the host in one run and in a guest in the other (a guest as first kernel) is not judged either', () => {
    const host = kernelRun('a', 'uml', '6.1.176', {}, [point('ebpf', 'mrr_pps', 1e6)]);
    const guest = kernelRun('b', 'uml', '6.1.176', {}, [point('ebpf', 'mrr_pps', 1e4)]);
    const inGuest: RunResults = {
      ...guest,
      run: {
        ...guest.run,
        backends: [...guest.run.backends.filter((b) => b.id !== 'ebpf'), { id: 'ebpf', available: true, versions: { guest: 'uml 6.1.176' } }],
      },
    };
    const c = compareRuns(host, inGuest);
    expect(c.benchmarks.map((b) => b.kind)).to.deep.equal(['in-guest']);
    expect(c.regressions).to.equal(0);
  });
});
