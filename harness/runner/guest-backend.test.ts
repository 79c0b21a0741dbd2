import { expect } from 'chai';
import { loadTopology } from '../../topologies/load.js';
import { HOST_KERNEL } from '../guest/kernel-list.js';
import { isGuestColumn } from '../results/guest-ratios.js';
import { sampleConditions, samplePoint, sampleResults } from '../results/results.test.js';
import type { RunResults } from '../results/results.js';
import { guestBenchmarkBlocker, guestResultsIn, guestRunArgs, type GuestPlan } from './guest-backend.js';

const plan = (suites: string[]): GuestPlan => ({
  kernel: HOST_KERNEL,
  backendIds: ['kernel', 'ebpf'],
  topology: loadTopology('p2p'),
  suites,
  groups: [],
});

describe('guest runs: the command line and the results taken back', () => {
  it('asks the guest for the guest benchmark plan when the run has the benchmark suite, not otherwise', () => {
    expect(guestRunArgs(plan(['conformance', 'benchmark']), '/o/run')).to.deep.equal([
      'run',
      '--backend',
      'kernel,ebpf',
      '--topology',
      'p2p',
      '--suite',
      'conformance,benchmark',
      '--out',
      '/o/run',
      '--bench-plan',
      'guest',
    ]);
    expect(guestRunArgs(plan(['conformance']), '/o/run')).to.not.include('--bench-plan');
  });

  it('takes the points and baselines back as guest columns, each point naming the guest and its plan', () => {
    const inner = sampleResults();
    const guestRun: RunResults = {
      ...inner,
      run: {
        ...inner.run,
        kernel: '6.1.0-57-amd64',
        suites: ['benchmark'],
        backends: [
          { id: 'baseline-xdp', available: true, product: 'xdp-redirect', versions: {} },
          { id: 'kernel', available: true, product: 'ovs-kernel/ovs-3.1.0/linux-6.1.0-57-amd64', versions: { ovs: '3.1.0' } },
          { id: 'ebpf', available: true, product: 'ebpf-tc', versions: {} },
        ],
        benchmark: sampleConditions({ flows: [1, 1000], setupFlows: 10000 }),
      },
      cases: [],
      benchmarks: [
        samplePoint('baseline-xdp', 'mrr_pps', 4e5),
        samplePoint('kernel', 'mrr_pps', 1e5, { generator: { name: 'soft', note: 'dplab-gen', limited: false } }),
      ],
    };
    const part = guestResultsIn(guestRun, ['kernel', 'ebpf'], { label: 'qemu-tcg 6.1.0-57-amd64', kind: 'qemu' });
    expect(part.identities.map((b) => `${b.id} ${b.product} ${b.versions.guest}`)).to.deep.equal([
      'kernel ovs-kernel/ovs-3.1.0/linux-6.1.0-57-amd64-qemu qemu-tcg 6.1.0-57-amd64',
      'ebpf ebpf-tc-qemu qemu-tcg 6.1.0-57-amd64',
      'baseline-xdp xdp-redirect-qemu qemu-tcg 6.1.0-57-amd64',
    ]);
    expect(part.benchmarks.map((p) => p.backend)).to.deep.equal(['baseline-xdp', 'kernel']);
    expect(part.benchmarks[1]?.generator.note).to.equal(
      'dplab-gen; measured inside qemu-tcg 6.1.0-57-amd64: the emulator sets the figure, read it as a ratio to kernel there; guest plan: 3 x 2 s trials after 0.5 s ramp, 64 B, 1,1000 flows',
    );
    const merged = { ...guestRun, run: { ...guestRun.run, backends: part.identities } };
    expect(part.benchmarks.every((p) => isGuestColumn(merged, p.backend))).to.equal(true);
  });

  it('skips the benchmarks in a UML guest, saying why (its verifier refuses the generator), not in a qemu one', () => {
    const base = { modules: '/m', version: '6.1.176', label: 'uml 6.1.176' };
    expect(guestBenchmarkBlocker({ ...base, kind: 'uml', binary: '/usr/bin/linux.uml' })).to.match(/unaligned offsets.*HAVE_EFFICIENT_UNALIGNED_ACCESS/);
    expect(guestBenchmarkBlocker({ ...base, kind: 'qemu', image: '/vmlinuz', accel: 'tcg' })).to.equal(undefined);
  });
});
