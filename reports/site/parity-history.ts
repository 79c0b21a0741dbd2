import type { Catalogue } from '../../harness/features/catalogue.js';
import { backendKernel, type RunResults } from '../../harness/results/results.js';
import { cellOf, featureMatrix, type CellStatus, type Matrix, type MatrixCell } from '../matrix.js';

/**
 * The parity matrix over history: the latest run per (host, kernels) with what changed since the
 * run before it, and the kernel x backend matrix over every kernel the store has seen.
 */

const byStart = (a: RunResults, b: RunResults) => a.run.started.localeCompare(b.run.started) || a.run.id.localeCompare(b.run.id);

/** The kernels a run's backends ran on (the host's, and a guest's for backends run inside one). */
function runKernels(r: RunResults): string[] {
  return [...new Set(r.run.backends.filter((b) => r.cases.some((c) => c.backend === b.id)).map((b) => backendKernel(r, b.id)))].sort();
}

export interface CellChange {
  readonly backend: string;
  readonly feature: string;
  readonly was: CellStatus | 'absent';
  readonly now: CellStatus | 'absent';
}

export interface LatestParity {
  readonly host: string;
  readonly kernels: readonly string[];
  readonly latest: RunResults;
  readonly previous: RunResults | undefined;
  readonly matrix: Matrix;
  /** Cells whose status differs from the previous run's (by backend and feature); empty without a previous run. */
  readonly changes: readonly CellChange[];
}

function cellsByBackendFeature(m: Matrix): Map<string, MatrixCell> {
  const backendOf = new Map(m.columns.map((c) => [c.key, c.backend]));
  return new Map(m.groups.flatMap((g) => g.rows.flatMap((r) => r.cells.map((c) => [`${backendOf.get(c.column)}|${c.feature}`, c] as const))));
}

/** Cells that moved, in catalogue order; a backend that vanished or appeared moves every row it had cases in. */
export function matrixChanges(previous: Matrix, latest: Matrix): CellChange[] {
  const before = cellsByBackendFeature(previous);
  const after = cellsByBackendFeature(latest);
  const keys = [...new Set([...after.keys(), ...before.keys()])];
  return keys.flatMap((k) => {
    const was = before.get(k)?.status ?? 'absent';
    const now = after.get(k)?.status ?? 'absent';
    const [backend, feature] = k.split('|') as [string, string];
    const moved = was !== now && !(was === 'none' && now === 'absent') && !(was === 'absent' && now === 'none');
    return moved ? [{ backend, feature, was, now }] : [];
  });
}

/** One entry per (host, kernels) that ran cases, newest first. */
export function latestParity(runs: readonly RunResults[], catalogue: Catalogue): LatestParity[] {
  const groups = new Map<string, RunResults[]>();
  for (const r of [...runs].sort(byStart)) {
    if (r.cases.length === 0) continue;
    const key = `${r.run.host}|${runKernels(r).join('+')}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((rs) => {
      const latest = rs.at(-1) as RunResults;
      const previous = rs.at(-2);
      const matrix = featureMatrix([latest], catalogue);
      const changes = previous ? matrixChanges(featureMatrix([previous], catalogue), matrix) : [];
      return { host: latest.run.host, kernels: runKernels(latest), latest, previous, matrix, changes };
    })
    .sort((a, b) => byStart(b.latest, a.latest));
}

export interface KernelBackendCell {
  readonly kernel: string;
  readonly backend: string;
  /** The latest run that ran this backend's cases on this kernel; absent when none did. */
  readonly run: RunResults | undefined;
  /** The worst outcome of that run's cases on the backend, with counts (as a matrix cell over all features). */
  readonly cell: MatrixCell | undefined;
  /** How many runs of the store tested this pair. */
  readonly runs: number;
}

export interface KernelBackendMatrix {
  readonly kernels: readonly string[];
  readonly backends: readonly string[];
  readonly cells: readonly KernelBackendCell[];
}

/** Every kernel the store has seen a backend's cases run on, against every backend. */
export function kernelBackendMatrix(runs: readonly RunResults[]): KernelBackendMatrix {
  const tested = [...runs]
    .sort(byStart)
    .flatMap((r) => [...new Set(r.cases.map((c) => c.backend))].map((backend) => ({ r, backend, kernel: backendKernel(r, backend) })));
  const kernels = [...new Set(tested.map((t) => t.kernel))].sort();
  const backends = [...new Set(tested.map((t) => t.backend))].sort();
  const cells = kernels.flatMap((kernel) =>
    backends.map((backend) => {
      const pair = tested.filter((t) => t.kernel === kernel && t.backend === backend);
      const run = pair.at(-1)?.r;
      const cell = run
        ? cellOf(
            `${backend}@${kernel}`,
            '*',
            run.cases.filter((c) => c.backend === backend),
          )
        : undefined;
      return { kernel, backend, run, cell, runs: pair.length };
    }),
  );
  return { kernels, backends, cells };
}
