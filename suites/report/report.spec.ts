import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium, openReport } from '../../reports/browser.js';
import { parseResults, type BenchmarkPoint, type CaseStatus, type RunResults } from '../../harness/results/results.js';
import { CHANGE_COLOR, chartLibraryScript, HOLLOW, trendCharts, type TrendSeries } from '../../reports/charts.js';
import { exec } from '../../harness/system/exec.js';
import { dplab } from '../dplab-cli.js';
import { pointAt, reportCharts, tooltipAt, type ReportChart, type ReportDataset } from './charts.js';

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

/** Recorded runs (this VM): `dplab bench --smoke` (latency at half the NDR) and the main job's (3 trials, latency at 0.1, 0.5 and 0.9 of the NDR). */
const fixture = (name: string) => fileURLToPath(new URL(`../../../reports/fixtures/${name}-results.json`, import.meta.url));

/** A report of `results` (written as a run directory's results.json) open in `browser`, its charts drawn. */
async function reportOf(browser: Browser, results: string): Promise<{ page: Page; charts: ReportChart[]; results: RunResults }> {
  const dir = mkdtempSync(join(tmpdir(), 'dplab-report-bench-'));
  writeFileSync(join(dir, 'results.json'), results);
  expect(dplab(['report', dir]).code).to.equal(0);
  const page = await openReport(browser, join(dir, 'report.html'), { width: 1280, height: 900 });
  return { page, charts: await reportCharts(page), results: load(dir) };
}

const byId = (charts: readonly ReportChart[], id: string): ReportChart => {
  const c = charts.find((x) => x.id === id);
  expect(c, id).to.not.equal(undefined);
  return c as ReportChart;
};

describe('benchmark charts of recorded runs', () => {
  let browser: Browser | undefined;
  before(async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('one frame size and flow count: throughput bars, latency curves p50..max on a log axis, ratio whiskers, hollow limited bars', async () => {
    const { page, charts, results } = await reportOf(browser as Browser, readFileSync(fixture('bench-smoke'), 'utf8'));
    // No "vs frame size" or "vs flow count" chart of one x value.
    expect(charts.map((c) => `${c.id} ${c.drawn ? 'drawn' : 'empty'}`)).to.deep.equal(
      ['chart-throughput', 'chart-latency', 'chart-ratio', 'chart-flow-setup'].map((id) => `${id} drawn`),
    );
    const of = (b: string, metric: string) => results.benchmarks.find((p) => p.backend === b && p.metric === metric) as BenchmarkPoint;
    const targets = [...new Set(results.benchmarks.filter((p) => p.metric === 'mrr_pps').map((p) => p.backend))];
    const bars = byId(charts, 'chart-throughput');
    expect(bars.labels).to.deep.equal(targets);
    expect(bars.datasets.map((d) => d.label)).to.deep.equal(['MRR', 'PDR', 'NDR']);
    expect(bars.data[0]).to.deep.equal(targets.map((b) => of(b, 'mrr_pps').value / 1e6));

    const latency = byId(charts, 'chart-latency');
    expect(latency.type).to.equal('line');
    expect(latency.yScale).to.equal('logarithmic');
    expect(latency.labels).to.deep.equal(['p50', 'p90', 'p99', 'max']);
    const measured = [...new Set(results.benchmarks.filter((b) => b.metric === 'latency_p50_us').map((b) => b.backend))];
    expect(latency.datasets.map((d) => d.label)).to.deep.equal(measured.map((b) => `${b} @ 50 %`));
    for (const [i, b] of measured.entries()) {
      expect(latency.data[i], b).to.deep.equal(['latency_p50_us', 'latency_p90_us', 'latency_p99_us', 'latency_max_us'].map((m) => of(b, m).value));
    }

    const ratio = byId(charts, 'chart-ratio');
    const ceiling = of('baseline-xdp', 'mrr_pps').value;
    expect(ratio.labels).to.deep.equal(targets);
    expect(ratio.data[0]).to.deep.equal(targets.map((b) => of(b, 'mrr_pps').value / ceiling));
    expect(ratio.data[0]?.[0]).to.equal(1);
    expect(ratio.datasets[0]?.hi).to.deep.equal(targets.map((b) => (of(b, 'mrr_pps').spread?.max as number) / ceiling));

    // Every flow-setup figure of this run was bounded by the generator: hollow bars, the reason on hover.
    const setup = byId(charts, 'chart-flow-setup');
    expect(setup.datasets[0]?.fills).to.deep.equal([HOLLOW, HOLLOW, HOLLOW]);
    const tip = await tooltipAt(page, 'chart-flow-setup', 0, 1);
    expect(tip.join(' ')).to.contain(`generator-limited: ${of('ebpf', 'flow_setup_per_s').generator.note}`);
  });

  it('several frame sizes: lines over them, no flow chart; a generator-limited point hollow with its reason; latency at three loads', async () => {
    // The main job's run as a sweep over frame sizes (each value scaled down with the size), ebpf's MRR at 1518 B generator-limited.
    const r = JSON.parse(readFileSync(fixture('main-job'), 'utf8')) as RunResults;
    const note = 'soft generator: every frame offered was forwarded';
    const benchmarks = r.benchmarks.flatMap((p) =>
      ['mrr_pps', 'ndr_pps', 'pdr_pps'].includes(p.metric)
        ? [64, 512, 1518].map((frameSize, i) => ({
            ...p,
            frameSize,
            value: Math.round(p.value / (i + 1)),
            ...(p.spread ? { spread: { min: Math.round(p.spread.min / (i + 1)), max: Math.round(p.spread.max / (i + 1)) } } : {}),
            generator: p.backend === 'ebpf' && p.metric === 'mrr_pps' && frameSize === 1518 ? { ...p.generator, limited: true, note } : p.generator,
          }))
        : [p],
    );
    const { page, charts } = await reportOf(browser as Browser, JSON.stringify({ ...r, benchmarks }));
    expect(charts.map((c) => c.id)).to.deep.equal(['chart-frame-size', 'chart-latency', 'chart-ratio', 'chart-flow-setup']);
    const sizes = byId(charts, 'chart-frame-size');
    expect(sizes.type).to.equal('line');
    expect(sizes.labels).to.deep.equal(['64', '512', '1518']);
    const i = sizes.datasets.findIndex((d) => d.label === 'ebpf MRR');
    const ebpf = sizes.datasets[i] as ReportDataset;
    expect(ebpf.fills.map((f) => f === HOLLOW)).to.deep.equal([false, false, true]);
    expect((await tooltipAt(page, 'chart-frame-size', i, 2)).join(' ')).to.contain(`generator-limited: ${note}`);
    expect(
      ebpf.lo?.every((x) => x !== null),
      'whiskers from the trial spread',
    ).to.equal(true);
    const latency = byId(charts, 'chart-latency');
    expect(latency.yScale).to.equal('logarithmic');
    expect(latency.datasets).to.have.length(15);
    expect(latency.datasets.slice(0, 3).map((d) => d.label)).to.deep.equal(['baseline-xdp @ 10 %', 'baseline-xdp @ 50 %', 'baseline-xdp @ 90 %']);
    expect(byId(charts, 'chart-ratio').datasets.map((d) => d.fills.includes(HOLLOW))).to.deep.equal([false, false, true]);
  });
});

/** Trend charts as the results site embeds them: one page, the library and the charts, nothing else. */
describe('trend charts', () => {
  let browser: Browser | undefined;
  before(async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('draws values with whiskers, hollow limited points, the stepped group means and red regression triangles; a click opens the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dplab-trends-'));
    // The recorded MRRs of ebpf (main job, then smoke), then a drop that lasts.
    const point = (i: number, value: number, extra: object = {}) => ({
      runId: `run${i}`,
      started: `2026-12-0${i + 1}T10:00:00.000Z`,
      value,
      min: value * 0.97,
      max: value * 1.02,
      href: `runs/run${i}/report.html`,
      ...extra,
    });
    const series: TrendSeries = {
      id: 'lab1|ebpf|6.18|mrr_pps|64|1|',
      title: 'ebpf: mrr_pps at 64 B, 1 flow(s)',
      unit: 'pps',
      lowerIsBetter: false,
      points: [
        point(0, 835640),
        point(1, 824464),
        point(2, 1.5e6, { generatorLimited: 'offered 1.5 Mpps, all forwarded' }),
        point(3, 610000),
        point(4, 615000),
      ],
      groups: [
        { from: 0, to: 1, mean: 830052, change: null },
        { from: 3, to: 4, mean: 612500, change: 'regression' },
      ],
    };
    for (const p of series.points) {
      mkdirSync(join(dir, 'runs', p.runId), { recursive: true });
      writeFileSync(join(dir, p.href as string), `<title>${p.runId}</title>`);
    }
    writeFileSync(join(dir, 'trends.html'), `<!doctype html><html><body>${trendCharts([series])}\n${chartLibraryScript()}</body></html>`);
    const page = await openReport(browser as Browser, join(dir, 'trends.html'), { width: 1280, height: 900 });
    const [chart] = await reportCharts(page);
    const id = 'trend-lab1-ebpf-6.18-mrr_pps-64-1-';
    expect(chart).to.deep.include({ id, drawn: true, type: 'line', labels: series.points.map((p) => `${p.started.slice(0, 10)} ${p.runId}`) });
    expect(await page.getAttribute(`canvas[id="${id}"]`, 'data-series')).to.equal(series.id);
    const [values, means] = chart?.datasets as ReportDataset[];
    expect(values?.data).to.deep.equal(series.points.map((p) => p.value / 1e6));
    expect(values?.pointStyles).to.deep.equal(['circle', 'circle', 'circle', 'triangle', 'triangle']);
    expect(values?.fills[2]).to.equal(HOLLOW);
    expect(values?.fills.slice(3)).to.deep.equal([CHANGE_COLOR.regression, CHANGE_COLOR.regression]);
    expect(means).to.deep.include({ label: 'group mean', stepped: 'middle', data: [0.830052, 0.830052, null, 0.6125, 0.6125] });
    expect((await tooltipAt(page, id, 0, 2)).join(' ')).to.contain('generator-limited: offered 1.5 Mpps, all forwarded');
    expect((await tooltipAt(page, id, 0, 3)).join(' ')).to.match(/regression: group mean 0\.6125 Mpps, -26\.2\d* % vs the group before/);
    const at = await pointAt(page, id, 0, 3);
    await Promise.all([page.waitForURL(/runs\/run3\/report\.html$/), page.mouse.click(at.x, at.y)]);
    expect(await page.title()).to.equal('run3');
  });
});
