import { backendKernel, lowerIsBetter, type CaseStatus, type RunResults } from '../harness/results/results.js';

/**
 * `dplab compare`: what changed from a baseline run to another run, per (backend, kernel)
 * column — case statuses and benchmark figures — and whether any of it is a regression (for CI
 * gates). Cases are matched by suite, id and backend; benchmark points by backend, metric,
 * frame size and flow count. A point regressed when its value got worse than the baseline's by
 * more than the noise: the wider of the two runs' trial spreads, and at least `threshold` of the
 * baseline value.
 */
export type CaseChangeKind = 'regression' | 'fixed' | 'changed' | 'new' | 'missing';

export interface CaseChange {
  readonly suite: string;
  readonly id: string;
  readonly backend: string;
  readonly from: CaseStatus | 'absent';
  readonly to: CaseStatus | 'absent';
  readonly kind: CaseChangeKind;
  /** The run's reason (the baseline's for a missing case). */
  readonly reason: string;
}

export interface BenchmarkChange {
  readonly backend: string;
  readonly metric: string;
  readonly frameSize: number | string;
  readonly flows: number;
  readonly unit: string;
  readonly from: number;
  readonly to: number;
  /** to / from. */
  readonly ratio: number;
  readonly kind: 'regression' | 'improvement' | 'same';
}

export interface Column {
  readonly backend: string;
  readonly baseline?: string;
  readonly run?: string;
}

export interface Comparison {
  readonly baseline: { readonly id: string; readonly dplabCommit: string };
  readonly run: { readonly id: string; readonly dplabCommit: string };
  /** Each backend's kernel and product in both runs: `kernel` on 6.1 vs on 6.12 are two columns. */
  readonly columns: readonly Column[];
  readonly cases: readonly CaseChange[];
  readonly benchmarks: readonly BenchmarkChange[];
  readonly regressions: number;
}

const BAD: readonly string[] = ['fail', 'error', 'timeout'];

function caseKind(from: CaseStatus | 'absent', to: CaseStatus | 'absent'): CaseChangeKind | undefined {
  if (from === to) return undefined;
  if (from === 'absent') return 'new';
  if (to === 'absent') return 'missing';
  if (to === 'pass') return 'fixed';
  // A case that passed and now fails or lost its feature, or newly fails, is worse.
  if ((from === 'pass' && to !== 'skipped') || (BAD.includes(to) && !BAD.includes(from))) return 'regression';
  return 'changed';
}

export function compareRuns(base: RunResults, run: RunResults, threshold = 0.1): Comparison {
  const caseKey = (c: { suite: string; id: string; backend: string }) => `${c.suite}\u0000${c.id}\u0000${c.backend}`;
  const before = new Map(base.cases.map((c) => [caseKey(c), c]));
  const after = new Map(run.cases.map((c) => [caseKey(c), c]));
  const cases: CaseChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    const from = b?.status ?? 'absent';
    const to = a?.status ?? 'absent';
    const kind = caseKind(from, to);
    const c = (a ?? b) as { suite: string; id: string; backend: string };
    if (kind) cases.push({ suite: c.suite, id: c.id, backend: c.backend, from, to, kind, reason: (a ?? b)?.reason ?? '' });
  }
  const pointKey = (p: { backend: string; metric: string; frameSize: number | string; flows: number }) => `${p.backend}\u0000${p.metric}\u0000${p.frameSize}\u0000${p.flows}`;
  const basePoints = new Map(base.benchmarks.map((p) => [pointKey(p), p]));
  const benchmarks: BenchmarkChange[] = [];
  for (const p of run.benchmarks) {
    const b = basePoints.get(pointKey(p));
    if (!b || b.value <= 0) continue;
    const ratio = p.value / b.value;
    // The noise: the wider of both runs' trial spreads (repeated trials), and at least the
    // threshold relative to the baseline. A change within it is not a change.
    const width = (x: { spread?: { min: number; max: number } | undefined }) => (x.spread ? x.spread.max - x.spread.min : 0);
    const noise = Math.max(threshold * b.value, width(b), width(p));
    const gain = lowerIsBetter(p.metric) ? b.value - p.value : p.value - b.value;
    const worse = gain < -noise;
    const better = gain > noise;
    benchmarks.push({ backend: p.backend, metric: p.metric, frameSize: p.frameSize, flows: p.flows, unit: p.unit, from: b.value, to: p.value, ratio, kind: worse ? 'regression' : better ? 'improvement' : 'same' });
  }
  const backends = [...new Set([...base.run.backends.map((b) => b.id), ...run.run.backends.map((b) => b.id)])];
  const column = (r: RunResults, id: string) => {
    const b = r.run.backends.find((x) => x.id === id);
    return b ? `${b.product ?? id} on linux ${backendKernel(r, id)}` : undefined;
  };
  const columns = backends.map((id) => {
    const bl = column(base, id);
    const rn = column(run, id);
    return { backend: id, ...(bl ? { baseline: bl } : {}), ...(rn ? { run: rn } : {}) };
  });
  const order: Record<CaseChangeKind, number> = { regression: 0, fixed: 1, changed: 2, new: 3, missing: 4 };
  cases.sort((x, y) => order[x.kind] - order[y.kind] || x.backend.localeCompare(y.backend) || x.id.localeCompare(y.id));
  return {
    baseline: { id: base.run.id, dplabCommit: base.run.dplabCommit },
    run: { id: run.run.id, dplabCommit: run.run.dplabCommit },
    columns,
    cases,
    benchmarks,
    regressions: cases.filter((c) => c.kind === 'regression').length + benchmarks.filter((b) => b.kind === 'regression').length,
  };
}

const fmt = (v: number) => (Math.abs(v) >= 1e5 ? v.toExponential(3) : String(Math.round(v * 1000) / 1000));

/** The comparison as text for a terminal or a CI log. */
export function formatComparison(c: Comparison): string {
  const lines = [`baseline ${c.baseline.id} (${c.baseline.dplabCommit.slice(0, 12)}) -> run ${c.run.id} (${c.run.dplabCommit.slice(0, 12)})`];
  for (const col of c.columns) lines.push(`  ${col.backend}: ${col.baseline ?? '(absent)'} -> ${col.run ?? '(absent)'}`);
  if (c.cases.length === 0) lines.push('cases: no status changed');
  for (const x of c.cases) lines.push(`${x.kind.padEnd(10)} ${x.backend} ${x.suite}/${x.id}: ${x.from} -> ${x.to}${x.reason ? ` (${x.reason})` : ''}`);
  for (const b of c.benchmarks.filter((x) => x.kind !== 'same')) {
    lines.push(`${b.kind.padEnd(10)} ${b.backend} ${b.metric} ${b.frameSize} B ${b.flows} flows: ${fmt(b.from)} -> ${fmt(b.to)} ${b.unit} (x${b.ratio.toFixed(3)})`);
  }
  const same = c.benchmarks.filter((x) => x.kind === 'same').length;
  if (c.benchmarks.length > 0) lines.push(`benchmarks: ${c.benchmarks.length} compared, ${same} within the threshold`);
  lines.push(c.regressions > 0 ? `${c.regressions} regression(s)` : 'no regressions');
  return `${lines.join('\n')}\n`;
}
