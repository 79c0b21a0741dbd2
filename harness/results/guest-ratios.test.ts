import { expect } from 'chai';
import { guestBenchmarks, guestRatio, hostPoints, isGuestColumn } from './guest-ratios.js';
import type { BackendIdentity, BenchmarkPoint, RunResults } from './results.js';
import { samplePoint, sampleResults } from './results.test.js';

const QEMU = { kernel: '6.1.0-57-amd64', guest: 'qemu-tcg 6.1.0-57-amd64' };
const UML = { kernel: '6.1.176', guest: 'uml 6.1.176' };

/** An MRR point of three trials (median `value`), at 64 B and `flows`. */
export function mrr(backend: string, value: number, min: number, max: number, flows = 1, extra: Partial<BenchmarkPoint> = {}): BenchmarkPoint {
  return samplePoint(backend, 'mrr_pps', value, {
    flows,
    spread: { min, max },
    trials: [min, value, max].map((v) => ({ value: v, seconds: 2 })),
    ...extra,
  });
}

const guestId = (id: string, where: { kernel: string; guest: string }, extra: Partial<BackendIdentity> = {}): BackendIdentity => ({
  id,
  available: true,
  product: `${id}/linux-${where.kernel}`,
  versions: { ovs: '3.1.0', ...where },
  ...extra,
});

/**
 * A run on the host (ebpf) and two guests: qemu with kernel, ebpf and afxdp measured (ebpf-xdp
 * broke off), and UML where only kernel could run.
 */
export function guestBenchRun(): RunResults {
  const r = sampleResults();
  const q = '@debian-6.1.0-57-amd64';
  const u = '@uml-debian';
  return {
    ...r,
    run: {
      ...r.run,
      suites: ['benchmark'],
      backends: [
        { id: 'ebpf', available: true, product: 'ebpf-tc/linux-6.18', versions: {} },
        ...['kernel', 'ebpf', 'afxdp', 'ebpf-xdp', 'baseline-xdp'].map((b) => guestId(`${b}${q}`, QEMU)),
        guestId(`kernel${u}`, UML),
        guestId(`ebpf${u}`, UML, { available: false, reason: 'no kernel BTF (/sys/kernel/btf/vmlinux)' }),
      ],
    },
    cases: [
      {
        id: 'benchmark',
        title: 'benchmark suite',
        suite: 'benchmark',
        backend: `ebpf-xdp${q}`,
        features: [],
        status: 'error',
        reason: 'XDP attach failed',
        durationMs: 0,
      },
    ],
    benchmarks: [
      mrr('ebpf', 3_000_000, 2_900_000, 3_100_000),
      mrr(`baseline-xdp${q}`, 400_000, 390_000, 410_000),
      mrr(`kernel${q}`, 100_000, 95_000, 105_000),
      mrr(`kernel${q}`, 80_000, 80_000, 80_000, 1000),
      mrr(`ebpf${q}`, 90_000, 85_000, 100_000),
      mrr(`ebpf${q}`, 60_000, 58_000, 62_000, 1000),
      mrr(`afxdp${q}`, 50_000, 50_000, 52_000, 1, { generator: { name: 'soft', note: '', limited: true } }),
      mrr(`afxdp${q}`, 0, 0, 0, 1000, { unsupported: 'afxdp holds 500 flows' }),
      mrr(`kernel${u}`, 20_000, 19_000, 21_000),
      mrr(`kernel${u}`, 15_000, 14_000, 16_000, 1000),
    ],
  };
}

describe('in-guest benchmarks: MRR as ratios to kernel on the same kernel', () => {
  const r = guestBenchRun();

  it('tells guest columns (their identity names a guest) from host ones', () => {
    expect(isGuestColumn(r, 'ebpf')).to.equal(false);
    expect(isGuestColumn(r, 'ebpf@debian-6.1.0-57-amd64')).to.equal(true);
    expect(hostPoints(r).map((p) => p.backend)).to.deep.equal(['ebpf']);
  });

  it('takes each target over kernel at the same frame size and flows; the range spans both trial spreads', () => {
    const [qemu] = guestBenchmarks(r);
    expect(qemu?.kernel).to.equal('6.1.0-57-amd64 (qemu-tcg)');
    expect(qemu?.guest).to.equal('qemu-tcg 6.1.0-57-amd64');
    expect(qemu?.reference).to.equal('kernel@debian-6.1.0-57-amd64');
    const at = (column: string, flows: number) => qemu?.ratios.find((x) => x.column === column && x.flows === flows);
    const ebpf1 = at('ebpf@debian-6.1.0-57-amd64', 1);
    expect(ebpf1?.ratio).to.equal(0.9);
    expect(ebpf1?.lo).to.be.closeTo(85_000 / 105_000, 1e-12);
    expect(ebpf1?.hi).to.be.closeTo(100_000 / 95_000, 1e-12);
    expect(at('ebpf@debian-6.1.0-57-amd64', 1000)?.ratio).to.equal(0.75);
    // The reference: 1, its own trials over its median.
    expect(at('kernel@debian-6.1.0-57-amd64', 1)).to.include({ ratio: 1, lo: 0.95, hi: 1.05 });
    expect(at('baseline-xdp@debian-6.1.0-57-amd64', 1)?.ratio).to.equal(4);
    expect(qemu?.trials).to.deep.equal({ perPoint: 3, seconds: 2 });
    expect(qemu?.noRatios).to.equal(undefined);
  });

  it('marks a generator-limited point, keeps an unsupported one with its reason, lists what was not measured and why', () => {
    const [qemu] = guestBenchmarks(r);
    const afxdp = qemu?.ratios.filter((x) => x.backend === 'afxdp');
    expect(afxdp?.[0]).to.include({ ratio: 0.5, generatorLimited: 'the generator bounded afxdp@debian-6.1.0-57-amd64' });
    expect(afxdp?.[1]).to.deep.equal({
      column: 'afxdp@debian-6.1.0-57-amd64',
      backend: 'afxdp',
      frameSize: 64,
      flows: 1000,
      unsupported: 'afxdp holds 500 flows',
    });
    expect(qemu?.notMeasured).to.deep.equal([{ column: 'ebpf-xdp@debian-6.1.0-57-amd64', reason: 'benchmark error: XDP attach failed' }]);
  });

  it('on a kernel where only kernel ran (UML): no ratios, saying why, and why the others did not run', () => {
    const uml = guestBenchmarks(r)[1];
    expect(uml?.kernel).to.equal('6.1.176 (uml)');
    expect(uml?.ratios.map((x) => `${x.column} ${x.flows} ${x.ratio}`)).to.deep.equal(['kernel@uml-debian 1 1', 'kernel@uml-debian 1000 1']);
    expect(uml?.noRatios).to.equal('no other target was measured next to kernel@uml-debian here');
    expect(uml?.notMeasured).to.deep.equal([{ column: 'ebpf@uml-debian', reason: 'no kernel BTF (/sys/kernel/btf/vmlinux)' }]);
  });

  it('without a kernel figure there is nothing to take ratios to', () => {
    const noKernel = { ...r, benchmarks: r.benchmarks.filter((p) => !p.backend.startsWith('kernel@debian')) };
    const [qemu] = guestBenchmarks(noKernel);
    expect(qemu?.noRatios).to.equal('kernel@debian-6.1.0-57-amd64 was not measured here (see not measured): there is nothing to take ratios to');
    expect(qemu?.ratios.every((x) => x.ratio === undefined)).to.equal(true);
    expect(guestRatio(mrr('ebpf', 5, 4, 6), undefined, false)).to.deep.equal({ column: 'ebpf', backend: 'ebpf', frameSize: 64, flows: 1 });
  });

  it('a guest that was the run’s first kernel: its columns are plain ids, the reference is kernel', () => {
    const first: RunResults = {
      ...r,
      run: { ...r.run, backends: ['kernel', 'ebpf'].map((b) => guestId(b, QEMU)) },
      cases: [],
      benchmarks: [mrr('kernel', 100, 100, 100), mrr('ebpf', 120, 110, 130)],
    };
    const [g] = guestBenchmarks(first);
    expect(g?.reference).to.equal('kernel');
    expect(g?.ratios.map((x) => x.ratio)).to.deep.equal([1, 1.2]);
    expect(hostPoints(first)).to.deep.equal([]);
  });

  it('says nothing for runs without the benchmark suite, or whose guests measured nothing (before guests ran benchmarks)', () => {
    expect(guestBenchmarks({ ...r, run: { ...r.run, suites: ['conformance'] } })).to.deep.equal([]);
    expect(guestBenchmarks({ ...r, cases: [], benchmarks: hostPoints(r) })).to.deep.equal([]);
  });
});
