import { backendKernel, columnBackend, columnId, columnKernelTag, type BenchmarkPoint, type RunResults } from './results.js';

/**
 * Benchmarks measured inside a guest kernel. There the emulator (qemu TCG, user-mode Linux) runs
 * every instruction of generator and datapath alike, so a figure in packets a second says how
 * fast the emulator is on this host, not how fast the datapath is. What survives the emulator is
 * how targets compare on the same kernel, in the same boot, under the same load: each target's
 * MRR over the OVS kernel datapath's (`kernel`), the datapath the others are an alternative to.
 */

/** The backend every in-guest ratio is taken against. */
export const GUEST_REFERENCE = 'kernel';

/** True for a column whose backend ran inside a guest kernel (its identity names the guest). */
export function isGuestColumn(results: RunResults, column: string): boolean {
  return results.run.backends.some((b) => b.id === column && b.versions.guest !== undefined);
}

/** The points of a run measured on the host kernel: the only ones whose absolute figures mean anything. */
export function hostPoints(results: RunResults): BenchmarkPoint[] {
  return results.benchmarks.filter((p) => !isGuestColumn(results, p.backend));
}

export interface GuestRatio {
  /** The column, e.g. `ebpf@debian-6.1.0-57-amd64`, and its backend, `ebpf`. */
  readonly column: string;
  readonly backend: string;
  readonly frameSize: number | string;
  readonly flows: number;
  /** MRR over the reference's MRR (medians of their trials); absent without a reference figure. */
  readonly ratio?: number;
  /**
   * What the trials allow: the target's slowest trial over the reference's fastest, and its
   * fastest over the reference's slowest. For the reference itself: its trials over its median.
   */
  readonly lo?: number;
  readonly hi?: number;
  /** Why the figure is not the datapath's: the generator bounded this point or the reference's. */
  readonly generatorLimited?: string;
  readonly unsupported?: string;
}

export interface GuestKernelBench {
  /** The kernel tag of its columns (undefined when the guest was the run's first kernel). */
  readonly tag?: string;
  /** `6.1.0-57-amd64 (qemu-tcg)`, as backendKernel names it. */
  readonly kernel: string;
  /** The guest, e.g. `qemu-tcg 6.1.0-57-amd64`. */
  readonly guest: string;
  readonly reference: string;
  readonly ratios: readonly GuestRatio[];
  /** Columns of this kernel with no MRR point, and why (the probe's reason, or the benchmark's error). */
  readonly notMeasured: readonly { readonly column: string; readonly reason: string }[];
  /** Set when no ratio can be shown, saying why. */
  readonly noRatios?: string;
  /** How the points were measured: trials per point and counted seconds per trial (medians). */
  readonly trials?: { readonly perPoint: number; readonly seconds: number };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const range = (p: BenchmarkPoint) => p.spread ?? { min: Math.min(...p.trials.map((t) => t.value)), max: Math.max(...p.trials.map((t) => t.value)) };

/** One target's MRR against the reference's at the same frame size and flow count. */
export function guestRatio(p: BenchmarkPoint, ref: BenchmarkPoint | undefined, isReference: boolean): GuestRatio {
  const head = { column: p.backend, backend: columnBackend(p.backend), frameSize: p.frameSize, flows: p.flows };
  if (p.unsupported) return { ...head, unsupported: p.unsupported };
  const limited = [p, ...(ref && !isReference ? [ref] : [])].filter((x) => x.generator.limited).map((x) => x.backend);
  const generatorLimited = limited.length > 0 ? { generatorLimited: `the generator bounded ${limited.join(' and ')}` } : {};
  if (!ref || ref.unsupported || ref.value <= 0) return { ...head, ...generatorLimited };
  const [a, b] = [range(p), range(ref)];
  const bounds = isReference ? { lo: a.min / ref.value, hi: a.max / ref.value } : b.min > 0 ? { lo: a.min / b.max, hi: a.max / b.min } : {};
  return { ...head, ratio: p.value / ref.value, ...bounds, ...generatorLimited };
}

/** Why a column of a guest kernel has no MRR point: its benchmark's error or skip, or its probe's reason. */
function whyNotMeasured(results: RunResults, column: string): string {
  const c = results.cases.find((x) => x.backend === column && x.suite === 'benchmark' && (x.status === 'error' || x.status === 'skipped'));
  if (c) return `benchmark ${c.status}: ${c.reason}`;
  const id = results.run.backends.find((b) => b.id === column);
  return id && !id.available ? (id.reason ?? 'not available in this kernel') : 'no MRR point';
}

/**
 * Every guest kernel of a run that ran the benchmark suite, with its targets' MRR ratios to
 * `kernel` there; a guest kernel where nothing was measured says why.
 */
export function guestBenchmarks(results: RunResults): GuestKernelBench[] {
  if (!results.run.suites.includes('benchmark')) return [];
  const guestColumns = results.run.backends.filter((b) => b.versions.guest !== undefined).map((b) => b.id);
  const mrr = results.benchmarks.filter((p) => p.metric === 'mrr_pps' && guestColumns.includes(p.backend));
  // Runs from before guests measured anything: neither a point nor a benchmark error in a guest.
  if (mrr.length === 0 && !results.cases.some((c) => c.suite === 'benchmark' && guestColumns.includes(c.backend))) return [];
  const tagOf = (column: string) => columnKernelTag(column) ?? '';
  return [...new Set(guestColumns.map(tagOf))].map((t) => {
    const tag = t === '' ? undefined : t;
    const reference = columnId(GUEST_REFERENCE, tag);
    const columns = guestColumns.filter((c) => tagOf(c) === t);
    const here = mrr.filter((p) => tagOf(p.backend) === t);
    const refAt = (p: BenchmarkPoint) => here.find((r) => r.backend === reference && r.frameSize === p.frameSize && r.flows === p.flows);
    // The reference first, then the targets in the order they were measured.
    const ordered = [...here.filter((p) => p.backend === reference), ...here.filter((p) => p.backend !== reference)];
    const ratios = ordered.map((p) => guestRatio(p, refAt(p), p.backend === reference));
    const notMeasured = columns.filter((c) => !here.some((p) => p.backend === c)).map((column) => ({ column, reason: whyNotMeasured(results, column) }));
    const refMissing = notMeasured.find((n) => n.column === reference);
    const noRatios = ratios.some((r) => r.column !== reference && r.ratio !== undefined)
      ? undefined
      : !here.some((p) => p.backend === reference)
        ? `${reference} was not measured here${refMissing ? ' (see not measured)' : ''}: there is nothing to take ratios to`
        : `no other target was measured next to ${reference} here`;
    const trials = here.flatMap((p) => p.trials);
    const seconds = trials.map((x) => x.seconds).filter((s): s is number => s !== undefined);
    const column = columns[0] as string;
    return {
      ...(tag ? { tag } : {}),
      kernel: backendKernel(results, column),
      guest: results.run.backends.find((b) => b.id === column)?.versions.guest ?? '',
      reference,
      ratios,
      notMeasured,
      ...(noRatios ? { noRatios } : {}),
      // Counted seconds as the generator measured them (2.0012 s): to a tenth, as plans ask for them.
      ...(here.length > 0
        ? { trials: { perPoint: median(here.map((p) => p.trials.length)), seconds: seconds.length > 0 ? Math.round(median(seconds) * 10) / 10 : 0 } }
        : {}),
    };
  });
}
