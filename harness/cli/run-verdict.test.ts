import { expect } from 'chai';
import type { CaseResult, RunResults } from '../results/results.js';
import { sampleResults } from '../results/results.test.js';
import { EXIT } from './errors.js';
import { runVerdict } from './run.js';

const withCases = (cases: Partial<CaseResult>[]): RunResults => {
  const r = sampleResults();
  return { ...r, cases: cases.map((c, i) => ({ ...(r.cases[0] as CaseResult), id: `case${i}`, ...c })) };
};
const finding = { status: 'fail' as const, reason: 'a known divergence of this datapath', source: 'suites/expectations/afxdp.yaml' };

describe('dplab run: exit code and summary', () => {
  it('exits 0 when every failure is a known finding that behaved as expected, and says so', () => {
    const v = runVerdict(withCases([{ status: 'pass' }, { status: 'fail', reason: 'h2: got 0', expectation: finding, expected: true }]));
    expect(v.code).to.equal(EXIT.ok);
    expect(v.lines).to.deep.equal(['1 known finding(s) behaved as expected: afxdp case1 fail']);
  });

  it('exits 1 on an unexpected failure, error or timeout, and names them', () => {
    for (const status of ['fail', 'error', 'timeout'] as const) {
      const v = runVerdict(withCases([{ status: 'pass' }, { status }]));
      expect(v.code, status).to.equal(EXIT.failures);
      expect(v.lines).to.deep.equal([`1 unexpected outcome(s): afxdp case1 ${status}`]);
    }
  });

  it('exits 1 when an expected failure now passes, naming the expectation to remove', () => {
    const v = runVerdict(withCases([{ status: 'pass', expectation: finding, expected: false }]));
    expect(v.code).to.equal(EXIT.failures);
    expect(v.lines).to.deep.equal([
      'expectation no longer holds: afxdp conformance/case0 is pass, expected fail (suites/expectations/afxdp.yaml): update or remove it',
    ]);
  });

  it('does not fail a run for cases a backend lacks the feature for, or the environment skipped', () => {
    expect(runVerdict(withCases([{ status: 'pass' }, { status: 'unsupported' }, { status: 'skipped' }])).code).to.equal(EXIT.ok);
  });

  it('never exits 0 when every selected case was skipped and nothing was measured: exit 3 with why', () => {
    const v = runVerdict(
      withCases([
        { status: 'skipped', backend: 'kernel', reason: 'no openvswitch kernel module (use --kernel)' },
        { status: 'skipped', backend: 'kernel', reason: 'no openvswitch kernel module (use --kernel)' },
      ]),
    );
    expect(v.code).to.equal(EXIT.environment);
    expect(v.lines[0]).to.equal('nothing ran: every case was skipped (kernel: no openvswitch kernel module (use --kernel))');
    const measured = {
      ...withCases([{ status: 'skipped' }]),
      benchmarks: [
        {
          backend: 'baseline-xdp',
          metric: 'mrr_pps',
          frameSize: 64,
          flows: 1,
          value: 1,
          unit: 'pps',
          trials: [],
          generator: { name: 'soft', note: '', limited: false },
        },
      ],
    };
    expect(runVerdict(measured).code, 'benchmarks ran').to.equal(EXIT.ok);
  });
});
