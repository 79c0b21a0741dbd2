import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ratioToCeiling } from '../harness/results/ceiling.js';
import { backendKernel, type BenchmarkPoint, type RunResults } from '../harness/results/results.js';
import { drawCharts, type ChartKind, type ChartSpec, type SpecDataset } from './chart-draw.js';
import { escapeHtml as esc } from './html-escape.js';

/**
 * The charts of run reports and of the results site, as data (Chart.js configurations built
 * here) drawn in the page by one function (chart-draw.ts). Generator-limited points are hollow
 * with the generator's note in the tooltip; whiskers show the trial spread.
 */

export interface TrendPoint {
  readonly runId: string;
  readonly started: string;
  readonly value: number;
  readonly min?: number;
  readonly max?: number;
  /** Why the generator, not the datapath, bounded the value. */
  readonly generatorLimited?: string;
  /** The run's report. */
  readonly href?: string;
}
export interface TrendGroup {
  /** Inclusive indexes into the series' points. */
  readonly from: number;
  readonly to: number;
  readonly mean: number;
  readonly change: 'regression' | 'progression' | null;
}
export interface TrendSeries {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly lowerIsBetter: boolean;
  readonly points: readonly TrendPoint[];
  readonly groups: readonly TrendGroup[];
}

/** The fill of a generator-limited point or bar: its outline alone, in the series' colour. */
export const HOLLOW = '#ffffff';
export const CHANGE_COLOR = { regression: '#c62828', progression: '#2e7d32' } as const;
const PALETTE = ['#1f77b4', '#ff7f0e', '#9467bd', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#7f7f7f', '#2ca02c', '#d62728'];
const TREND_COLOR = '#1f77b4';
const MEAN_COLOR = '#888888';

type Options = NonNullable<ChartSpec['config']['options']>;

/** One point of a dataset: its value in the axis' units, whisker ends, tooltip lines, and whether the generator bounded it. */
interface Cell {
  readonly value: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly notes: readonly string[];
  readonly hollow: boolean;
}

const fmt = (x: number): string => String(Number(x.toPrecision(4)));

/** Tooltips do not wrap: long notes (the generator's) as lines. */
function wrap(text: string, width = 72): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + word.length < width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** `per`: the axis unit in the point's (1e6 for Mpps); a divisor, so 385724 pps reads 0.385724, not 0.38572399999999996. */
function cellOf(p: BenchmarkPoint, per: number, unit: string, whiskers = true): Cell {
  const s = p.spread;
  const notes = [...(s && s.min !== s.max ? [`trials ${fmt(s.min / per)}..${fmt(s.max / per)} ${unit}`] : [])];
  if (p.generator.limited) notes.push(...wrap(`generator-limited: ${p.generator.note || 'the generator, not the target, bounded this value'}`));
  return { value: p.value / per, ...(s && whiskers ? { lo: s.min / per, hi: s.max / per } : {}), notes, hollow: p.generator.limited };
}

/** A dataset of cells (undefined: no point there); hollow cells keep only their outline. */
function dataset(kind: ChartKind, label: string, color: string, cells: readonly (Cell | undefined)[], extra: object = {}): SpecDataset {
  const hasWhiskers = cells.some((c) => c?.lo !== undefined);
  const dplab = {
    notes: cells.map((c) => [...(c?.notes ?? [])]),
    ...(hasWhiskers ? { lo: cells.map((c) => c?.lo ?? null), hi: cells.map((c) => c?.hi ?? null) } : {}),
  };
  const data = cells.map((c) => c?.value ?? null);
  const fills = cells.map((c) => (c?.hollow ? HOLLOW : color));
  if (kind === 'bar') return { type: 'bar', label, data, borderColor: color, backgroundColor: fills, borderWidth: 2, dplab, ...extra };
  return {
    type: 'line',
    label,
    data,
    borderColor: color,
    backgroundColor: color,
    pointBackgroundColor: fills,
    pointBorderColor: color,
    pointBorderWidth: 2,
    pointRadius: cells.map((c) => (c?.hollow ? 5 : 3)),
    spanGaps: true,
    dplab,
    ...extra,
  };
}

/** Chart options; the subtitle explains the marks the chart uses. */
function chartOptions(title: string, datasets: readonly SpecDataset[], y: { title: string; log?: boolean; zero?: boolean }, x?: string): Options {
  const hollow = datasets.some((d) => [d.type === 'line' ? d.pointBackgroundColor : d.backgroundColor].flat().includes(HOLLOW));
  const whiskers = datasets.some((d) => d.dplab?.lo !== undefined);
  const marks = [...(whiskers ? ['whiskers: trial spread'] : []), ...(hollow ? ['hollow: generator-limited (reason in the tooltip)'] : [])];
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { title: { display: true, text: title }, subtitle: { display: marks.length > 0, text: marks.join('; ') } },
    scales: {
      x: { title: { display: x !== undefined, text: x ?? '' } },
      y: { type: y.log ? 'logarithmic' : 'linear', beginAtZero: y.zero ?? true, title: { display: true, text: y.title } },
    },
  };
}

function spec(id: string, kind: ChartKind, labels: readonly string[], datasets: SpecDataset[], options: Options): ChartSpec {
  return { id, config: { type: kind, data: { labels: [...labels], datasets }, options } };
}

// --- Run charts ---

/** A measured point with the report column it belongs to and its run's points (for the ceiling). */
interface Labeled {
  readonly p: BenchmarkPoint;
  readonly column: string;
  readonly run: readonly BenchmarkPoint[];
}

type X = number | string;
const byX = (a: X, b: X): number =>
  typeof a === 'number' && typeof b === 'number' ? a - b : typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : a.localeCompare(b);
const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];
const find = (pts: readonly Labeled[], column: string, metric: string, where: (p: BenchmarkPoint) => boolean = () => true) =>
  pts.find((l) => l.column === column && l.p.metric === metric && where(l.p));
const flowsText = (n: number) => `${n} flow${n === 1 ? '' : 's'}`;

/** Labels as short as they can be: the backend, with its kernel only where it ran on several, and the run when there are several. */
function labeled(runs: readonly RunResults[]): Labeled[] {
  const kernels = new Map<string, Set<string>>();
  for (const r of runs) for (const p of r.benchmarks) kernels.set(p.backend, (kernels.get(p.backend) ?? new Set()).add(backendKernel(r, p.backend)));
  return runs.flatMap((r) =>
    r.benchmarks
      .filter((p) => p.unsupported === undefined)
      .map((p) => {
        const extra = [...((kernels.get(p.backend)?.size ?? 0) > 1 ? [`linux ${backendKernel(r, p.backend)}`] : []), ...(runs.length > 1 ? [r.run.id] : [])];
        return { p, column: extra.length > 0 ? `${p.backend} (${extra.join(', ')})` : p.backend, run: r.benchmarks };
      }),
  );
}

const THROUGHPUT_LINES = [
  { metric: 'mrr_pps', name: 'MRR', dash: [] },
  { metric: 'ndr_pps', name: 'NDR', dash: [6, 4] },
] as const;

/** The frame size and flow count a throughput chart holds fixed: the smallest of each. */
function fixedPoint(pts: readonly Labeled[]): { frameSize: X; flows: number } {
  return { frameSize: distinct(pts.map((l) => l.p.frameSize)).sort(byX)[0] ?? 64, flows: Math.min(...pts.map((l) => l.p.flows)) };
}

/** MRR (solid) and NDR (dashed) per target as lines over frame sizes or flow counts; none with a single x value. */
function throughputVs(pts: readonly Labeled[], axis: 'frameSize' | 'flows', color: (column: string) => string): ChartSpec | undefined {
  const tp = pts.filter((l) => THROUGHPUT_LINES.some((m) => m.metric === l.p.metric));
  if (tp.length === 0) return undefined;
  const fixed = fixedPoint(tp);
  const sel = tp.filter((l) => (axis === 'frameSize' ? l.p.flows === fixed.flows : l.p.frameSize === fixed.frameSize));
  const xs = distinct(sel.map((l) => l.p[axis])).sort(byX);
  if (xs.length < 2) return undefined;
  const datasets = distinct(sel.map((l) => l.column)).flatMap((column) =>
    THROUGHPUT_LINES.flatMap((m) => {
      const cells = xs.map((x) => find(sel, column, m.metric, (p) => p[axis] === x)).map((l) => l && cellOf(l.p, 1e6, 'Mpps'));
      return cells.some((c) => c) ? [dataset('line', `${column} ${m.name}`, color(column), cells, { borderDash: [...m.dash] })] : [];
    }),
  );
  const [id, title, xTitle] =
    axis === 'frameSize'
      ? ['chart-frame-size', `Throughput vs frame size (${flowsText(fixed.flows)}): MRR solid, NDR dashed`, 'frame size (B)']
      : ['chart-flows', `Throughput vs flow count (${fixed.frameSize} B frames): MRR solid, NDR dashed`, 'flows'];
  return spec(id, 'line', xs.map(String), datasets, chartOptions(title, datasets, { title: 'Mpps' }, xTitle));
}

/** A run at one frame size and flow count: MRR, PDR and NDR per target as bars. */
function throughputAt(pts: readonly Labeled[]): ChartSpec | undefined {
  const metrics = [
    ['mrr_pps', 'MRR'],
    ['pdr_pps', 'PDR'],
    ['ndr_pps', 'NDR'],
  ] as const;
  const tp = pts.filter((l) => metrics.some(([m]) => m === l.p.metric));
  if (tp.length === 0) return undefined;
  const fixed = fixedPoint(tp);
  const sel = tp.filter((l) => l.p.frameSize === fixed.frameSize && l.p.flows === fixed.flows);
  const columns = distinct(sel.map((l) => l.column));
  const datasets = metrics.map(([metric, name], i) =>
    dataset(
      'bar',
      name,
      PALETTE[i] as string,
      columns.map((c) => {
        const l = find(sel, c, metric);
        return l && cellOf(l.p, 1e6, 'Mpps');
      }),
    ),
  );
  const title = `Throughput at ${fixed.frameSize} B, ${flowsText(fixed.flows)}`;
  return spec('chart-throughput', 'bar', columns, datasets, chartOptions(title, datasets, { title: 'Mpps' }));
}

export const PERCENTILES = [
  ['latency_p50_us', 'p50'],
  ['latency_p90_us', 'p90'],
  ['latency_p99_us', 'p99'],
  ['latency_max_us', 'max'],
] as const;
const DASHES = [[], [6, 4], [2, 3], [12, 4, 2, 4]];

/** Latency as percentile curves on a log axis (one outlier must not flatten the rest), one per target and load. */
function latencyChart(pts: readonly Labeled[], color: (column: string) => string): ChartSpec | undefined {
  const lat = pts.filter((l) => PERCENTILES.some(([m]) => m === l.p.metric));
  if (lat.length === 0) return undefined;
  const conditions = (l: Labeled) => `${l.p.frameSize} B, ${flowsText(l.p.flows)}`;
  const several = distinct(lat.map(conditions)).length > 1;
  const key = (l: Labeled) => JSON.stringify([l.column, l.p.loadFraction ?? null, l.p.frameSize, l.p.flows]);
  const fractions = distinct(lat.map((l) => l.p.loadFraction ?? 0)).sort((a, b) => a - b);
  const datasets = distinct(lat.map(key)).map((k) => {
    const curve = lat.filter((l) => key(l) === k);
    const first = curve[0] as Labeled;
    const lf = first.p.loadFraction;
    const label = `${first.column}${lf === undefined ? '' : ` @ ${Math.round(lf * 100)} %`}${several ? `, ${conditions(first)}` : ''}`;
    const cells = PERCENTILES.map(([m]) => curve.find((l) => l.p.metric === m)).map((l) => l && cellOf(l.p, 1, 'µs', false));
    return dataset('line', label, color(first.column), cells, { borderDash: DASHES[fractions.indexOf(lf ?? 0) % DASHES.length] });
  });
  const title = `Latency at % of the NDR${several ? '' : ` (${conditions(lat[0] as Labeled)})`}, log scale`;
  const options = chartOptions(title, datasets, { title: 'µs', log: true, zero: false }, 'percentile');
  // Many curves: the legend beside the plot, not above it.
  const beside = datasets.length > 6;
  if (beside) options.plugins = { ...options.plugins, legend: { position: 'right', labels: { boxWidth: 24, font: { size: 11 } } } };
  const labels = PERCENTILES.map(([, name]) => name);
  return { ...spec('chart-latency', 'line', labels, datasets, options), ...(beside ? { height: Math.max(320, 80 + 17 * datasets.length) } : {}) };
}

/** MRR over the ceiling's (ceiling.ts) per target, one bar set per frame size and flow count; whiskers: the trial spread over the same ceiling. */
function ratioChart(pts: readonly Labeled[]): ChartSpec | undefined {
  const mrr = pts.filter((l) => l.p.metric === 'mrr_pps' && ratioToCeiling(l.p, l.run) !== undefined);
  if (mrr.length === 0) return undefined;
  const columns = distinct(mrr.map((l) => l.column));
  const conditions = distinct(mrr.map((l) => JSON.stringify([l.p.flows, l.p.frameSize])))
    .map((k) => JSON.parse(k) as [number, X])
    .sort((a, b) => a[0] - b[0] || byX(a[1], b[1]));
  const datasets = conditions.map(([flows, frameSize], i) => {
    const cells = columns.map((c) => {
      const l = find(mrr, c, 'mrr_pps', (p) => p.flows === flows && p.frameSize === frameSize);
      if (!l) return undefined;
      const s = l.p.spread;
      const ratio = (value: number) => ratioToCeiling({ ...l.p, value }, l.run) as number;
      const notes = s && s.min !== s.max ? [`trials ${fmt(ratio(s.min))}..${fmt(ratio(s.max))} of the ceiling`] : [];
      if (l.p.generator.limited) notes.push(...wrap(`generator-limited: ${l.p.generator.note}`));
      return { value: ratio(l.p.value), ...(s ? { lo: ratio(s.min), hi: ratio(s.max) } : {}), notes, hollow: l.p.generator.limited };
    });
    return dataset('bar', `MRR / ceiling, ${frameSize} B, ${flowsText(flows)}`, PALETTE[i % PALETTE.length] as string, cells);
  });
  const title = 'MRR relative to the raw XDP redirect ceiling (same frame size and flows)';
  return spec('chart-ratio', 'bar', columns, datasets, chartOptions(title, datasets, { title: 'ratio to the ceiling' }));
}

/** Flow setup (first packets of new flows delivered) and flow installs per target; flows/s. */
function flowSetupChart(pts: readonly Labeled[]): ChartSpec | undefined {
  const metrics = [
    ['flow_setup_per_s', 'new flows/s with 99 % of first packets delivered'],
    ['flow_install_per_s', 'flows/s appearing in the datapath table'],
  ] as const;
  const sel = pts.filter((l) => metrics.some(([m]) => m === l.p.metric));
  if (sel.length === 0) return undefined;
  const columns = distinct(sel.map((l) => l.column));
  const counts = distinct(sel.map((l) => l.p.flows)).sort((a, b) => a - b);
  const datasets = counts.flatMap((n, j) =>
    metrics.map(([metric, name], i) => {
      const cells = columns.map((c) => find(sel, c, metric, (p) => p.flows === n)).map((l) => l && cellOf(l.p, 1, 'flows/s'));
      return dataset('bar', counts.length > 1 ? `${name}, ${n} flows` : name, PALETTE[(j * metrics.length + i) % PALETTE.length] as string, cells);
    }),
  );
  const title = `Flow setup (${counts.join(', ')} new flows a trial)`;
  return spec('chart-flow-setup', 'bar', columns, datasets, chartOptions(title, datasets, { title: 'flows/s' }));
}

/** The charts of report.html, in page order; a chart without points (or, for lines, a single x value) is left out. */
export function runChartSpecs(runs: readonly RunResults[]): ChartSpec[] {
  const pts = labeled(runs);
  const columns = distinct(pts.map((l) => l.column));
  const color = (column: string) => PALETTE[columns.indexOf(column) % PALETTE.length] as string;
  const lines = [throughputVs(pts, 'frameSize', color), throughputVs(pts, 'flows', color)];
  const bars = lines.some((c) => c !== undefined) ? undefined : throughputAt(pts);
  return [...lines, bars, latencyChart(pts, color), ratioChart(pts), flowSetupChart(pts)].filter((c): c is ChartSpec => c !== undefined);
}

// --- Trend charts ---

/** A trend point's cell; points of a group that moved are triangles in the change's colour, pointing the way the mean went. */
function trendCell(s: TrendSeries, i: number, per: number, unit: string) {
  const p = s.points[i] as TrendPoint;
  const g = s.groups.findIndex((x) => x.from <= i && i <= x.to);
  const group = s.groups[g];
  const before = s.groups[g - 1];
  // A generator-limited point takes no part in the grouping: it stays a hollow circle.
  const change = p.generatorLimited === undefined ? group?.change : undefined;
  const notes = [
    ...(p.min !== undefined && p.max !== undefined ? [`trials ${fmt(p.min / per)}..${fmt(p.max / per)} ${unit}`] : []),
    ...(p.generatorLimited !== undefined ? wrap(`generator-limited: ${p.generatorLimited}`) : []),
    ...(change && group
      ? [
          `${change}: group mean ${fmt(group.mean / per)} ${unit}${before ? `, ${fmt(((group.mean - before.mean) / before.mean) * 100)} % vs the group before` : ''}`,
        ]
      : []),
    ...(p.href ? ["click for the run's report"] : []),
  ];
  const cell: Cell = {
    value: p.value / per,
    ...(p.min !== undefined && p.max !== undefined ? { lo: p.min / per, hi: p.max / per } : {}),
    notes,
    hollow: p.generatorLimited !== undefined,
  };
  const color = change ? CHANGE_COLOR[change] : TREND_COLOR;
  return {
    cell,
    color,
    style: change ? 'triangle' : 'circle',
    rotation: change && before && group && group.mean < before.mean ? 180 : 0,
    mean: group ? group.mean / per : null,
  };
}

function trendSpec(s: TrendSeries, id: string): ChartSpec {
  // Packet rates read in Mpps, as in the run reports.
  const [per, unit] = s.unit === 'pps' ? [1e6, 'Mpps'] : [1, s.unit];
  const cells = s.points.map((_, i) => trendCell(s, i, per, unit));
  const values = dataset(
    'line',
    'per run',
    TREND_COLOR,
    cells.map((c) => c.cell),
    {
      pointStyle: cells.map((c) => c.style),
      pointRotation: cells.map((c) => c.rotation),
      pointBorderColor: cells.map((c) => c.color),
      pointBackgroundColor: cells.map((c) => (c.cell.hollow ? HOLLOW : c.color)),
      pointRadius: cells.map((c) => (c.style === 'triangle' ? 6 : c.cell.hollow ? 5 : 3)),
    },
  );
  values.dplab = { ...values.dplab, hrefs: s.points.map((p) => p.href ?? null) };
  const groupColor = (i: number) => {
    const change = s.groups.find((g) => g.from <= i && i <= g.to)?.change;
    // Translucent: a broad band behind the points, not a second line competing with them.
    return `${change ? CHANGE_COLOR[change] : MEAN_COLOR}66`;
  };
  const means: SpecDataset = {
    type: 'line',
    label: 'group mean',
    data: cells.map((c) => c.mean),
    stepped: 'middle',
    borderColor: `${MEAN_COLOR}66`,
    borderWidth: 7,
    pointRadius: 0,
    pointHitRadius: 0,
    dplab: { segmentColors: s.points.map((_, i) => groupColor(i)) },
  };
  const labels = s.points.map((p) => `${p.started.slice(0, 10)} ${p.runId}`);
  const yTitle = `${unit}${s.lowerIsBetter ? ' (lower is better)' : ''}`;
  return spec(id, 'line', labels, [values, means], chartOptions(s.title, [values], { title: yTitle, zero: false }, 'run'));
}

/** Canvas ids: the series id with anything an id or URL fragment would need escaped replaced; repeats numbered. */
function trendIds(series: readonly TrendSeries[]): string[] {
  const used = new Set<string>();
  return series.map((s) => {
    const base = `trend-${s.id.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  });
}

export function trendChartSpecs(series: readonly TrendSeries[]): ChartSpec[] {
  const ids = trendIds(series);
  return series.map((s, i) => trendSpec(s, ids[i] as string));
}

// --- HTML ---

/** Canvases, the specs as JSON, and the call drawing them once the page (and Chart.js, wherever its script is) has loaded. */
function chartsHtml(specs: readonly ChartSpec[], attrs: readonly string[] = []): string {
  const canvases = specs.map(
    (s, i) => `<div class="chart" style="position:relative;height:${s.height ?? 320}px"><canvas id="${esc(s.id)}"${attrs[i] ?? ''}></canvas></div>`,
  );
  // `<` escaped, so no text in the data can end the script element.
  const data = JSON.stringify(specs).replace(/</g, '\\u003c');
  return `${canvases.join('\n')}
<script>(function (draw, specs) {
  var go = function () { draw(window.Chart, specs); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
  else go();
})(${drawCharts.toString()}, ${data});</script>`;
}

/** report.html's charts (see runChartSpecs); with none, the script still sets `window.dplabChartsReady`. */
export function runCharts(runs: readonly RunResults[]): string {
  return chartsHtml(runChartSpecs(runs));
}

/** One chart per series: canvas `trend-<id>` with `data-series="<id>"`. */
export function trendCharts(series: readonly TrendSeries[]): string {
  return chartsHtml(
    trendChartSpecs(series),
    series.map((s) => ` data-series="${esc(s.id)}"`),
  );
}

let chartJs: string | undefined;

/** Chart.js' UMD build as an inline script (pages stay self-contained). */
export function chartLibraryScript(): string {
  // The UMD build is not in the package's exports map: find it next to the entry point.
  chartJs ??= readFileSync(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  return `<script>${chartJs.replace(/<\/script/gi, '<\\/script')}</script>`;
}
