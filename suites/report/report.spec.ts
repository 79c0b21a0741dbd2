import { expect } from 'chai';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium, openReport } from '../../reports/browser.js';
import { parseResults, type CaseStatus, type RunResults } from '../../harness/results/results.js';
import { exec } from '../../harness/system/exec.js';
import { dplab } from '../dplab-cli.js';
import { reportCharts, type ReportChart } from './charts.js';

const FORCED = 'l2.output-p1-to-p2';
const load = (dir: string): RunResults => parseResults(readFileSync(join(dir, 'results.json'), 'utf8'), dir);
const RANK: readonly CaseStatus[] = ['fail', 'error', 'timeout', 'pass', 'unsupported', 'skipped'];

/**
 * Reports and the compare gate end to end on two real runs of the ebpf backend, the second with
 * one case forced to fail for real (DPLAB_FAULT_CASE puts a drop-all rule above its pipeline).
 */
describe('report and compare on real runs', function () {
  let good = '';
  let bad = '';
  let browser: Browser | undefined;

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    good = mkdtempSync(join(tmpdir(), 'dplab-report-good-'));
    bad = mkdtempSync(join(tmpdir(), 'dplab-report-bad-'));
    for (const [out, env] of [
      [good, {}],
      [bad, { DPLAB_FAULT_CASE: FORCED }],
    ] as const) {
      const r = dplab(['run', '--backend', 'ebpf', '--case', 'l2.', '--out', out], { env, timeoutMs: 300_000 });
      expect(r.code, r.stderr.split('\n').slice(-5).join('\n')).to.equal(out === good ? 0 : 1);
    }
  });

  after(async () => {
    await browser?.close();
  });

  it('compare reports exactly the forced case as a regression and exits 1', () => {
    const text = dplab(['compare', good, bad]);
    expect(text.code).to.equal(1);
    expect(text.stdout).to.match(new RegExp(`^regression +ebpf conformance/${FORCED.replace(/\./g, '\\.')}: pass -> fail`, 'm'));
    const json = dplab(['compare', good, bad, '--json']);
    const c = JSON.parse(json.stdout) as { cases: { id: string; kind: string }[]; regressions: number };
    expect(c.cases.map((x) => `${x.kind} ${x.id}`)).to.deep.equal([`regression ${FORCED}`]);
    expect(c.regressions).to.equal(1);
    expect(dplab(['compare', good, good]).code, 'a run against itself').to.equal(0);
    const html = join(bad, 'compare.html');
    expect(dplab(['compare', good, bad, '--html', html]).code).to.equal(1);
    expect(readFileSync(html, 'utf8')).to.contain('<p id="verdict">1 regression(s)</p>').and.contain(`conformance/${FORCED}`);
  });

  it('the HTML report matrix agrees with results.json; a failing cell opens its case details', async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    const r = dplab(['report', bad, '--pdf', '--png']);
    expect(r.code, r.stderr).to.equal(0);
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(bad, 'report.html')).href);
    const results = load(bad);
    const cells = await page.$$eval('#parity-matrix td.cell', (tds) =>
      tds.map((td) => ({ column: td.getAttribute('data-column'), feature: td.getAttribute('data-feature'), status: td.getAttribute('data-status') })),
    );
    expect(cells.length).to.be.greaterThan(20);
    for (const cell of cells) {
      const cases = results.cases.filter((c) => `r0-${c.backend}` === cell.column && c.features.includes(cell.feature as string));
      const want = RANK.find((s) => cases.some((c) => c.status === s)) ?? 'none';
      expect(cell.status, `${cell.column} ${cell.feature}`).to.equal(want);
    }
    const failing = page.locator('td.cell[data-column="r0-ebpf"][data-feature="l2.output"]');
    expect(await failing.getAttribute('data-status')).to.equal('fail');
    expect(await failing.getAttribute('title')).to.match(new RegExp(`^${FORCED.replace(/\./g, '\\.')}: `));
    const details = page.locator('#cell-r0-ebpf-l2_output');
    expect(await details.isVisible(), 'details hidden before the click').to.equal(false);
    await failing.locator('a').click();
    expect(await details.isVisible(), 'details shown after the click').to.equal(true);
    const text = await details.innerText();
    expect(text).to.contain(FORCED).and.contain('priority=65535,actions=drop').and.contain('expected');
    await page.screenshot({ path: join(bad, 'report-clicked.png') });
    expect(readFileSync(join(bad, 'report.png')).subarray(1, 4).toString()).to.equal('PNG');
    const pdf = await exec('pdftotext', ['-layout', join(bad, 'report.pdf'), '-']);
    expect(pdf.stdout)
      .to.contain('Parity matrix')
      .and.match(/Output to a port l2\.output\s+fail \d+\/\d+/);
  });

  it('merges two runs into one report, one column per run and backend', async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    const out = mkdtempSync(join(tmpdir(), 'dplab-report-merged-'));
    expect(dplab(['report', good, bad]).stderr).to.equal('dplab: report: several run directories are merged into one report: give --out DIR\n');
    expect(dplab(['report', good, bad, '--out', out]).code).to.equal(0);
    browser ??= await launchChromium();
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    const heads = await page.$$eval('#parity-matrix th[data-column]', (ths) => ths.map((th) => th.getAttribute('data-column')));
    expect(heads).to.deep.equal(['r0-ebpf', 'r1-ebpf']);
    const l2 = await page.$$eval('td.cell[data-feature="l2.output"]', (tds) => tds.map((td) => td.getAttribute('data-status')));
    expect(l2).to.deep.equal(['pass', 'fail']);
  });
});

/** A recorded `dplab bench --smoke` run (this VM): its latency points were taken at half the NDR. */
const BENCH_FIXTURE = fileURLToPath(new URL('../../../reports/fixtures/bench-smoke-results.json', import.meta.url));

describe('benchmark charts of a recorded run', () => {
  it('draws all four charts, the latency bars being the recorded percentiles', async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'dplab-report-bench-'));
    copyFileSync(BENCH_FIXTURE, join(dir, 'results.json'));
    expect(dplab(['report', dir]).code).to.equal(0);
    const browser = await launchChromium();
    try {
      const charts = await reportCharts(await openReport(browser, join(dir, 'report.html')));
      expect(charts.map((c) => c.id)).to.deep.equal(['chart-frame-size', 'chart-flows', 'chart-latency', 'chart-ratio']);
      for (const c of charts) expect(c.data.length, c.id).to.be.greaterThan(0);
      const results = load(dir);
      const latency = charts[2] as ReportChart;
      const measured = [...new Set(results.benchmarks.filter((b) => b.metric === 'latency_p50_us').map((b) => b.backend))];
      // One group per measured backend (labelled with its kernel) at half the NDR.
      expect(latency.labels.map((l) => `${l.split(' ')[0]} ${l.split(' ').pop()}`)).to.deep.equal(measured.map((b) => `${b} @0.5`));
      for (const [i, m] of ['latency_p50_us', 'latency_p90_us', 'latency_p99_us'].entries()) {
        expect(latency.data[i], m).to.deep.equal(measured.map((b) => results.benchmarks.find((p) => p.backend === b && p.metric === m)?.value));
      }
      // The MRR charts: one dataset per target, its bar the recorded MRR in Mpps; the ratio chart
      // each target's MRR over the ceiling's.
      const mrr = (b: string) => results.benchmarks.find((p) => p.backend === b && p.metric === 'mrr_pps')?.value as number;
      const targets = [...new Set(results.benchmarks.filter((p) => p.metric === 'mrr_pps').map((p) => p.backend))];
      for (const chart of [charts[0], charts[1]] as ReportChart[]) {
        expect(chart.data, chart.id).to.deep.equal(targets.map((b) => [mrr(b) / 1e6]));
      }
      const ratio = charts[3] as ReportChart;
      expect(ratio.labels.map((l) => l.split(' ')[0])).to.deep.equal(targets);
      expect(ratio.data[0]).to.deep.equal(targets.map((b) => mrr(b) / mrr('baseline-xdp')));
      expect(ratio.data[0]?.[0]).to.equal(1);
    } finally {
      await browser.close();
    }
  });
});
