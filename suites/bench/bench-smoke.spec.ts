import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launchChromium, openReport } from '../../reports/browser.js';
import { parseResults, type BenchmarkPoint, type RunResults } from '../../harness/results/results.js';
import { leftovers } from '../lifecycle/leftovers.js';
import { HOLLOW } from '../../reports/charts.js';
import { reportCharts, type ReportChart } from '../report/charts.js';
import { softGeneratorRefusal } from '../../harness/traffic/soft/generator-probe.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

/**
 * The run's report.html in headless Chromium: Chart.js draws every chart the results have points
 * for (the latency chart needs a target whose NDR was above 0). One frame size and one flow
 * count: throughput as bars per target, no "vs" chart of a single x value; latency as percentile
 * curves on a log axis; generator-limited figures hollow.
 */
async function chartsDrawn(out: string, results: RunResults): Promise<void> {
  if (!existsSync(CHROMIUM)) return;
  const latency = results.benchmarks.some((b) => b.metric.startsWith('latency_'));
  const browser = await launchChromium();
  try {
    const charts = await reportCharts(await openReport(browser, join(out, 'report.html')));
    const drawn = charts.map((c) => `${c.id} ${c.drawn ? 'drawn' : 'empty'}`);
    const ids = ['chart-throughput', ...(latency ? ['chart-latency'] : []), 'chart-ratio', 'chart-flow-setup'];
    expect(drawn).to.deep.equal(ids.map((id) => `${id} drawn`));
    const chart = (id: string) => charts.find((c) => c.id === id) as ReportChart;
    const mrr = results.benchmarks.filter((b) => b.metric === 'mrr_pps');
    expect(chart('chart-throughput').data[0]).to.deep.equal(mrr.map((b) => b.value / 1e6));
    if (latency) {
      expect(chart('chart-latency').yScale).to.equal('logarithmic');
      expect(chart('chart-latency').labels).to.deep.equal(['p50', 'p90', 'p99', 'max']);
    }
    const setup = chart('chart-flow-setup');
    const limited = setup.labels.map((b) => results.benchmarks.find((p) => p.backend === b && p.metric === 'flow_setup_per_s')?.generator.limited === true);
    expect(setup.datasets[0]?.fills.map((f) => f === HOLLOW)).to.deep.equal(limited);
  } finally {
    await browser.close();
  }
}

/** The highest rate a search's passing trials proved: what was asked, or less where the generator fell short. */
function provenPps(p: BenchmarkPoint): number {
  return Math.max(0, ...p.trials.filter((t) => t.pass).map((t) => Math.min(t.requestedPps ?? 0, t.offeredPps ?? 0)));
}

/** The benchmark machinery, briefly: timing is not asserted, but every figure must be what its trials show. */
describe('dplab bench --smoke (every target, a few seconds each)', function () {
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  it('measures the baselines and every host backend on p2p veth; each figure is what its trials show', async function () {
    const refused = await softGeneratorRefusal();
    if (refused) {
      console.log(`      skipped: ${refused}`);
      this.skip();
    }
    const out = mkdtempSync(join(tmpdir(), 'dplab-bench-'));
    const r = spawnSync(process.execPath, [CLI, 'bench', '--smoke', '--out', out], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/target +MRR Mpps +vs XDP +NDR Mpps +vs XDP +PDR Mpps +vs XDP\nbaseline-xdp +\d+\.\d{3}\*? +100 %/);
    const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
    const targets = ['baseline-xdp', 'linux-bridge', 'afxdp', 'ebpf', 'ebpf-xdp'];
    expect([...new Set(results.benchmarks.map((b) => b.backend))]).to.deep.equal(targets);
    expect(results.run.benchmark, 'the conditions compare checks').to.deep.include({
      generator: 'soft',
      topology: 'p2p',
      trialMs: 300,
      repeats: 1,
      precision: 0.25,
    });
    const log = r.stdout + r.stderr;
    for (const t of targets) {
      const of = (metric: string) => results.benchmarks.find((b) => b.backend === t && b.metric === metric) as BenchmarkPoint;
      // Every target forwards: a veth pair through any of them carries traffic at full load.
      expect(of('mrr_pps')?.value, `${t} MRR`).to.be.greaterThan(0);
      expect(of('mrr_pps').value, `${t} MRR is its trial's forwarded rate`).to.equal(of('mrr_pps').trials[0]?.value);
      for (const metric of ['ndr_pps', 'pdr_pps']) {
        const p = of(metric);
        expect(p.search?.ended, `${t} ${metric}: why the search ended`).to.match(
          /^(converged: \d+\.\.\d+ pps within 25 % after \d+ trials|trial budget \(6\) spent with \d+\.\.\d+ pps still open|inconsistent: a trial failed at \d+ pps, below \d+ pps that passed, after \d+ trials|nothing passed: .*)$/,
        );
        expect(p.search?.trials).to.equal(p.trials.length);
        expect(
          p.trials.every((x) => x.pass === (x.lossRatio ?? 1) <= (p.search?.lossThreshold ?? 0)),
          `${t} ${metric}: pass means within the loss threshold`,
        ).to.equal(true);
        // The PDR search starts from the NDR: what passed without loss passes any threshold.
        const floor = metric === 'pdr_pps' ? of('ndr_pps').value : 0;
        expect(Math.abs(p.value - Math.max(floor, provenPps(p))), `${t} ${metric} ${p.value} is the highest rate a trial passed at`).to.be.at.most(1);
        // RFC 2544: the answer is re-measured at the rate found (one repeat in a smoke run).
        if (p.value > 0) expect(p.confirm?.trials.length, `${t} ${metric} confirmed`).to.equal(1);
      }
      // Latency is taken at half the NDR; with no NDR the run says why instead of a figure.
      const metrics = results.benchmarks.filter((b) => b.backend === t).map((b) => b.metric);
      if (of('ndr_pps').value > 0) expect(metrics, t).to.include.members(['latency_p50_us', 'latency_p90_us', 'latency_p99_us', 'latency_max_us']);
      else expect(log, t).to.contain(`[${t}] 64 B, 1 flow: latency not measured: no rate passed without loss (NDR 0)`);
      if (['afxdp', 'ebpf', 'ebpf-xdp'].includes(t)) {
        // Flow setup: the highest rate of new flows at which 99 % of first packets arrived.
        const setup = of('flow_setup_per_s');
        expect(setup.search?.lossThreshold, t).to.be.closeTo(0.01, 1e-9);
        expect(setup.value, `${t} flow setup`).to.be.greaterThan(0);
        expect(Math.abs(setup.value - provenPps(setup)), `${t} flow setup is the highest rate a trial passed at`).to.be.at.most(1);
        for (const x of setup.trials) expect(x.sent, `${t}: every flow-setup trial offers 2000 new flows`).to.equal(2000);
      }
    }
    for (const b of results.benchmarks) {
      for (const t of [...b.trials, ...(b.confirm?.trials ?? [])]) {
        // Honesty: what the generator counted is what the interfaces saw; nothing arrives unsent.
        expect(t.sent, `${b.backend} ${b.metric}`).to.equal((t.txIf ?? 0) + (t.txDroppedIf ?? 0));
        expect(t.received, `${b.backend} ${b.metric}`).to.be.at.most(t.sent ?? 0);
      }
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
