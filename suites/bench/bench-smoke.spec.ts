import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResults } from '../../harness/results/results.js';
import { leftovers } from '../lifecycle/leftovers.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

/** The benchmark machinery, briefly (figures are not asserted: benchmarks are not timed tests). */
describe('dplab bench (smoke: 1 trial of 1 s)', function () {
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  it('measures the XDP ceiling and a backend on p2p veth and records both points', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dplab-bench-'));
    const r = spawnSync(process.execPath, [CLI, 'bench', '--backend', 'ebpf', '--duration-s', '1', '--trials', '1', '--out', out], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^target +MRR +vs XDP\nbaseline-xdp +\d+\.\d{3} Mpps +100\.0 %/);
    expect(r.stdout).to.match(/\nebpf +\d+\.\d{3} Mpps +\d+\.\d %/);
    const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
    expect(results.benchmarks.map((b) => b.backend)).to.deep.equal(['baseline-xdp', 'ebpf']);
    for (const b of results.benchmarks) {
      const [t] = b.trials;
      expect(b.value, `${b.backend} rate`).to.be.greaterThan(0);
      expect(t?.received ?? 0, `${b.backend}: received <= sent`).to.be.at.most(t?.sent ?? 0);
      expect(b.generator.limited, 'limited iff (almost) all sent arrived').to.equal((t?.received ?? 0) >= (t?.sent ?? 0) * 0.999);
    }
    expect(await leftovers(results.run.id)).to.deep.equal([]);
  });

  it('rejects bad numbers before creating anything', () => {
    const r = spawnSync(process.execPath, [CLI, 'bench', '--duration-s', '0'], { encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.equal('dplab: --duration-s 0: want a whole number 1..600\n');
  });
});
