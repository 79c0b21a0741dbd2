import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium, openReport } from '../../reports/browser.js';
import { readRunDir } from '../../harness/results/run-dir.js';
import type { RunResults } from '../../harness/results/results.js';
import { dplab } from '../dplab-cli.js';
import { PostgresServer, type StartedPostgres } from '../store/postgres-server.js';
import { reportCharts } from './charts.js';

/** Three real runs of this machine, one after another (conformance l2 cases on four backends, the benchmark suite). */
const HISTORY = fileURLToPath(new URL('../../../reports/fixtures/history/', import.meta.url));
const runDirs = (): string[] =>
  readdirSync(HISTORY)
    .sort()
    .map((d) => join(HISTORY, d));

/** The page's trend charts, as the site's reader sees them once drawn. */
async function trendCharts(page: Page) {
  return (await reportCharts(page)).filter((c) => c.id.startsWith('trend-'));
}

/**
 * `dplab publish` then `dplab site`, opened in Chromium: the same three runs through the
 * embedded SQLite store and through a PostgreSQL server, and the same site from each.
 */
for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the comparison site from a ${kind} store`, function () {
    let root = '';
    let store = '';
    let pgServer: StartedPostgres | undefined;
    let browser: Browser | undefined;
    const runs: RunResults[] = [];

    before(async function () {
      if (!existsSync(CHROMIUM)) this.skip();
      root = mkdtempSync(join(tmpdir(), `dplab-site-${kind}-`));
      if (kind === 'postgres') {
        pgServer = await new PostgresServer().start();
        store = await pgServer.createDatabase('dplab_site');
      } else {
        store = join(root, 'results.db');
      }
      runs.push(...runDirs().map(readRunDir));
      const pub = dplab(['publish', ...runDirs(), '--store', store]);
      expect(pub.code, pub.stderr).to.equal(0);
      expect(pub.stdout.split('\n').filter((l) => l.startsWith('published ')).length).to.equal(3);
      const site = dplab(['site', '--store', store, '--out', join(root, 'site')]);
      expect(site.code, site.stderr).to.equal(0);
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await pgServer?.stop();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('publishing the same runs again adds nothing', () => {
      const again = dplab(['publish', ...runDirs(), '--store', store]);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.match(/^(\S+) already in the store$/m);
      expect(again.stdout).not.to.match(/^published /m);
    });

    it('lists the three runs on the index, newest first, with their identity and counts', async () => {
      const page = await (browser as Browser).newPage();
      await page.goto(`file://${join(root, 'site', 'index.html')}`);
      const rows = await page.$$eval('#runs tr[data-run]', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      const newest = [...runs].sort((a, b) => b.run.started.localeCompare(a.run.started));
      expect(rows.map((r) => r[0])).to.deep.equal(newest.map((r) => r.run.id));
      for (const [i, r] of newest.entries()) {
        expect(rows[i]?.slice(2, 5)).to.deep.equal([r.run.host, r.run.kernel, r.run.ovsVersion ?? '']);
        expect(rows[i]?.[7]).to.equal(String(r.cases.filter((c) => c.status === 'pass').length));
      }
      // Every (backend, kernel) pair that ran cases is a cell of the kernel x backend matrix.
      const pairs = await page.$$eval('#kernel-matrix td[data-status]', (tds) => tds.map((td) => `${td.dataset.backend}@${td.dataset.kernel}`));
      expect(pairs).to.include.members(['kernel@6.1.176 (uml)', 'afxdp@6.18.44-fc-v1045', 'ebpf@6.18.44-fc-v1045', 'ebpf-xdp@6.18.44-fc-v1045']);
      await page.close();
    });

    it('draws a trend chart per series with one point per run, in the order the runs started', async () => {
      const page = await openReport(browser as Browser, join(root, 'site', 'trends.html'));
      const charts = await trendCharts(page);
      const started = [...runs].sort((a, b) => a.run.started.localeCompare(b.run.started));
      expect(charts.length).to.be.greaterThan(20);
      for (const c of charts) {
        expect(c.drawn, c.id).to.equal(true);
        expect(c.labels, c.id).to.deep.equal(started.map((r) => `${r.run.started.slice(0, 10)} ${r.run.id}`));
        expect(
          c.datasets[0]?.data.filter((v) => v !== null),
          c.id,
        ).to.have.length(3);
      }
      // A series' points are the runs' own figures (pps drawn in Mpps).
      const mrr = charts.find((c) => c.title.startsWith('ebpf-xdp (') && c.title.endsWith(': mrr_pps at 64 B, 1 flow(s)'));
      const figures = started.map((r) => r.benchmarks.find((p) => p.backend === 'ebpf-xdp' && p.metric === 'mrr_pps' && p.flows === 1)?.value);
      expect(mrr?.datasets[0]?.data).to.deep.equal(figures.map((v) => (v as number) / 1e6));
      await page.close();
    });

    it("opens a run's report from the index", async () => {
      const page = await (browser as Browser).newPage();
      await page.goto(`file://${join(root, 'site', 'index.html')}`);
      const id = runs[1]?.run.id as string;
      await page.click(`#runs tr[data-run="${id}"] a.run-link`);
      await page.waitForFunction(() => (globalThis as { dplabChartsReady?: boolean }).dplabChartsReady === true, undefined, { timeout: 30_000 });
      expect(page.url()).to.match(new RegExp(`/runs/${id}/report\\.html$`));
      expect(await page.textContent('h1')).to.equal(`dplab run ${id}`);
      expect(await page.$$eval('#parity-matrix td[data-status]', (tds) => tds.length)).to.be.greaterThan(0);
      await page.close();
    });
  });
}
