import type { Page } from 'playwright-core';

/** A dataset as Chart.js holds it, with what reports/charts.ts put on it. */
export interface ReportDataset {
  readonly label: string;
  readonly type: string;
  readonly data: (number | null)[];
  /** Each point's (line) or bar's fill: reports/charts.ts HOLLOW for a generator-limited one. */
  readonly fills: string[];
  readonly pointStyles: string[];
  readonly stepped: string | boolean;
  /** Whisker ends (trial spread), tooltip lines and links per point, when the chart has them. */
  readonly lo: (number | null)[] | undefined;
  readonly hi: (number | null)[] | undefined;
  readonly notes: string[][] | undefined;
  readonly hrefs: (string | null)[] | undefined;
}

/** A report canvas as Chart.js holds it: drawn or not, its type, axis, labels and each dataset's values. */
export interface ReportChart {
  readonly id: string;
  readonly drawn: boolean;
  readonly type: string;
  readonly title: string;
  /** The y axis' scale type: `linear` or `logarithmic`. */
  readonly yScale: string;
  readonly labels: string[];
  readonly data: (number | null)[][];
  readonly datasets: ReportDataset[];
}

interface JsDataset {
  label: string;
  type?: string;
  data: (number | null)[];
  pointBackgroundColor?: string | string[];
  backgroundColor?: string | string[];
  pointStyle?: string | string[];
  stepped?: string | boolean;
  dplab?: { lo?: (number | null)[]; hi?: (number | null)[]; notes?: string[][]; hrefs?: (string | null)[] };
}
interface JsChart {
  config: { type: string };
  options: { plugins?: { title?: { text?: string } } };
  scales: Record<string, { type: string } | undefined>;
  data: { labels: string[]; datasets: JsDataset[] };
}
type ChartJs = { getChart(c: unknown): JsChart | undefined };

/** Every canvas of an open report (see openReport), in page order. */
export function reportCharts(page: Page): Promise<ReportChart[]> {
  return page.$$eval('canvas', (cs) =>
    cs.map((c) => {
      const chart = (globalThis as unknown as { Chart: ChartJs }).Chart.getChart(c);
      const perPoint = <T>(v: T | T[] | undefined, n: number, dflt: T): T[] => (Array.isArray(v) ? v : Array.from({ length: n }, () => v ?? dflt));
      const datasets = (chart?.data.datasets ?? []).map((d) => {
        const type = d.type ?? chart?.config.type ?? '';
        return {
          label: d.label,
          type,
          data: d.data,
          fills: perPoint(type === 'bar' ? d.backgroundColor : d.pointBackgroundColor, d.data.length, ''),
          pointStyles: perPoint(d.pointStyle, d.data.length, 'circle'),
          stepped: d.stepped ?? false,
          lo: d.dplab?.lo,
          hi: d.dplab?.hi,
          notes: d.dplab?.notes,
          hrefs: d.dplab?.hrefs,
        };
      });
      return {
        id: c.id,
        drawn: chart !== undefined,
        type: chart?.config.type ?? '',
        title: chart?.options.plugins?.title?.text ?? '',
        yScale: chart?.scales.y?.type ?? '',
        labels: chart?.data.labels ?? [],
        data: datasets.map((d) => d.data),
        datasets,
      };
    }),
  );
}

/** Where a chart draws point `index` of dataset `dataset`, in page coordinates (for the mouse). */
export async function pointAt(page: Page, id: string, dataset: number, index: number): Promise<{ x: number; y: number }> {
  const canvas = page.locator(`canvas[id="${id}"]`);
  await canvas.scrollIntoViewIfNeeded();
  const at = await canvas.evaluate(
    (c, [ds, i]) => {
      type Meta = { data: { x: number; y: number }[] };
      const chart = (globalThis as unknown as { Chart: { getChart(c: unknown): { getDatasetMeta(i: number): Meta } | undefined } }).Chart.getChart(c);
      const el = chart?.getDatasetMeta(ds as number).data[i as number];
      return el ? { x: el.x, y: el.y } : undefined;
    },
    [dataset, index],
  );
  const box = await canvas.boundingBox();
  if (!at || !box) throw new Error(`${id}: no point ${index} in dataset ${dataset}`);
  return { x: box.x + at.x, y: box.y + at.y };
}

/** The tooltip a chart shows with the mouse on a point: its title and lines (label, then the notes). */
export async function tooltipAt(page: Page, id: string, dataset: number, index: number): Promise<string[]> {
  const { x, y } = await pointAt(page, id, dataset, index);
  await page.mouse.move(x, y);
  return page.locator(`canvas[id="${id}"]`).evaluate(async (c) => {
    // Chart.js handles mouse moves on the next animation frame.
    for (let i = 0; i < 2; i++)
      await new Promise((resolve) => (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame(() => resolve(undefined)));
    type Tooltip = { opacity: number; title: string[]; body: { before: string[]; lines: string[]; after: string[] }[] };
    const chart = (globalThis as unknown as { Chart: { getChart(c: unknown): { tooltip: Tooltip } | undefined } }).Chart.getChart(c);
    const t = chart?.tooltip;
    return t && t.opacity > 0 ? [...t.title, ...t.body.flatMap((b) => [...b.before, ...b.lines, ...b.after])] : [];
  });
}
