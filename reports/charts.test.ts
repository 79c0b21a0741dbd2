import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { parseResults, type BenchmarkPoint, type RunResults } from '../harness/results/results.js';
import type { ChartSpec, PointExtras, SpecDataset } from './chart-draw.js';
import { drawCharts } from './chart-draw.js';
import {
  chartLibraryScript,
  CHANGE_COLOR,
  HOLLOW,
  PERCENTILES,
  runChartSpecs,
  runCharts,
  trendChartSpecs,
  trendCharts,
  type TrendPoint,
  type TrendSeries,
} from './charts.js';

/** Recorded runs on this VM: one frame size and one flow count each; main-job with 3 trials and latency at 3 loads. */
const fixture = (name: string): RunResults =>
  parseResults(readFileSync(fileURLToPath(new URL(`../../reports/fixtures/${name}-results.json`, import.meta.url)), 'utf8'), name);
const smoke = fixture('bench-smoke');
const main = fixture('main-job');

const THROUGHPUT = ['mrr_pps', 'ndr_pps', 'pdr_pps'];

/**
 * The recorded run measured over several frame sizes or flow counts: each throughput point
 * copied to every x, its value (and spread) scaled down with x, as a real sweep would show.
 */
function sweep(r: RunResults, axis: 'frameSize' | 'flows', xs: readonly number[], limited?: (p: BenchmarkPoint) => boolean): RunResults {
  const benchmarks = r.benchmarks.flatMap((p) =>
    THROUGHPUT.includes(p.metric)
      ? xs.map((x, i) => {
          const k = (v: number) => Math.round(v / (i + 1));
          const q: BenchmarkPoint = { ...p, [axis]: x, value: k(p.value), ...(p.spread ? { spread: { min: k(p.spread.min), max: k(p.spread.max) } } : {}) };
          return limited?.(q) ? { ...q, generator: { ...q.generator, limited: true, note: 'soft generator: every frame offered was forwarded' } } : q;
        })
      : [p],
  );
  return { ...r, benchmarks };
}

const chart = (specs: readonly ChartSpec[], id: string): ChartSpec => {
  const c = specs.find((s) => s.id === id);
  expect(c, id).to.not.equal(undefined);
  return c as ChartSpec;
};
const datasets = (c: ChartSpec): SpecDataset[] => c.config.data.datasets;
const extras = (d: SpecDataset | undefined): PointExtras => d?.dplab ?? {};
const value = (r: RunResults, backend: string, metric: string, where: (p: BenchmarkPoint) => boolean = () => true): BenchmarkPoint =>
  r.benchmarks.find((p) => p.backend === backend && p.metric === metric && where(p)) as BenchmarkPoint;
const targets = (r: RunResults, metric: string) => [...new Set(r.benchmarks.filter((p) => p.metric === metric).map((p) => p.backend))];

describe('run charts', () => {
  it('a run at one frame size and one flow count: per-target throughput bars, no "vs" chart', () => {
    for (const r of [smoke, main]) {
      const specs = runChartSpecs([r]);
      expect(specs.map((s) => s.id)).to.deep.equal(['chart-throughput', 'chart-latency', 'chart-ratio', 'chart-flow-setup']);
      const bars = chart(specs, 'chart-throughput');
      expect(bars.config.type).to.equal('bar');
      expect(bars.config.data.labels).to.deep.equal(targets(r, 'mrr_pps'));
      expect(datasets(bars).map((d) => d.label)).to.deep.equal(['MRR', 'PDR', 'NDR']);
      expect(datasets(bars)[0]?.data).to.deep.equal(targets(r, 'mrr_pps').map((b) => value(r, b, 'mrr_pps').value / 1e6));
      expect(bars.config.options?.plugins?.title?.text).to.equal('Throughput at 64 B, 1 flow');
    }
  });

  it('several frame sizes: MRR and NDR lines over them; with one flow count, no flow chart', () => {
    const specs = runChartSpecs([sweep(main, 'frameSize', [64, 512, 1518])]);
    expect(specs.map((s) => s.id)).to.deep.equal(['chart-frame-size', 'chart-latency', 'chart-ratio', 'chart-flow-setup']);
    const c = chart(specs, 'chart-frame-size');
    expect(c.config.type).to.equal('line');
    expect(c.config.data.labels).to.deep.equal(['64', '512', '1518']);
    expect(datasets(c).map((d) => d.label)).to.deep.equal(targets(main, 'mrr_pps').flatMap((b) => [`${b} MRR`, `${b} NDR`]));
    expect(datasets(c)[0]?.data).to.deep.equal([1, 2, 3].map((i) => Math.round(value(main, 'baseline-xdp', 'mrr_pps').value / i) / 1e6));
    // The ratio chart: one bar set per frame size.
    expect(datasets(chart(specs, 'chart-ratio')).map((d) => d.label)).to.deep.equal(['64 B', '512 B', '1518 B'].map((s) => `MRR / ceiling, ${s}, 1 flow`));
  });

  it('several flow counts: lines over them, no frame-size chart; both swept: both', () => {
    const flows = runChartSpecs([sweep(smoke, 'flows', [1, 1000, 100000])]);
    expect(flows.map((s) => s.id)).to.deep.equal(['chart-flows', 'chart-latency', 'chart-ratio', 'chart-flow-setup']);
    expect(chart(flows, 'chart-flows').config.data.labels).to.deep.equal(['1', '1000', '100000']);
    const both = runChartSpecs([sweep(sweep(smoke, 'flows', [1, 1000]), 'frameSize', [64, 1518])]);
    expect(both.map((s) => s.id).slice(0, 2)).to.deep.equal(['chart-frame-size', 'chart-flows']);
  });

  it('latency: percentile curves p50..max on a log axis, one per target and load', () => {
    const c = chart(runChartSpecs([main]), 'chart-latency');
    expect(c.config.type).to.equal('line');
    expect(c.config.data.labels).to.deep.equal(['p50', 'p90', 'p99', 'max']);
    expect(c.config.options?.scales?.y?.type).to.equal('logarithmic');
    const curves = targets(main, 'latency_p50_us').flatMap((b) => [0.1, 0.5, 0.9].map((lf) => ({ b, lf })));
    expect(datasets(c).map((d) => d.label)).to.deep.equal(curves.map(({ b, lf }) => `${b} @ ${lf * 100} %`));
    datasets(c).forEach((d, i) => {
      const { b, lf } = curves[i] as { b: string; lf: number };
      expect(d.data, d.label).to.deep.equal(PERCENTILES.map(([m]) => value(main, b, m, (p) => p.loadFraction === lf).value));
    });
    // The outlier that flattened the old linear bars: every curve still spans its own decade.
    expect(Math.max(...datasets(c).flatMap((d) => d.data as number[]))).to.be.greaterThan(5000);
  });

  it('ratio to the ceiling: bars of MRR / ceiling, whiskers the trial spread over the same ceiling', () => {
    const c = chart(runChartSpecs([main]), 'chart-ratio');
    const d = datasets(c)[0];
    const ceiling = value(main, 'baseline-xdp', 'mrr_pps').value;
    const bs = targets(main, 'mrr_pps');
    expect(c.config.data.labels).to.deep.equal(bs);
    expect(d?.data).to.deep.equal(bs.map((b) => value(main, b, 'mrr_pps').value / ceiling));
    expect(d?.data[0]).to.equal(1);
    expect(extras(d).lo).to.deep.equal(bs.map((b) => (value(main, b, 'mrr_pps').spread?.min as number) / ceiling));
    expect(extras(d).hi).to.deep.equal(bs.map((b) => (value(main, b, 'mrr_pps').spread?.max as number) / ceiling));
    expect(extras(d).hi?.[1]).to.be.greaterThan(d?.data[1] as number);
  });

  it('generator-limited points are hollow, the reason in their tooltip', () => {
    // Recorded: every flow-setup figure of the smoke run was bounded by the generator.
    const setup = datasets(chart(runChartSpecs([smoke]), 'chart-flow-setup'))[0];
    expect(setup?.backgroundColor).to.deep.equal([HOLLOW, HOLLOW, HOLLOW]);
    expect(extras(setup).notes?.[0]?.join(' ')).to.equal(`generator-limited: ${value(smoke, 'afxdp', 'flow_setup_per_s').generator.note}`);
    const main2 = datasets(chart(runChartSpecs([main]), 'chart-flow-setup'))[0];
    expect(main2?.backgroundColor, 'ebpf-xdp was not').to.deep.equal([HOLLOW, HOLLOW, main2?.borderColor]);
    // A line: only the limited point is hollow.
    const swept = sweep(main, 'frameSize', [64, 1518], (p) => p.backend === 'ebpf' && p.metric === 'mrr_pps' && p.frameSize === 1518);
    const specs = runChartSpecs([swept]);
    const ebpf = datasets(chart(specs, 'chart-frame-size')).find((d) => d.label === 'ebpf MRR') as SpecDataset & { pointBackgroundColor: string[] };
    expect(ebpf.pointBackgroundColor).to.deep.equal([ebpf.borderColor, HOLLOW]);
    expect(extras(ebpf).notes?.[1]).to.include('generator-limited: soft generator: every frame offered was forwarded');
    expect(extras(ebpf).notes?.[0]?.join()).to.not.include('generator-limited');
    expect(chart(specs, 'chart-frame-size').config.options?.plugins?.subtitle?.text).to.include('hollow: generator-limited');
    const ratio = datasets(chart(specs, 'chart-ratio'))[1];
    expect(ratio?.backgroundColor).to.include(HOLLOW);
  });

  it('a run without benchmarks has no charts, and its page still says the charts are ready', () => {
    expect(runChartSpecs([{ ...main, benchmarks: [] }])).to.deep.equal([]);
    const html = runCharts([{ ...main, benchmarks: [] }]);
    expect(html).to.not.contain('<canvas');
    expect(html).to.contain('dplabChartsReady = true');
  });

  it('two runs: a column per run and target', () => {
    const c = chart(runChartSpecs([smoke, main]), 'chart-ratio');
    expect(c.config.data.labels).to.deep.equal([
      ...targets(smoke, 'mrr_pps').map((b) => `${b} (1c366d)`),
      ...targets(main, 'mrr_pps').map((b) => `${b} (641ec8)`),
    ]);
  });
});

const trendPoint = (i: number, value: number, extra: Partial<TrendPoint> = {}): TrendPoint => ({
  runId: `run${i}`,
  started: `2026-12-0${i + 1}T10:00:00.000Z`,
  value,
  min: value * 0.98,
  max: value * 1.01,
  href: `runs/run${i}/report.html`,
  ...extra,
});

const SERIES: TrendSeries = {
  id: 'lab1|ebpf|6.18|mrr_pps|64|1|',
  title: 'ebpf (linux 6.18, lab1): mrr_pps at 64 B, 1 flow(s)',
  unit: 'pps',
  lowerIsBetter: false,
  points: [
    trendPoint(0, 1.2e6),
    trendPoint(1, 1.21e6),
    trendPoint(2, 1.6e6, { generatorLimited: 'offered 1.6 Mpps, all forwarded' }),
    trendPoint(3, 0.9e6),
    trendPoint(4, 0.91e6),
  ],
  groups: [
    { from: 0, to: 1, mean: 1.205e6, change: null },
    { from: 3, to: 4, mean: 0.905e6, change: 'regression' },
  ],
};

describe('trend charts', () => {
  const c = trendChartSpecs([SERIES])[0] as ChartSpec;
  const [values, means] = datasets(c) as [SpecDataset & Record<string, unknown[]>, SpecDataset];

  it('one point per run (date and run id), in Mpps with min/max whiskers and links to the runs', () => {
    expect(c.id).to.equal('trend-lab1-ebpf-6.18-mrr_pps-64-1-');
    expect(c.config.data.labels).to.deep.equal(['2026-12-01 run0', '2026-12-02 run1', '2026-12-03 run2', '2026-12-04 run3', '2026-12-05 run4']);
    expect(values.data).to.deep.equal([1.2, 1.21, 1.6, 0.9, 0.91]);
    expect(extras(values).lo?.[0]).to.be.closeTo(1.176, 1e-9);
    expect(extras(values).hrefs).to.deep.equal(SERIES.points.map((p) => p.href));
  });

  it('regression points are red triangles pointing down; a generator-limited point a hollow circle with its reason', () => {
    expect(values.pointStyle).to.deep.equal(['circle', 'circle', 'circle', 'triangle', 'triangle']);
    expect(values.pointRotation).to.deep.equal([0, 0, 0, 180, 180]);
    expect(values.pointBorderColor?.slice(3)).to.deep.equal([CHANGE_COLOR.regression, CHANGE_COLOR.regression]);
    expect(values.pointBackgroundColor?.[2]).to.equal(HOLLOW);
    expect(extras(values).notes?.[2]).to.include('generator-limited: offered 1.6 Mpps, all forwarded');
    expect(extras(values).notes?.[3]?.join(' ')).to.match(/regression: group mean 0\.905 Mpps, -24\.9\d* % vs the group before/);
  });

  it('group means as a stepped line, red where the group regressed', () => {
    expect(means).to.include({ stepped: 'middle', label: 'group mean' });
    expect(means.data).to.deep.equal([1.205, 1.205, null, 0.905, 0.905]);
    expect(extras(means).segmentColors?.map((x) => x.slice(0, 7))).to.deep.equal([
      '#888888',
      '#888888',
      '#888888',
      CHANGE_COLOR.regression,
      CHANGE_COLOR.regression,
    ]);
  });

  it('a progression is green; ids that would clash after sanitizing are numbered', () => {
    const better: TrendSeries = { ...SERIES, id: 'a b', groups: [SERIES.groups[0] as never, { from: 3, to: 4, mean: 1.5e6, change: 'progression' }] };
    const specs = trendChartSpecs([better, { ...better, id: 'a/b' }]);
    expect(specs.map((s) => s.id)).to.deep.equal(['trend-a-b', 'trend-a-b-2']);
    const d = datasets(specs[0] as ChartSpec)[0] as SpecDataset & { pointRotation: number[]; pointBorderColor: string[] };
    expect(d.pointBorderColor[3]).to.equal(CHANGE_COLOR.progression);
    expect(d.pointRotation[3]).to.equal(0);
  });

  it('HTML: a canvas per series with its id, the data and the call to the drawing function', () => {
    const html = trendCharts([SERIES]);
    expect(html).to.contain(`<canvas id="trend-lab1-ebpf-6.18-mrr_pps-64-1-" data-series="lab1|ebpf|6.18|mrr_pps|64|1|"></canvas>`);
    expect(html).to.contain(drawCharts.toString()).and.contain('"stepped":"middle"');
  });
});

describe('chart HTML', () => {
  it('escapes `<` in the data, so nothing in it ends the script', () => {
    const r = { ...smoke, benchmarks: smoke.benchmarks.map((p) => ({ ...p, backend: `${p.backend}</script><b>` })) };
    const html = runCharts([r]);
    expect(html).to.not.contain('</script><b>');
    expect(html).to.contain('\\u003c/script>\\u003cb>');
    expect(drawCharts.toString()).to.not.match(/<\/script|<!--/i);
  });

  it('inlines Chart.js without a premature end of its script element', () => {
    const s = chartLibraryScript();
    expect(s)
      .to.match(/^<script>/)
      .and.match(/<\/script>$/);
    expect(s.slice(0, -'</script>'.length)).to.not.match(/<\/script/i);
    expect(s.length).to.be.greaterThan(100_000);
  });

  it('the drawing function runs on its own: nothing from the module it was compiled in', () => {
    const drawn: { canvas: unknown; config: ChartSpec['config'] & { plugins?: { id: string }[] } }[] = [];
    const page = {
      document: { getElementById: (id: string) => (id === 'missing' ? null : { id }) },
      location: { assign: () => undefined },
      dplabChartsReady: false,
      FakeChart: class {
        constructor(canvas: unknown, config: ChartSpec['config']) {
          drawn.push({ canvas, config });
        }
      },
    };
    const specs = [...runChartSpecs([main]), { ...chart(runChartSpecs([main]), 'chart-ratio'), id: 'missing' }];
    // A fresh context holding only the page: a reference to anything else throws.
    const sandbox = { ...page, specs };
    runInNewContext(`(${drawCharts.toString()})(FakeChart, specs)`, sandbox, { timeout: 1000 });
    expect(sandbox.dplabChartsReady).to.equal(true);
    expect(drawn.map((d) => (d.canvas as { id: string }).id)).to.deep.equal(['chart-throughput', 'chart-latency', 'chart-ratio', 'chart-flow-setup']);
    expect(drawn[2]?.config.plugins?.map((p) => p.id)).to.deep.equal(['dplabWhiskers']);
  });
});
