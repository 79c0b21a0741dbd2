import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launchChromium, openReport } from '../../reports/browser.js';
import { parseResults, type RunResults } from '../../harness/results/results.js';
import { leftovers } from '../lifecycle/leftovers.js';
import { reportCharts } from '../report/charts.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

/**
 * The run's report.html in headless Chromium: Chart.js draws every chart the results have points
 * for (the latency chart needs a target whose NDR was above 0; report.spec draws all four from a
 * recorded run).
 */
async function chartsDrawn(out: string, results: RunResults): Promise<void> {
  if (!existsSync(CHROMIUM)) return;
  const latency = results.benchmarks.some((b) => b.metric.startsWith('latency_'));
  const browser = await launchChromium();
  try {
    const charts = await reportCharts(await openReport(browser, join(out, 'report.html')));
    const drawn = charts.map((c) => `${c.id} ${c.drawn ? 'drawn' : 'empty'}`);
    expect(drawn).to.deep.equal(['chart-frame-size drawn', 'chart-flows drawn', `chart-latency ${latency ? 'drawn' : 'empty'}`, 'chart-ratio drawn']);
  } finally {
    await browser.close();
  }
}

/** The benchmark machinery, briefly (figures are not asserted: benchmarks are not timed tests). */
describe('dplab bench --smoke (every target, a few seconds each)', function () {
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  it('measures the baselines and every host backend on p2p veth and records every metric', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dplab-bench-'));
    const r = spawnSync(process.execPath, [CLI, 'bench', '--smoke', '--out', out], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/target +MRR Mpps +vs XDP +NDR Mpps +vs XDP +PDR Mpps +vs XDP\nbaseline-xdp +\d+\.\d{3}\*? +100 %/);
    const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
    const targets = ['baseline-xdp', 'linux-bridge', 'afxdp', 'ebpf', 'ebpf-xdp'];
    expect([...new Set(results.benchmarks.map((b) => b.backend))]).to.deep.equal(targets);
    for (const t of targets) {
      const metrics = results.benchmarks.filter((b) => b.backend === t).map((b) => b.metric);
      expect(metrics, t).to.include.members(['mrr_pps', 'ndr_pps', 'pdr_pps']);
      if (['afxdp', 'ebpf', 'ebpf-xdp'].includes(t)) expect(metrics, t).to.include('flow_setup_per_s');
      // Latency is taken at half the NDR; with no NDR the run says why instead of a figure.
      const ndr = results.benchmarks.find((b) => b.backend === t && b.metric === 'ndr_pps');
      if (ndr?.value) expect(metrics, t).to.include.members(['latency_p50_us', 'latency_p90_us', 'latency_p99_us', 'latency_max_us']);
      else expect(r.stdout + r.stderr, t).to.contain(`[${t}] 64 B, 1 flow: latency not measured: no rate passed without loss (NDR 0 in 6 trials)`);
    }
    for (const b of results.benchmarks) {
      for (const t of b.trials) {
        // Honesty: what the generator counted is what the interfaces saw; nothing arrives unsent.
        expect(t.sent, `${b.backend} ${b.metric}`).to.equal((t.txIf ?? 0) + (t.txDroppedIf ?? 0));
        expect(t.received, `${b.backend} ${b.metric}`).to.be.at.most(t.sent ?? 0);
      }
      if (b.metric === 'ndr_pps' || b.metric === 'pdr_pps') expect(b.search?.trials).to.equal(b.trials.length);
    }
    expect(results.run.backends.map((b) => b.id)).to.include.members(targets);
    expect(readFileSync(join(out, 'benchmarks.csv'), 'utf8').split('\n')[0]).to.match(/^run,backend,kernel,product,metric,/);
    expect(await leftovers(results.run.id)).to.deep.equal([]);
    await chartsDrawn(out, results);
  });

  it('rejects bad numbers before creating anything', () => {
    for (const [args, message] of [
      [['--trial-s', '0'], '--trial-s 0: want a number 0.1..600'],
      [['--frame-sizes', '64,jumbo'], '--frame-sizes jumbo: want a whole number 64..1518'],
      [['--metrics', 'mrr,speed'], '--metrics speed: want some of mrr, ndr, pdr, latency, flow-setup'],
      [['--flows', '0'], '--flows 0: want a whole number 1..1000000'],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, 'bench', ...args], { encoding: 'utf8' });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal(`dplab: ${message}\n`);
    }
  });
});
