import type { Catalogue } from '../../harness/features/catalogue.js';
import { statusCounts, type RunResults } from '../../harness/results/results.js';
import { chartLibraryScript, trendCharts, type TrendSeries } from '../charts.js';
import { escapeHtml as esc } from '../html-escape.js';
import { cellClass, cellText, type Matrix, type MatrixCell } from '../matrix.js';
import { STYLE } from '../style.js';
import { kernelBackendMatrix, latestParity, type CellChange, type LatestParity } from './parity-history.js';
import { openChange, runReportHref } from './trend-series.js';

/**
 * The site's pages: index.html (runs, kernel x backend matrix, latest parity per host and
 * kernels with its changes) and trends.html (every benchmark series with its change points).
 * Self-contained like report.html: no network, Chart.js inlined.
 */

const page = (title: string, body: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
<nav><a href="index.html">Runs and parity</a><a href="trends.html">Trends</a></nav>
<h1>${esc(title)}</h1>
${body}
</body></html>
`;

const exercised = (s: CellChange['was']) => s !== 'none' && s !== 'absent';

const newestFirst = (runs: readonly RunResults[]) => [...runs].sort((a, b) => b.run.started.localeCompare(a.run.started) || b.run.id.localeCompare(a.run.id));

function runsTable(runs: readonly RunResults[]): string {
  const rows = newestFirst(runs).map((r) => {
    const n = statusCounts(r.cases);
    const expected = r.cases.filter((c) => c.expected === true).length;
    return `<tr data-run="${esc(r.run.id)}"><td><a class="run-link" href="${esc(runReportHref(r.run.id))}">${esc(r.run.id)}</a></td><td>${esc(r.run.started)}</td><td>${esc(r.run.host)}</td><td>${esc(r.run.kernel)}</td><td>${esc(r.run.ovsVersion ?? '')}</td><td>${esc(r.run.dplabCommit.slice(0, 12))}</td><td>${esc(r.run.suites.join(', '))}</td><td class="s-pass">${n.pass}</td><td class="${n.fail > 0 ? 's-fail' : ''}">${n.fail}${expected > 0 ? ` <small>(${expected} expected)</small>` : ''}</td><td>${n.error + n.timeout}</td><td>${n.unsupported}</td><td>${n.skipped}</td><td>${r.benchmarks.length}</td></tr>`;
  });
  return `<table id="runs"><tr><th>run</th><th>started</th><th>host</th><th>kernel</th><th>OVS</th><th>dplab commit</th><th>suites</th><th>pass</th><th>fail</th><th>error / timeout</th><th>unsupported</th><th>skipped</th><th>benchmark points</th></tr>${rows.join('')}</table>`;
}

function kernelMatrixTable(runs: readonly RunResults[]): string {
  const km = kernelBackendMatrix(runs);
  if (km.kernels.length === 0) return '<p>No run in the store ran conformance cases.</p>';
  const rows = km.kernels.map((kernel) => {
    const cells = km.backends.map((backend) => {
      const c = km.cells.find((x) => x.kernel === kernel && x.backend === backend);
      if (!c?.run || !c.cell) return `<td class="cell s-none" data-kernel="${esc(kernel)}" data-backend="${esc(backend)}">–</td>`;
      const cls = cellClass(c.cell);
      const text = `${c.cell.passed}/${c.cell.total} pass`;
      return `<td class="cell ${cls}" data-kernel="${esc(kernel)}" data-backend="${esc(backend)}" data-status="${c.cell.status}" title="${esc(c.cell.reason)}"><a href="${esc(runReportHref(c.run.run.id))}">${esc(text)}<br><small>${esc(c.run.run.id)}, ${c.runs} run(s)</small></a></td>`;
    });
    return `<tr><th>linux ${esc(kernel)}</th>${cells.join('')}</tr>`;
  });
  return `<table id="kernel-matrix"><tr><th>kernel \\ backend</th>${km.backends.map((b) => `<th>${esc(b)}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

function parityCell(p: LatestParity, c: MatrixCell, change: CellChange | undefined): string {
  const text = cellText(c);
  const was = change ? `<br><small>was ${esc(change.was)}</small>` : '';
  const anchor = `#cell-${c.column}-${c.feature.replace(/\./g, '_')}`;
  const inner = c.total > 0 ? `<a href="${esc(runReportHref(p.latest.run.id) + anchor)}">${esc(text)}${was}</a>` : `${esc(text)}${was}`;
  const cls = `${cellClass(c)}${change ? ' changed' : ''}`;
  return `<td class="cell ${cls}" data-feature="${esc(c.feature)}" data-status="${c.status}"${change ? ` data-was="${esc(change.was)}"` : ''} title="${esc(c.reason)}">${inner}</td>`;
}

function parityTable(p: LatestParity): string {
  const m: Matrix = p.matrix;
  // Cells outlined: outcomes that moved; a cell only one run exercised is in the folded list.
  const changeOf = (backend: string, feature: string) =>
    p.changes.find((x) => x.backend === backend && x.feature === feature && exercised(x.was) && exercised(x.now));
  const head = `<tr><th>feature</th>${m.columns.map((c) => `<th>${esc(c.backend)}<br><small>linux ${esc(c.kernel)}</small></th>`).join('')}</tr>`;
  const body = m.groups.map(
    (g) =>
      `<tr class="group"><th colspan="${m.columns.length + 1}">${esc(g.title)}</th></tr>${g.rows
        .map(
          (r) =>
            `<tr><td>${esc(r.title)} <small>${esc(r.feature)}</small></td>${r.cells.map((c, i) => parityCell(p, c, changeOf(m.columns[i]?.backend ?? '', c.feature))).join('')}</tr>`,
        )
        .join('')}`,
  );
  return `<table class="parity">${head}${body.join('')}</table>`;
}

const changeItem = (c: CellChange) => `<li>${esc(c.backend)} ${esc(c.feature)}: ${esc(c.was)} → ${esc(c.now)}</li>`;

/**
 * What changed since the run before: outcomes that moved, listed; cells one of the two runs did
 * not exercise (a run of fewer cases, a backend added or dropped), counted and folded away, so a
 * subset run does not bury the one case that broke.
 */
function changesSince(p: LatestParity, previous: RunResults): string {
  const link = `<a href="${esc(runReportHref(previous.run.id))}">${esc(previous.run.id)}</a>`;
  const moved = p.changes.filter((c) => exercised(c.was) && exercised(c.now));
  const coverage = p.changes.filter((c) => !exercised(c.was) || !exercised(c.now));
  const movedText =
    moved.length === 0
      ? `<p>No outcome changed since run ${link}.</p>`
      : `<p>Changed since run ${link}:</p><ul class="changes">${moved.map(changeItem).join('')}</ul>`;
  const coverageText =
    coverage.length === 0
      ? ''
      : `<details class="coverage-changes"><summary>${coverage.length} cell(s) exercised by only one of the two runs (${coverage.filter((c) => !exercised(c.now)).length} no longer, ${coverage.filter((c) => !exercised(c.was)).length} newly)</summary><ul>${coverage.map(changeItem).join('')}</ul></details>`;
  return movedText + coverageText;
}

function paritySection(p: LatestParity): string {
  const since = p.previous ? changesSince(p, p.previous) : '<p>The first run on this host and kernels: nothing to compare with yet.</p>';
  return `<section class="latest-parity" data-host="${esc(p.host)}" data-run="${esc(p.latest.run.id)}"><h3>${esc(p.host)}, linux ${esc(p.kernels.join(' + '))}: run <a href="${esc(runReportHref(p.latest.run.id))}">${esc(p.latest.run.id)}</a> (${esc(p.latest.run.started)})</h3>${since}${parityTable(p)}</section>`;
}

function changeSummary(series: readonly TrendSeries[]): string {
  const open = series.flatMap((s) => {
    const g = openChange(s);
    return g ? [{ s, g }] : [];
  });
  if (open.length === 0) return '<p id="open-changes">No series has moved in its latest group.</p>';
  const rows = open.map(({ s, g }) => {
    const from = s.points[g.from];
    const prev = s.groups[s.groups.indexOf(g) - 1];
    const rel = prev ? `${(((g.mean - prev.mean) / prev.mean) * 100).toFixed(1)} %` : '';
    return `<tr class="${g.change}"><td><a href="trends.html#trend-${esc(s.id)}">${esc(s.title)}</a></td><td class="${g.change}">${g.change}</td><td>${rel}</td><td>${esc(from?.runId ?? '')}</td></tr>`;
  });
  return `<table id="open-changes"><tr><th>series</th><th>change</th><th>group mean vs the one before</th><th>since run</th></tr>${rows.join('')}</table>`;
}

export function indexPage(runs: readonly RunResults[], series: readonly TrendSeries[], catalogue: Catalogue): string {
  const parity = latestParity(runs, catalogue);
  return page(
    `dplab results: ${runs.length} run(s)`,
    `<h2>Runs</h2>${runsTable(runs)}
<h2>Benchmark series that moved</h2><p>Regressions and progressions still in effect (the series' newest group differs from the one before it beyond their noise; docs/trending.md).</p>${changeSummary(series)}
<h2>Kernel x backend</h2><p>Each cell: the latest run that ran the backend's cases on that kernel, its pass count and worst outcome.</p>${kernelMatrixTable(runs)}
<h2>Latest parity per host and kernel</h2>${parity.map(paritySection).join('\n') || '<p>No run in the store ran conformance cases.</p>'}`,
  );
}

export function trendsPage(series: readonly TrendSeries[]): string {
  return page(
    `dplab trends: ${series.length} series`,
    `<p>One chart per (host, backend, kernel, metric, frame size, flows, load), one point per run, oldest first; whiskers show the trial spread, hollow points were bounded by the generator (not grouped), the stepped line is each group's mean; red marks a regression, green a progression (docs/trending.md). Click a point for its run's report.</p>
${changeSummary(series)}
${chartLibraryScript()}
${trendCharts(series)}`,
  );
}
