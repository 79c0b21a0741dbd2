import { guestBenchmarks, type GuestKernelBench, type GuestRatio } from '../harness/results/guest-ratios.js';
import type { RunResults } from '../harness/results/results.js';
import { escapeHtml as esc } from './html-escape.js';

/**
 * Benchmarks inside guest kernels, as the report and `dplab run` show them: ratios to the kernel
 * datapath on the same kernel, never the emulator's packet rates (harness/results/guest-ratios.ts).
 */

export const GUEST_BENCH_EXPLAINED = [
  "Inside a guest kernel, qemu (an emulator under TCG) or user-mode Linux runs the generator and the datapath alike, so absolute rates there are the emulator's: they are neither shown nor compared.",
  "Each target's MRR is shown as a ratio to the OVS kernel datapath (\"kernel\") on the same kernel, at the same frame size and flow count, every target measured in the same boot; the range is what the trials allow (the target's slowest trial over the reference's fastest, and its fastest over the reference's slowest).",
  "A qemu guest that benchmarks has two virtual CPUs, the generator on one and the datapath's receive on the other, as on the host; a UML guest has one, which they share.",
  "A ratio says how the targets compare on that virtual CPU, whose costs per instruction under emulation are not a real CPU's: it is not a prediction for hardware.",
].join(' ');

const flowsText = (n: number) => `${n} flow${n === 1 ? '' : 's'}`;
const num = (x: number) => x.toFixed(2);

/** The ratio as a cell's text: `0.85 (0.80..0.90)`, `1 (reference; trials 0.98..1.01)`. */
export function ratioText(r: GuestRatio, reference: string): string {
  if (r.unsupported) return `unsupported: ${r.unsupported}`;
  if (r.ratio === undefined) return `no ratio: ${reference} not measured at this point`;
  const span = r.lo !== undefined && r.hi !== undefined ? `${num(r.lo)}..${num(r.hi)}` : '';
  if (r.column === reference) return `1 (reference${span ? `; trials ${span} of its median` : ''})`;
  return `${num(r.ratio)}${span ? ` (${span})` : ''}`;
}

function howMeasured(g: GuestKernelBench): string {
  const t = g.trials;
  return t ? `MRR, ${t.perPoint} trial(s) of ${t.seconds} s a point` : 'nothing measured';
}

/** The lines `dplab run` prints after a run with guest kernels and the benchmark suite. */
export function guestRatioLines(results: RunResults): string[] {
  const lines: string[] = [];
  for (const g of guestBenchmarks(results)) {
    const width = Math.max(...[...g.ratios, ...g.notMeasured].map((x) => x.column.length));
    lines.push(`in-guest benchmark, linux ${g.kernel} (${howMeasured(g)}): MRR as a ratio to ${g.reference}, the emulator's absolute rates not shown`);
    for (const r of g.ratios)
      lines.push(
        `  ${r.column.padEnd(width)} ${`${r.frameSize} B, ${flowsText(r.flows)}`.padEnd(18)} ${ratioText(r, g.reference)}${r.generatorLimited ? ` *${r.generatorLimited}` : ''}`,
      );
    for (const n of g.notMeasured) lines.push(`  ${n.column.padEnd(width)} not measured: ${n.reason}`);
    if (g.noRatios) lines.push(`  no ratios: ${g.noRatios}`);
  }
  return lines;
}

function kernelTable(g: GuestKernelBench): string {
  const rows = g.ratios.map(
    (r) =>
      `<tr data-column="${esc(r.column)}" data-flows="${r.flows}"${r.ratio === undefined ? '' : ` data-ratio="${r.ratio.toFixed(4)}"`}><td>${esc(r.column)}</td><td>${esc(r.frameSize)}</td><td>${r.flows}</td><td>${esc(ratioText(r, g.reference))}</td><td>${esc(r.generatorLimited ?? '')}</td></tr>`,
  );
  const missing = g.notMeasured.map((n) => `<li><b>${esc(n.column)}</b>: ${esc(n.reason)}</li>`).join('');
  return `<h3>linux ${esc(g.kernel)}</h3>
<p>Guest ${esc(g.guest)}; ${esc(howMeasured(g))}; every target in the same boot, one after another.</p>
${rows.length > 0 ? `<table class="guest-ratios" data-kernel="${esc(g.kernel)}"><tr><th>target</th><th>frame (B)</th><th>flows</th><th>MRR / ${esc(g.reference)} (range over the trials)</th><th>generator</th></tr>${rows.join('')}</table>` : ''}
${g.noRatios ? `<p class="no-ratios">No ratios on this kernel: ${esc(g.noRatios)}.</p>` : ''}
${missing ? `<p>Not measured on this kernel:</p><ul class="not-measured">${missing}</ul>` : ''}`;
}

/** The report's section for guest kernels' benchmarks; empty when no run measured any. */
export function guestBenchmarkSection(runs: readonly RunResults[]): string {
  const kernels = runs.flatMap((r) => guestBenchmarks(r).map((g) => ({ g, run: r.run.id })));
  if (kernels.length === 0) return '';
  const several = runs.length > 1;
  return `<h2>Benchmarks inside guest kernels: ratios only</h2>
<p id="guest-bench-explained">${esc(GUEST_BENCH_EXPLAINED)}</p>
${kernels.map(({ g, run }) => `<section class="guest-bench">${several ? `<p>run ${esc(run)}</p>` : ''}${kernelTable(g)}</section>`).join('\n')}`;
}
