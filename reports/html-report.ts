import type { Catalogue } from '../harness/features/catalogue.js';
import { backendKernel, statusCounts, type CaseResult, type RunResults } from '../harness/results/results.js';
import { ratioToCeiling } from '../harness/results/ceiling.js';
import { STYLE } from './style.js';
import { cellClass, cellText, featureMatrix, type Matrix, type MatrixCell, type MatrixColumn } from './matrix.js';
import { escapeHtml } from './html-escape.js';
import { chartLibraryScript, runCharts } from './charts.js';
import { kernelDiffHtml } from './kernel-diff.js';
import { kernelPairs } from '../harness/results/kernel-diff.js';
import { hostPoints } from '../harness/results/guest-ratios.js';
import { guestBenchmarkSection } from './guest-bench.js';

/**
 * The self-contained HTML report: run identity, the parity matrix (features x backend columns,
 * each cell linking to the cases behind it with their frames and flow dumps), the kernel diff of
 * backends run on two kernels, benchmark tables and charts. Chart.js is inlined, so the file needs no network when viewed; charts draw when
 * the page loads and set `window.dplabChartsReady`.
 */
const esc = escapeHtml;
const cellId = (c: { column: string; feature: string }) => `cell-${c.column}-${c.feature.replace(/\./g, '_')}`;

function identity(runs: readonly RunResults[]): string {
  return runs
    .map((r) => {
      const rows = [
        ['run', r.run.id],
        ['started', r.run.started],
        ['dplab commit', r.run.dplabCommit],
        ['host', r.run.host],
        ['kernel', r.run.kernel],
        ['OVS', r.run.ovsVersion ?? ''],
        ['topology', r.run.topology],
        ['suites', r.run.suites.join(', ')],
      ];
      const backends = r.run.backends.map(
        (b) =>
          `<tr><td>${esc(b.id)}</td><td>${esc(b.product ?? '')}</td><td>${b.available ? 'yes' : `no: ${esc(b.reason ?? '')}`}</td><td>${esc(
            Object.entries(b.versions)
              .map(([k, v]) => `${k} ${v}`)
              .join(', '),
          )}</td></tr>`,
      );
      return `<table class="identity">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<table><tr><th>backend</th><th>product</th><th>available</th><th>versions</th></tr>${backends.join('')}</table>`;
    })
    .join('\n');
}

function columnHead(c: MatrixColumn, multiHost: boolean): string {
  return `<th data-column="${esc(c.key)}">${esc(c.backend)}<br><small>${esc(c.product)}<br>linux ${esc(c.kernel)}${multiHost ? `<br>${esc(c.host)}` : ''}</small></th>`;
}

function cell(c: MatrixCell): string {
  const text = cellText(c);
  const inner = c.total > 0 ? `<a href="#${cellId(c)}">${esc(text)}</a>` : esc(text);
  const cls = cellClass(c);
  return `<td class="cell ${cls}" data-column="${esc(c.column)}" data-feature="${esc(c.feature)}" data-status="${c.status}"${c.expected ? ' data-expected="true"' : ''} title="${esc(c.reason)}">${inner}</td>`;
}

/** Known findings that behaved as expected, and expectations that no longer hold, with their explanations. */
function findingsSection(runs: readonly RunResults[]): string {
  const withExpectation = runs.flatMap((r) => r.cases.filter((c) => c.expectation).map((c) => ({ c, kernel: backendKernel(r, c.backend) })));
  if (withExpectation.length === 0) return '<p>No known findings apply to these runs.</p>';
  const rows = withExpectation.map(({ c, kernel }) => {
    const e = c.expectation as NonNullable<CaseResult['expectation']>;
    const ref = e.reference ? (/^https?:\/\//.test(e.reference) ? `<a href="${esc(e.reference)}">${esc(e.reference)}</a>` : esc(e.reference)) : '';
    const state = c.expected ? `expected ${esc(c.status)}` : `<b>no longer holds</b>: expected ${esc(e.status)}, got ${esc(c.status)}`;
    return `<tr class="${c.expected ? 's-expected' : 's-fail'}" data-case="${esc(c.id)}" data-backend="${esc(c.backend)}"><td>${esc(c.backend)}<br><small>linux ${esc(kernel)}</small></td><td>${esc(c.suite)}/${esc(c.id)}</td><td>${state}</td><td>${esc(e.reason)}<br><small>${esc(c.reason)}</small></td><td>${ref}<br><small>${esc(e.source.split('/').slice(-2).join('/'))}</small></td></tr>`;
  });
  return `<table id="known-findings"><tr><th>backend</th><th>case</th><th>outcome</th><th>explanation (and the case's reason)</th><th>reference</th></tr>${rows.join('')}</table>`;
}

/** Catalogue features no case exercises yet (the catalogue says so; its test keeps the list true). */
function uncoveredSection(catalogue: Catalogue): string {
  const open = catalogue.features.filter((f) => f.uncovered);
  if (open.length === 0) return '';
  return `<h3>Features without cases yet</h3><p>These rows of the matrix cannot be filled until cases exercise them:</p><ul id="uncovered-features">${open.map((f) => `<li><b>${esc(f.id)}</b> ${esc(f.title)}: ${esc(f.uncovered as string)}</li>`).join('')}</ul>`;
}

function matrixTable(m: Matrix): string {
  const multiHost = new Set(m.columns.map((c) => c.host)).size > 1;
  const head = `<tr><th>feature</th>${m.columns.map((c) => columnHead(c, multiHost)).join('')}</tr>`;
  const body = m.groups
    .map(
      (g) =>
        `<tr class="group"><th colspan="${m.columns.length + 1}">${esc(g.title)}</th></tr>${g.rows.map((r) => `<tr><td>${esc(r.title)} <small>${esc(r.feature)}</small></td>${r.cells.map(cell).join('')}</tr>`).join('')}`,
    )
    .join('\n');
  return `<table id="parity-matrix">${head}${body}</table>`;
}

function caseDetails(c: CaseResult): string {
  const d = c.details;
  const block = (title: string, lines: readonly string[] | undefined) =>
    lines && lines.length > 0 ? `<div><b>${esc(title)}</b><pre>${esc(lines.join('\n'))}</pre></div>` : '';
  const frames = (by: Record<string, string[]> | undefined) => Object.entries(by ?? {}).map(([ep, hex]) => `${ep}: ${hex.length} frame(s)\n${hex.join('\n')}`);
  return `<div class="case" data-case="${esc(c.id)}"><h4>${esc(c.id)} — <span class="s-${c.status}">${esc(c.status)}</span></h4>
<p>${esc(c.title)}${c.reason ? `<br><b>reason:</b> ${esc(c.reason)}` : ''}</p>
${block('OpenFlow pipeline', d?.pipeline)}${block(
    'sent',
    d?.sent?.map((s) => `${s.endpoint}: ${s.hex}`),
  )}${block('expected', frames(d?.expected))}${block('captured', frames(d?.captured))}${block('datapath flows', d?.flows)}${block('notes', d?.notes)}</div>`;
}

function detailsSections(m: Matrix): string {
  return m.groups
    .flatMap((g) => g.rows.flatMap((r) => r.cells.filter((c) => c.total > 0)))
    .map((c) => {
      const col = m.columns.find((x) => x.key === c.column) as MatrixColumn;
      return `<section class="details" id="${cellId(c)}"><h3>${esc(c.feature)} on ${esc(col.backend)} (${esc(col.product)}, linux ${esc(col.kernel)})</h3>${c.cases.map(caseDetails).join('')}</section>`;
    })
    .join('\n');
}

/** `runs` with their host-kernel points only (hostRuns): guest points are shown as ratios, in their own section. */
function benchmarkSection(runs: readonly RunResults[], guestPoints: boolean): string {
  if (runs.every((r) => r.benchmarks.length === 0))
    return guestPoints ? '<p>No benchmark points on the host kernel; guest kernels below.</p>' : '<p>No benchmark points in these runs.</p>';
  const rows = runs.flatMap((r) =>
    r.benchmarks.map((p) => {
      const ratio = ratioToCeiling(p, r.benchmarks)?.toFixed(2) ?? '';
      const spread = p.spread ? `${Math.round(p.spread.min)}..${Math.round(p.spread.max)}` : '';
      const value = p.unsupported ? `<span title="${esc(p.unsupported)}">unsupported</span>` : String(Math.round(p.value * 100) / 100);
      const confirm = p.confirm && p.confirm.passed < p.confirm.trials.length ? ` (confirmed by ${p.confirm.passed} of ${p.confirm.trials.length})` : '';
      return `<tr><td>${esc(p.backend)}</td><td>${esc(p.metric)}</td><td>${esc(p.frameSize)}</td><td>${p.flows}</td><td>${p.loadFraction ?? ''}</td><td>${value}${esc(confirm)}</td><td>${esc(p.unit)}</td><td>${spread}</td><td>${ratio}</td><td>${p.generator.limited ? 'generator-limited' : ''}</td></tr>`;
    }),
  );
  return `<table id="benchmarks"><tr><th>backend</th><th>metric</th><th>frame</th><th>flows</th><th>load</th><th>value</th><th>unit</th><th>spread</th><th>ratio to ceiling</th><th>generator</th></tr>${rows.join('')}</table>`;
}

export function renderReport(runs: readonly RunResults[], catalogue: Catalogue): string {
  const m = featureMatrix(runs, catalogue);
  // Absolute figures, tables and charts come from the host kernel only; a guest's are the emulator's.
  const hostRuns = runs.map((r) => ({ ...r, benchmarks: hostPoints(r) }));
  const guestPoints = runs.some((r, i) => r.benchmarks.length > (hostRuns[i] as RunResults).benchmarks.length);
  const title = runs.length === 1 ? `dplab run ${runs[0]?.run.id}` : `dplab runs ${runs.map((r) => r.run.id).join(', ')}`;
  const counts = (cases: readonly CaseResult[]) =>
    Object.entries(statusCounts(cases))
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(title)}</h1>
<p>${esc(counts(runs.flatMap((r) => r.cases)))}</p>
<h2>Run identity</h2>
${identity(runs)}
<h2>Parity matrix</h2>
<p>Each cell: the worst outcome of the cases exercising the feature on that backend (hover for the reason, click for the cases, frames and flow dumps).</p>
${matrixTable(m)}
${uncoveredSection(catalogue)}
${detailsSections(m)}
<h2>Known findings</h2>
<p>Divergences of real datapaths, kept as expectations (suites/expectations) with their explanations: a case that behaves as predicted does not fail the run; one that no longer does is listed here and fails it.</p>
${findingsSection(runs)}
${kernelDiffHtml(kernelPairs(runs), runs.length > 1)}
<h2>Benchmarks</h2>
${benchmarkSection(hostRuns, guestPoints)}
${chartLibraryScript()}
${runCharts(hostRuns)}
${guestBenchmarkSection(runs)}
</body></html>
`;
}
