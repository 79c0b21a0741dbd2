import type { Page } from 'playwright-core';

/** A report canvas as Chart.js holds it: drawn or not, its labels and each dataset's values. */
export interface ReportChart {
  readonly id: string;
  readonly drawn: boolean;
  readonly labels: string[];
  readonly data: (number | null)[][];
}

type ChartJs = { getChart(c: unknown): { data: { labels: string[]; datasets: { data: (number | null)[] }[] } } | undefined };

/** Every canvas of an open report (see openReport), in page order. */
export function reportCharts(page: Page): Promise<ReportChart[]> {
  return page.$$eval('canvas', (cs) =>
    cs.map((c) => {
      const chart = (globalThis as unknown as { Chart: ChartJs }).Chart.getChart(c);
      return { id: c.id, drawn: chart !== undefined, labels: chart?.data.labels ?? [], data: chart?.data.datasets.map((d) => d.data) ?? [] };
    }),
  );
}
