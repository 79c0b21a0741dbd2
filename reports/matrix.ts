import type { Catalogue } from '../harness/features/catalogue.js';
import { backendKernel, type CaseResult, type CaseStatus, type RunResults } from '../harness/results/results.js';

/**
 * The parity matrix: features (grouped as the catalogue, after OVS's datapath feature table) x
 * columns, one column per (run, backend) — so runs on two kernels or two hosts merged into one
 * report are two columns of the same backend.
 */
export interface MatrixColumn {
  /** Stable, HTML-id-safe key, e.g. `r0-afxdp`. */
  readonly key: string;
  /** Index of its run among those given. */
  readonly run: number;
  readonly backend: string;
  readonly product: string;
  readonly kernel: string;
  readonly host: string;
  readonly runId: string;
}

export type CellStatus = CaseStatus | 'none';

export interface MatrixCell {
  readonly column: string;
  readonly feature: string;
  /** The worst outcome among the cases exercising the feature (fail > error > timeout > pass > unsupported > skipped). */
  readonly status: CellStatus;
  /** What a reader needs first: the failing case and why, or the unsupported reason. */
  readonly reason: string;
  readonly passed: number;
  readonly total: number;
  /** The cell's failures are all known findings that behaved as their expectations predict. */
  readonly expected: boolean;
  readonly cases: readonly CaseResult[];
}

export interface MatrixRow {
  readonly feature: string;
  readonly title: string;
  readonly cells: readonly MatrixCell[];
}

export interface Matrix {
  readonly columns: readonly MatrixColumn[];
  readonly groups: readonly { readonly id: string; readonly title: string; readonly rows: readonly MatrixRow[] }[];
}

const RANK: readonly CaseStatus[] = ['fail', 'error', 'timeout', 'pass', 'unsupported', 'skipped'];

/** One column per backend that ran cases (benchmark-only baselines have no parity to show). */
export function columnsOf(runs: readonly RunResults[]): MatrixColumn[] {
  return runs.flatMap((r, i) =>
    r.run.backends
      .filter((b) => r.cases.some((c) => c.backend === b.id))
      .map((b) => ({
        key: `r${i}-${b.id}`,
        run: i,
        backend: b.id,
        product: b.product ?? b.id,
        kernel: backendKernel(r, b.id),
        host: r.run.host,
        runId: r.run.id,
      })),
  );
}

export function cellOf(column: string, feature: string, cases: readonly CaseResult[]): MatrixCell {
  const status = RANK.find((s) => cases.some((c) => c.status === s)) ?? 'none';
  const first = cases.find((c) => c.status === status);
  const reason = !first ? 'no case exercises this feature' : status === 'pass' ? '' : `${first.id}: ${first.reason}`;
  const worst = cases.filter((c) => c.status === status);
  const expected = ['fail', 'error', 'timeout'].includes(status) && worst.every((c) => c.expected === true);
  return { column, feature, status, reason, passed: cases.filter((c) => c.status === 'pass').length, total: cases.length, expected, cases };
}

export function featureMatrix(runs: readonly RunResults[], catalogue: Catalogue): Matrix {
  const columns = columnsOf(runs);
  const casesOf = (col: MatrixColumn, feature: string) =>
    (runs[col.run] as RunResults).cases.filter((c) => c.backend === col.backend && c.features.includes(feature));
  return {
    columns,
    groups: catalogue.groups.map((g) => ({
      id: g.id,
      title: g.title,
      rows: g.features.map((f) => ({ feature: f.id, title: f.title, cells: columns.map((col) => cellOf(col.key, f.id, casesOf(col, f.id))) })),
    })),
  };
}

/** A cell as the matrix tables print it: its outcome (`expected fail` for a known finding) and, over several cases, how many passed. */
export function cellText(c: MatrixCell): string {
  return c.status === 'none' ? 'not covered yet' : `${c.expected ? `expected ${c.status}` : c.status}${c.total > 1 ? ` ${c.passed}/${c.total}` : ''}`;
}

/** Its style class (reports/style.ts): the status, or hatched for failures that are all known findings. */
export const cellClass = (c: MatrixCell): string => (c.expected ? 's-expected' : `s-${c.status}`);
