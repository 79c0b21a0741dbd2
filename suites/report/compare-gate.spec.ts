import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResults, type BenchmarkPoint, type CaseResult, type RunResults } from '../../harness/results/results.js';
import { dplab } from '../dplab-cli.js';

/** A real main-job run on this VM (conformance + datapath on every backend, benchmarks), case details left out. */
const FIXTURE = fileURLToPath(new URL('../../../reports/fixtures/main-job-results.json', import.meta.url));
const recorded = (): RunResults => parseResults(readFileSync(FIXTURE, 'utf8'), FIXTURE);

/** A run directory holding the recorded run, edited. */
function runDir(edit: (r: RunResults) => void = () => undefined): string {
  const r = structuredClone(recorded());
  edit(r);
  const dir = mkdtempSync(join(tmpdir(), 'dplab-gate-'));
  writeFileSync(join(dir, 'results.json'), JSON.stringify(r));
  return dir;
}

const passing = (r: RunResults, backend: string): CaseResult =>
  r.cases.find((c) => c.backend === backend && c.status === 'pass' && c.suite === 'conformance') as CaseResult;
const point = (r: RunResults, backend: string, metric: string, loadFraction?: number): BenchmarkPoint =>
  r.benchmarks.find((p) => p.backend === backend && p.metric === metric && p.loadFraction === loadFraction && !p.unsupported) as BenchmarkPoint;
/** A figure moved far past the threshold and the noise of both sides, in the bad direction. */
function worsen(p: BenchmarkPoint): void {
  const width = p.spread ? p.spread.max - p.spread.min : 0;
  p.value = p.metric.startsWith('latency') ? p.value * 10 + 2 * width : Math.max(1, Math.round((p.value - width) * 0.2));
  p.spread = { min: p.value, max: p.value };
}

/** `dplab compare` as a CI gate: each kind of regression exits 1, the same run exits 0. */
describe('dplab compare as a CI gate, on a real run and edited copies of it', function () {
  const baseline = runDir();

  it('passes a run against itself', () => {
    const r = dplab(['compare', baseline, runDir()]);
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.match(/no regressions\n$/);
    expect(r.stdout, 'no column changed kernel').to.not.contain('kernel diff');
  });

  it('shows the kernel diff of a backend that ran on another kernel, without counting it', () => {
    const moved = runDir((r) => {
      const k = r.run.backends.find((b) => b.id === 'kernel') as NonNullable<RunResults['run']['backends'][number]>;
      k.versions = { ...k.versions, kernel: '6.12.9', guest: 'qemu 6.12.9' };
      k.unsupported = { ...k.unsupported, 'ct.zone_limit': 'no ct_limit on this kernel' };
    });
    const r = dplab(['compare', baseline, moved]);
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout)
      .to.match(
        /^kernel diff \(informational: the same backend on two kernels\):\n {2}kernel: 6\.1\.176 \(uml\) -> 6\.12\.9 \(qemu\): (\d+) case\(s\) compared, \1 same, 0 differ$/m,
      )
      .and.match(/^ {4}feature ct\.zone_limit: unsupported on 6\.12\.9 \(qemu\): no ct_limit on this kernel$/m);
  });

  const regressions: [string, (r: RunResults) => void, RegExp][] = [
    [
      'a passing case now fails',
      (r) => Object.assign(passing(r, 'ebpf'), { status: 'fail', reason: 'h2: expected 1 frame(s), got 0' }),
      /^regression +ebpf conformance\/\S+: pass -> fail/m,
    ],
    [
      'a passing case now skipped',
      (r) => Object.assign(passing(r, 'afxdp'), { status: 'skipped', reason: 'needs 3 endpoints' }),
      /^coverage-lost +afxdp conformance\/\S+: pass -> skipped/m,
    ],
    [
      'a passing case now unsupported',
      (r) => Object.assign(passing(r, 'ebpf-xdp'), { status: 'unsupported', reason: 'vlan.push: not probed' }),
      /^coverage-lost +ebpf-xdp conformance\/\S+: pass -> unsupported/m,
    ],
    ['a passing case now absent', (r) => r.cases.splice(r.cases.indexOf(passing(r, 'kernel')), 1), /^coverage-lost +kernel conformance\/\S+: pass -> absent/m],
    [
      'a new case that errors',
      (r) => r.cases.push({ ...passing(r, 'ebpf'), id: 'new.case', status: 'error', reason: 'agent died' }),
      /^regression +ebpf conformance\/new\.case: absent -> error/m,
    ],
    [
      'a new case that times out',
      (r) => r.cases.push({ ...passing(r, 'ebpf'), id: 'new.case', status: 'timeout', reason: 'no result within 45000 ms' }),
      /^regression +ebpf conformance\/new\.case: absent -> timeout/m,
    ],
    [
      'a benchmark point with no counterpart',
      (r) => r.benchmarks.splice(r.benchmarks.indexOf(point(r, 'afxdp', 'pdr_pps')), 1),
      /^coverage-lost +afxdp pdr_pps 64 B 1 flows: \S+ -> \(none\) pps: measured in the baseline, not in the run/m,
    ],
    [
      'a backend missing from the run',
      (r) => {
        r.run.backends = r.run.backends.filter((b) => b.id !== 'ebpf-xdp');
        r.cases = r.cases.filter((c) => c.backend !== 'ebpf-xdp');
        r.benchmarks = r.benchmarks.filter((p) => p.backend !== 'ebpf-xdp');
      },
      /^coverage-lost +backend ebpf-xdp: ran in the baseline, missing from the run/m,
    ],
    ['throughput that fell', (r) => worsen(point(r, 'ebpf', 'mrr_pps')), /^regression +ebpf mrr_pps 64 B 1 flows: /m],
    [
      'latency that rose at the lowest load only',
      (r) =>
        worsen(point(r, 'ebpf', 'latency_p99_us', Math.min(...r.benchmarks.filter((p) => p.loadFraction !== undefined).map((p) => p.loadFraction as number)))),
      /^regression +ebpf latency_p99_us 64 B 1 flows at 10 % of NDR: /m,
    ],
  ];
  for (const [what, edit, line] of regressions) {
    it(`fails on ${what}`, () => {
      const r = dplab(['compare', baseline, runDir(edit)]);
      expect(r.code, r.stdout).to.equal(1);
      expect(r.stdout).to.match(line);
      expect(r.stdout).to.match(/^1 regression\(s\)\n$/m);
    });
  }

  it('accepts lost coverage as warnings with --allow-coverage-loss, never a new failure', () => {
    const skipped = runDir((r) => Object.assign(passing(r, 'afxdp'), { status: 'skipped', reason: 'deliberately not run' }));
    const warned = dplab(['compare', baseline, skipped, '--allow-coverage-loss']);
    expect(warned.code, warned.stdout).to.equal(0);
    expect(warned.stdout)
      .to.match(/^warning +afxdp conformance\/\S+: pass -> skipped/m)
      .and.match(/no regressions, 1 coverage warning\(s\) \(--allow-coverage-loss\)\n$/);
    const failed = runDir((r) => Object.assign(passing(r, 'afxdp'), { status: 'fail', reason: 'h2: expected 1 frame(s), got 0' }));
    expect(dplab(['compare', baseline, failed, '--allow-coverage-loss']).code).to.equal(1);
  });

  it('names conditions that differ and does not judge the points measured under them', () => {
    const longer = runDir((r) => {
      (r.run.benchmark as NonNullable<RunResults['run']['benchmark']>).trialMs = 10_000;
      worsen(point(r, 'ebpf', 'mrr_pps'));
    });
    const c = dplab(['compare', baseline, longer]);
    expect(c.code, c.stdout).to.equal(0);
    expect(c.stdout)
      .to.match(/^conditions differ: trialMs: 2000 -> 10000$/m)
      .and.match(/^incomparable +ebpf mrr_pps 64 B 1 flows: .*measured under other conditions: trialMs 2000 -> 10000$/m);
  });

  it('shows a point the generator bounded without judging it', () => {
    const limited = runDir((r) => {
      const p = point(r, 'ebpf', 'mrr_pps');
      worsen(p);
      p.generator.limited = true;
    });
    const c = dplab(['compare', baseline, limited]);
    expect(c.code, c.stdout).to.equal(0);
    expect(c.stdout).to.match(/^generator-limited ebpf mrr_pps 64 B 1 flows: .*the generator bounded the run/m);
  });
});
