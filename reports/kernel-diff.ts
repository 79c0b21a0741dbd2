import { kernelLabel, type CaseDiff, type KernelPair, type KernelSide } from '../harness/results/kernel-diff.js';
import { escapeHtml } from './html-escape.js';

/** The kernel diff (harness/results/kernel-diff.ts) as text lines and as a report section. */
const esc = escapeHtml;

const sides = (p: KernelPair): [KernelSide, KernelSide] => [p.from, p.to];

const NOT_RUN: readonly string[] = ['skipped', 'error', 'absent'];

/**
 * Cases that differ only because a side could not run the backend at all: the backend line
 * says why once, so they are counted there, not listed (the pair, and compare's --json, keep every case).
 */
function notRunThere(p: KernelPair, c: CaseDiff): boolean {
  return (!p.from.available && NOT_RUN.includes(c.from)) || (!p.to.available && NOT_RUN.includes(c.to));
}

const listed = (p: KernelPair) => p.cases.filter((c) => !notRunThere(p, c));

/** `not available on 6.1.192 (uml): reason`, for each side that could not run. */
function unavailable(p: KernelPair): string[] {
  return sides(p)
    .filter((s) => !s.available)
    .map((s) => {
      const n = p.cases.filter((c) => NOT_RUN.includes(s === p.from ? c.from : c.to)).length;
      return `not available on ${kernelLabel(s)}${s.reason ? `: ${s.reason}` : ''}${n > 0 ? ` (${n} case(s) not run there, not listed)` : ''}`;
    });
}

function featureLine(p: KernelPair, f: KernelPair['features'][number]): string {
  const [s, reason] = f.from !== undefined ? [p.from, f.from] : [p.to, f.to ?? ''];
  return `${f.feature}: unsupported on ${kernelLabel(s)}: ${reason}`;
}

const counts = (p: KernelPair) => `${p.compared} case(s) compared, ${p.same} same, ${p.cases.length} differ`;

/** `withRuns` for a report that merges runs; compare names its two runs once, at the top. */
function heading(p: KernelPair, arrow: string, withRuns: boolean): string {
  const runs = p.from.runId === p.to.runId ? `run ${p.from.runId}` : `run ${p.from.runId} ${arrow} run ${p.to.runId}`;
  return `${p.backend}: ${kernelLabel(p.from)} ${arrow} ${kernelLabel(p.to)}${withRuns ? ` (${runs})` : ''}`;
}

const statusText = (s: string, reason: string) => `${s}${reason ? ` (${reason})` : ''}`;

/** The pairs as indented text lines (for `dplab compare`); none without pairs. */
export function kernelDiffLines(pairs: readonly KernelPair[]): string[] {
  if (pairs.length === 0) return [];
  return [
    'kernel diff (informational: the same backend on two kernels):',
    ...pairs.flatMap((p) => [
      `  ${heading(p, '->', false)}: ${counts(p)}`,
      ...unavailable(p).map((l) => `    ${l}`),
      ...p.features.map((f) => `    feature ${featureLine(p, f)}`),
      ...listed(p).map((c) => `    ${c.suite}/${c.id}: ${statusText(c.from, c.fromReason)} -> ${statusText(c.to, c.toReason)}`),
    ]),
  ];
}

function statusCell(status: string, reason: string): string {
  return `<td class="s-${status === 'absent' ? 'none' : status}">${esc(status)}${reason ? `<br><small>${esc(reason)}</small>` : ''}</td>`;
}

function casesTable(p: KernelPair): string {
  const cases = listed(p);
  if (cases.length === 0) return '';
  const row = (c: CaseDiff) =>
    `<tr data-case="${esc(c.id)}" data-from="${c.from}" data-to="${c.to}"><td>${esc(c.id)}</td><td>${esc(c.suite)}</td>${statusCell(c.from, c.fromReason)}${statusCell(c.to, c.toReason)}</tr>`;
  return `<table class="kernel-cases"><tr><th>case</th><th>suite</th><th>${esc(kernelLabel(p.from))}</th><th>${esc(kernelLabel(p.to))}</th></tr>${cases.map(row).join('')}</table>`;
}

/** The report's "Kernel diff" section; empty without pairs. `withRuns` names each pair's run (merged reports). */
export function kernelDiffHtml(pairs: readonly KernelPair[], withRuns = false): string {
  if (pairs.length === 0) return '';
  const body = pairs
    .map((p) => {
      const lines = [...unavailable(p).map(esc), ...p.features.map((f) => `feature ${esc(featureLine(p, f))}`)];
      return `<section class="kernel-pair" data-backend="${esc(p.backend)}" data-from="${esc(p.from.column)}" data-to="${esc(p.to.column)}">
<h3>${esc(heading(p, '→', withRuns))}</h3>
${lines.length > 0 ? `<ul>${lines.map((l) => `<li>${l}</li>`).join('')}</ul>` : ''}<p>${esc(counts(p))}</p>${casesTable(p)}</section>`;
    })
    .join('\n');
  return `<h2>Kernel diff</h2>
<div id="kernel-diff"><p>Each backend on two kernels: whether it ran, the features its probes found on one kernel only (with the probe's reason), and the cases whose status differs.</p>
${body}</div>`;
}
