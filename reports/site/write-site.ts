import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalogue } from '../../harness/features/catalogue.js';
import type { RunResults } from '../../harness/results/results.js';
import { renderReport } from '../html-report.js';
import { indexPage, trendsPage } from './site-pages.js';
import { trendSeries } from './trend-series.js';

/** Run ids become directory names and links: dplab's are hex; anything else would need escaping twice. */
const SAFE_ID = /^[A-Za-z0-9._-]+$/;

export interface WrittenSite {
  readonly index: string;
  readonly files: number;
  readonly runs: number;
  readonly series: number;
}

/**
 * The static site for `runs` (all the store holds): index.html, trends.html and each run's
 * report at runs/<id>/report.html, rendered from the stored results so the site needs nothing
 * but the store.
 */
export async function writeSite(runs: readonly RunResults[], catalogue: Catalogue, out: string): Promise<WrittenSite> {
  const unsafe = runs.find((r) => !SAFE_ID.test(r.run.id));
  if (unsafe) throw new Error(`run id ${JSON.stringify(unsafe.run.id)} cannot name a directory of the site (letters, digits, '.', '_', '-')`);
  const series = trendSeries(runs);
  const files: [string, string][] = [
    ['index.html', indexPage(runs, series, catalogue)],
    ['trends.html', trendsPage(series)],
    ...runs.map((r): [string, string] => [join('runs', r.run.id, 'report.html'), renderReport([r], catalogue)]),
  ];
  for (const [name, text] of files) {
    await mkdir(join(out, name, '..'), { recursive: true });
    await writeFile(join(out, name), text);
  }
  return { index: join(out, 'index.html'), files: files.length, runs: runs.length, series: series.length };
}
