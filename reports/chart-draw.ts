import type { ActiveElement, Chart, ChartConfiguration, ChartDataset, ChartEvent, Plugin, ScriptableLineSegmentContext, TooltipItem } from 'chart.js';

/**
 * The browser half of the charts: reports/charts.ts builds each chart as JSON (a Chart.js
 * configuration whose datasets carry `dplab` extras) and inlines `drawCharts` as its source text,
 * so this function must reference nothing outside itself (types only; tsc's output runs as is).
 */

export type ChartKind = 'line' | 'bar';

/** Per-point extras Chart.js keeps on the dataset untouched: the whiskers, tooltip lines and links read them back. */
export interface PointExtras {
  /** Whisker ends, in the axis' units; null where a point has none. */
  readonly lo?: readonly (number | null)[];
  readonly hi?: readonly (number | null)[];
  /** Extra tooltip lines per point (e.g. why the generator bounded it). */
  readonly notes?: readonly (readonly string[])[];
  /** Where clicking the point goes. */
  readonly hrefs?: readonly (string | null)[];
  /** A line's colour per segment, by the index of the point it ends at (e.g. a group's change). */
  readonly segmentColors?: readonly string[];
}

export type SpecDataset = ChartDataset<ChartKind, (number | null)[]> & { dplab?: PointExtras };

export interface ChartSpec {
  /** The canvas' id. */
  readonly id: string;
  /** Of its box, in CSS pixels (default 320). */
  readonly height?: number;
  readonly config: ChartConfiguration<ChartKind, (number | null)[], string> & { data: { datasets: SpecDataset[] } };
}

/** What the function uses of the page; the project compiles without the DOM library. */
interface BrowserPage {
  document: { getElementById(id: string): unknown };
  location: { assign(href: string): void };
  dplabChartsReady?: boolean;
}

/** Draws every spec whose canvas is on the page, then sets `window.dplabChartsReady` (tests and PDF rendering wait for it). */
export function drawCharts(ChartJs: typeof Chart, specs: readonly ChartSpec[]): void {
  const page = globalThis as unknown as BrowserPage;
  const extras = (chart: Chart, i: number): PointExtras => (chart.data.datasets[i] as SpecDataset | undefined)?.dplab ?? {};
  // Trial spread as vertical whiskers with caps, drawn over the datasets (Chart.js has no error bars).
  const whiskers: Plugin<ChartKind> = {
    id: 'dplabWhiskers',
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      chart.data.datasets.forEach((d, i) => {
        const { lo, hi } = extras(chart, i);
        const meta = chart.getDatasetMeta(i);
        const y = chart.scales[meta.yAxisID ?? 'y'];
        if (!lo || !hi || !y || !chart.isDatasetVisible(i)) return;
        ctx.save();
        // A spread past the axis' range (one stalled trial) is cut at the plot's edge, not drawn over the legend.
        const area = chart.chartArea;
        ctx.beginPath();
        ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
        ctx.clip();
        // On a bar of its own colour a whisker would vanish.
        ctx.strokeStyle = d.type !== 'bar' && typeof d.borderColor === 'string' ? d.borderColor : '#333';
        ctx.lineWidth = 1.5;
        meta.data.forEach((el, j) => {
          const a = lo[j];
          const b = hi[j];
          if (a === null || a === undefined || b === null || b === undefined) return;
          const top = y.getPixelForValue(b);
          const bottom = y.getPixelForValue(a);
          ctx.beginPath();
          ctx.moveTo(el.x, top);
          ctx.lineTo(el.x, bottom);
          ctx.moveTo(el.x - 4, top);
          ctx.lineTo(el.x + 4, top);
          ctx.moveTo(el.x - 4, bottom);
          ctx.lineTo(el.x + 4, bottom);
          ctx.stroke();
        });
        ctx.restore();
      });
    },
  };
  const afterLabel = (item: TooltipItem<ChartKind>): string[] => [...(extras(item.chart, item.datasetIndex).notes?.[item.dataIndex] ?? [])];
  // Legend swatches in the series' colour, not its first bar's fill (which may be hollow).
  const legendLabels = (chart: Chart) =>
    ChartJs.defaults.plugins.legend.labels.generateLabels(chart).map((l) => {
      const color = chart.data.datasets[l.datasetIndex ?? -1]?.borderColor;
      return typeof color === 'string' ? { ...l, fillStyle: color } : l;
    });
  const hrefAt = (chart: Chart, els: ActiveElement[]): string | null | undefined => {
    const el = els[0];
    return el ? extras(chart, el.datasetIndex).hrefs?.[el.index] : undefined;
  };
  for (const spec of specs) {
    const canvas = page.document.getElementById(spec.id);
    if (!canvas) continue;
    const config = spec.config;
    for (const d of config.data.datasets) {
      const colors = d.dplab?.segmentColors;
      if (colors && d.type !== 'bar') Object.assign(d, { segment: { borderColor: (c: ScriptableLineSegmentContext) => colors[c.p1DataIndex] } });
    }
    const options = config.options ?? {};
    config.options = {
      ...options,
      onClick: (_e: ChartEvent, els: ActiveElement[], chart: Chart) => {
        const href = hrefAt(chart, els);
        if (href) page.location.assign(href);
      },
      onHover: (_e: ChartEvent, els: ActiveElement[], chart: Chart) => {
        chart.canvas.style.cursor = hrefAt(chart, els) ? 'pointer' : 'default';
      },
      plugins: {
        ...options.plugins,
        legend: { ...options.plugins?.legend, labels: { ...options.plugins?.legend?.labels, generateLabels: legendLabels } },
        tooltip: { ...options.plugins?.tooltip, callbacks: { afterLabel } },
      },
    };
    config.plugins = [whiskers];
    new ChartJs(canvas as ConstructorParameters<typeof Chart>[0], config);
  }
  page.dplabChartsReady = true;
}
