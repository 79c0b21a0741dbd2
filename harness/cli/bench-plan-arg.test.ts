import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BENCH_PLANS, DEFAULT_PLAN, GUEST_PLAN } from '../bench/plan.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const dplab = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('dplab run --bench-plan', () => {
  it('names the plans a guest kernel and the host measure: the guest one MRR only at 64 B, 1 and 1000 flows, the host trials', () => {
    expect(Object.keys(BENCH_PLANS)).to.deep.equal(['default', 'guest']);
    expect(GUEST_PLAN).to.deep.include({ frameSizes: [64], flows: [1, 1000], trialMs: DEFAULT_PLAN.trialMs, repeats: DEFAULT_PLAN.repeats });
    expect([...GUEST_PLAN.metrics]).to.deep.equal(['mrr']);
  });

  it('refuses an unknown plan: one line naming the flag, exit 2', () => {
    const r = dplab('run', '--suite', 'benchmark', '--bench-plan', 'fast');
    expect(r.status).to.equal(2);
    expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
    expect(r.stderr).to.contain("'--bench-plan <plan>' argument 'fast' is invalid");
  });

  it('refuses a plan without the benchmark suite: one line, exit 2', () => {
    const r = dplab('run', '--suite', 'conformance', '--bench-plan', 'guest');
    expect(r.status).to.equal(2);
    expect(r.stderr).to.equal('dplab: --bench-plan: only with --suite benchmark (or all)\n');
  });
});
