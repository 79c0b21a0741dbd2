import { pointLabel, type Comparison } from './compare.js';
import { escapeHtml } from './html-escape.js';
import { kernelDiffHtml } from './kernel-diff.js';
import { STYLE } from './style.js';

const esc = escapeHtml;

/** The comparison as a self-contained HTML page: columns, then every change, regressions first. */
export function comparisonHtml(c: Comparison): string {
  const kindClass: Record<string, string> = {
    regression: 's-fail',
    'coverage-lost': c.warnings > 0 ? 's-warn' : 's-fail',
    fixed: 's-pass',
    improvement: 's-pass',
    incomparable: 's-note',
    'generator-limited': 's-note',
    'in-guest': 's-note',
  };
  const num = (v: number | undefined) => (v === undefined ? '' : String(v));
  const cases = c.cases
    .map(
      (x) =>
        `<tr class="${kindClass[x.kind] ?? ''}"><td>${esc(x.kind)}</td><td>${esc(x.backend)}</td><td>${esc(`${x.suite}/${x.id}`)}</td><td>${esc(x.from)}</td><td>${esc(x.to)}</td><td>${esc(x.reason)}</td></tr>`,
    )
    .join('');
  const bench = c.benchmarks
    .filter((b) => b.kind !== 'same')
    .map(
      (b) =>
        `<tr class="${kindClass[b.kind] ?? ''}"><td>${esc(b.kind)}</td><td>${esc(b.backend)}</td><td>${esc(pointLabel(b))}</td><td>${num(b.from)}</td><td>${num(b.to)}</td><td>${b.ratio === undefined ? '' : `x${b.ratio.toFixed(3)}`}</td><td>${esc(b.note ?? '')}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dplab compare ${esc(c.baseline.id)} -> ${esc(c.run.id)}</title>
<style>${STYLE}.s-warn{background:#f7e3a8}.s-note{background:#eee}</style></head><body>
<h1>dplab compare: ${esc(c.baseline.id)} -> ${esc(c.run.id)}</h1>
<p id="verdict">${c.regressions > 0 ? `${c.regressions} regression(s)` : 'no regressions'}${c.warnings > 0 ? `, ${c.warnings} coverage warning(s)` : ''}</p>
${c.conditions.length > 0 ? `<h2>Conditions that differ</h2><ul id="conditions">${c.conditions.map((x) => `<li>${esc(x.field)}: ${esc(x.baseline)} -&gt; ${esc(x.run)}</li>`).join('')}</ul>` : ''}
${c.lostBackends.length > 0 ? `<p id="lost-backends">Backends that ran in the baseline and are missing from the run: ${esc(c.lostBackends.join(', '))}</p>` : ''}
<table><tr><th>backend</th><th>baseline</th><th>run</th></tr>${c.columns.map((col) => `<tr><td>${esc(col.backend)}</td><td>${esc(col.baseline ?? '(absent)')}</td><td>${esc(col.run ?? '(absent)')}</td></tr>`).join('')}</table>
${kernelDiffHtml(c.kernelDiff)}
<h2>Cases</h2><table id="case-changes"><tr><th>change</th><th>backend</th><th>case</th><th>baseline</th><th>run</th><th>reason</th></tr>${cases}</table>
<h2>Benchmarks</h2><table id="benchmark-changes"><tr><th>change</th><th>backend</th><th>point</th><th>baseline</th><th>run</th><th>ratio</th><th>note</th></tr>${bench}</table>
</body></html>
`;
}
