import { backendKernel, columnBackend, type CaseResult, type CaseStatus, type RunResults } from './results.js';

/**
 * The kernel diff: one backend on two kernels, what differs between them — whether it could run
 * at all, the features its probes found on one kernel and not the other (with the probe's
 * reason), and the cases whose status differs. Pairs come from one run (each `backend@tag`
 * column against the reference column `backend`) or from two runs (the same column on two
 * kernels, for `dplab compare`).
 */
export interface KernelSide {
  /** The column id: `ebpf`, `ebpf@debian-6.12-amd64`. */
  readonly column: string;
  readonly runId: string;
  /** As backendKernel gives it: `6.1.192 (uml)` in a guest, the host's release otherwise. */
  readonly kernel: string;
  /** False when the kernel is the host's own (not a guest booted for the run). */
  readonly guest: boolean;
  readonly available: boolean;
  /** Why it could not run, when it could not. */
  readonly reason?: string;
}

/** A feature the probes found on one kernel only; the reason is the probe's, on the side without it. */
export interface FeatureDiff {
  readonly feature: string;
  /** The probe's reason where it is unsupported; undefined where it is supported. */
  readonly from?: string;
  readonly to?: string;
}

export interface CaseDiff {
  readonly suite: string;
  readonly id: string;
  readonly from: CaseStatus | 'absent';
  readonly fromReason: string;
  readonly to: CaseStatus | 'absent';
  readonly toReason: string;
}

export interface KernelPair {
  /** The backend (the column id before `@`). */
  readonly backend: string;
  readonly from: KernelSide;
  readonly to: KernelSide;
  /** Only when both sides could run: an unavailable side probed nothing. */
  readonly features: readonly FeatureDiff[];
  /** Cases whose status differs, by suite and id. */
  readonly cases: readonly CaseDiff[];
  /** Cases on either side, and those of the same status on both. */
  readonly compared: number;
  readonly same: number;
}

/** How a report names a side: `6.1.192 (uml)`, `6.18.44 (host)`. */
export const kernelLabel = (s: KernelSide): string => (s.guest ? s.kernel : `${s.kernel} (host)`);

function side(r: RunResults, column: string): KernelSide {
  const b = r.run.backends.find((x) => x.id === column);
  return {
    column,
    runId: r.run.id,
    kernel: backendKernel(r, column),
    guest: b?.versions.guest !== undefined,
    // A column with cases and no identity is not known to have failed to start.
    available: b?.available ?? true,
    ...(b && !b.available && b.reason ? { reason: b.reason } : {}),
  };
}

function featureDiffs(a: RunResults, from: KernelSide, b: RunResults, to: KernelSide): FeatureDiff[] {
  if (!from.available || !to.available) return [];
  const lacks = (r: RunResults, col: string) => r.run.backends.find((x) => x.id === col)?.unsupported ?? {};
  const x = lacks(a, from.column);
  const y = lacks(b, to.column);
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .filter((f) => (x[f] === undefined) !== (y[f] === undefined))
    .sort()
    .map((f) => ({ feature: f, ...(x[f] !== undefined ? { from: x[f] } : {}), ...(y[f] !== undefined ? { to: y[f] } : {}) }));
}

function pairOf(a: RunResults, fromCol: string, b: RunResults, toCol: string): KernelPair | undefined {
  const key = (c: CaseResult) => `${c.suite}\u0000${c.id}`;
  const before = new Map(a.cases.filter((c) => c.backend === fromCol).map((c) => [key(c), c]));
  const after = new Map(b.cases.filter((c) => c.backend === toCol).map((c) => [key(c), c]));
  const from = side(a, fromCol);
  const to = side(b, toCol);
  const features = featureDiffs(a, from, b, to);
  const keys = new Set([...before.keys(), ...after.keys()]);
  // Benchmark-only targets (no cases, nothing probed) have nothing to compare.
  if (keys.size === 0 && features.length === 0 && from.available === to.available) return undefined;
  const cases: CaseDiff[] = [];
  for (const k of keys) {
    const x = before.get(k);
    const y = after.get(k);
    const c = (x ?? y) as CaseResult;
    if (x?.status === y?.status) continue;
    cases.push({ suite: c.suite, id: c.id, from: x?.status ?? 'absent', fromReason: x?.reason ?? '', to: y?.status ?? 'absent', toReason: y?.reason ?? '' });
  }
  cases.sort((p, q) => p.suite.localeCompare(q.suite) || p.id.localeCompare(q.id));
  return { backend: columnBackend(toCol), from, to, features, cases, compared: keys.size, same: keys.size - cases.length };
}

/** Every column id a run has: its backend identities and the columns of its cases. */
const columnsOf = (r: RunResults): string[] => [...new Set([...r.run.backends.map((b) => b.id), ...r.cases.map((c) => c.backend)])];

const order = (p: KernelPair, q: KernelPair) =>
  p.backend.localeCompare(q.backend) ||
  p.from.runId.localeCompare(q.from.runId) ||
  p.to.runId.localeCompare(q.to.runId) ||
  p.from.column.localeCompare(q.from.column) ||
  p.to.column.localeCompare(q.to.column);

/**
 * Within one run: each backend's columns against one of them, its reference: the first column,
 * in the order of the run's kernels, where the backend could run (the reference kernel's `backend`
 * when it ran there; else, e.g. `kernel` on a host without openvswitch.ko, the first guest's).
 * Pairs keep the run's kernel order.
 */
export function kernelPairsInRun(r: RunResults): KernelPair[] {
  const columns = columnsOf(r);
  const available = (id: string) => r.run.backends.find((b) => b.id === id)?.available ?? true;
  return [...new Set(columns.map(columnBackend))].sort().flatMap((backend) => {
    const own = columns.filter((id) => columnBackend(id) === backend);
    const ref = own.find(available) ?? own[0];
    return own.filter((id) => id !== ref).flatMap((id) => pairOf(r, ref as string, r, id) ?? []);
  });
}

/** Across two runs: each column both have, when it ran on another kernel in each. */
export function kernelPairsAcross(base: RunResults, run: RunResults): KernelPair[] {
  const inRun = new Set(columnsOf(run));
  return columnsOf(base)
    .filter((id) => inRun.has(id) && backendKernel(base, id) !== backendKernel(run, id))
    .map((id) => pairOf(base, id, run, id))
    .filter((p): p is KernelPair => p !== undefined)
    .sort(order);
}

/** A report's pairs: within each run, and for merged runs, each later run against the first. */
export function kernelPairs(runs: readonly RunResults[]): KernelPair[] {
  const [first, ...rest] = runs;
  if (!first) return [];
  return [...runs.flatMap(kernelPairsInRun), ...rest.flatMap((r) => kernelPairsAcross(first, r))];
}
