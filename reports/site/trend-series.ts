import { trendGroups } from '../../harness/results/change-points.js';
import { backendKernel, lowerIsBetter, type BenchmarkPoint, type RunResults } from '../../harness/results/results.js';
import type { TrendGroup, TrendPoint, TrendSeries } from '../charts.js';
import { isGuestColumn } from '../../harness/results/guest-ratios.js';

/**
 * Benchmark figures across runs: one series per (host, backend, kernel, metric, frame size,
 * flows, load), its points in the order the runs started, grouped by change points
 * (harness/results/change-points.ts). Figures from different hosts never share a series: a lab
 * host and a CI VM are not one trend. Points measured inside a guest kernel make no series: the
 * emulator set them (each run's report shows them as ratios).
 */

interface SeriesKey {
  readonly host: string;
  readonly backend: string;
  readonly kernel: string;
  readonly metric: string;
  readonly frameSize: number | string;
  readonly flows: number;
  readonly loadFraction: number | undefined;
}

const keyText = (k: SeriesKey): string => [k.host, k.backend, k.kernel, k.metric, k.frameSize, k.flows, k.loadFraction ?? ''].map(String).join('|');

export const seriesTitle = (k: SeriesKey): string =>
  `${k.backend} (linux ${k.kernel}, ${k.host}): ${k.metric} at ${k.frameSize} B, ${k.flows} flow(s)${k.loadFraction !== undefined ? `, ${k.loadFraction} of the NDR` : ''}`;

/** The run's report inside the site, relative to the site's root. */
export const runReportHref = (runId: string): string => `runs/${encodeURIComponent(runId)}/report.html`;

function trendPoint(r: RunResults, p: BenchmarkPoint): TrendPoint {
  return {
    runId: r.run.id,
    started: r.run.started,
    value: p.value,
    ...(p.spread ? { min: p.spread.min, max: p.spread.max } : {}),
    ...(p.generator.limited ? { generatorLimited: p.generator.note || 'the generator, not the datapath, bounded this figure' } : {}),
    href: runReportHref(r.run.id),
  };
}

/**
 * Change points are found among the figures the datapath bounded: a generator-limited point
 * says how fast the generator was, so it is drawn (hollow) but takes no part in the grouping.
 * Group bounds come back as indexes into all of the series' points.
 */
function groupsOf(points: readonly TrendPoint[], lowerBetter: boolean): TrendGroup[] {
  const measured = points.flatMap((p, i) => (p.generatorLimited === undefined ? [i] : []));
  const groups = trendGroups(
    measured.map((i) => (points[i] as TrendPoint).value),
    { lowerIsBetter: lowerBetter },
  );
  return groups.map((g) => ({ from: measured[g.from] as number, to: measured[g.to] as number, mean: g.mean, change: g.change }));
}

/** Every series the runs hold, sorted by title; `runs` in any order. */
export function trendSeries(runs: readonly RunResults[]): TrendSeries[] {
  const ordered = [...runs].sort((a, b) => a.run.started.localeCompare(b.run.started) || a.run.id.localeCompare(b.run.id));
  const byKey = new Map<string, { key: SeriesKey; unit: string; points: TrendPoint[] }>();
  for (const r of ordered) {
    for (const p of r.benchmarks) {
      if (p.unsupported !== undefined || isGuestColumn(r, p.backend)) continue;
      const key: SeriesKey = {
        host: r.run.host,
        backend: p.backend,
        kernel: backendKernel(r, p.backend),
        metric: p.metric,
        frameSize: p.frameSize,
        flows: p.flows,
        loadFraction: p.loadFraction,
      };
      const entry = byKey.get(keyText(key)) ?? { key, unit: p.unit, points: [] };
      entry.points.push(trendPoint(r, p));
      byKey.set(keyText(key), entry);
    }
  }
  return [...byKey.values()]
    .map(({ key, unit, points }) => ({
      id: keyText(key).replace(/[^A-Za-z0-9.]+/g, '-'),
      title: seriesTitle(key),
      unit,
      lowerIsBetter: lowerIsBetter(key.metric),
      points,
      groups: groupsOf(points, lowerIsBetter(key.metric)),
    }))
    .sort((a, b) => a.title.localeCompare(b.title));
}

/** The series' newest group when it moved (a regression or progression still in effect): what a lab looks at first. */
export function openChange(s: TrendSeries): TrendGroup | undefined {
  const last = s.groups.at(-1);
  return last && last.change !== null ? last : undefined;
}
