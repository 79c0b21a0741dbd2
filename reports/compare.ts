import {
  backendKernel,
  lowerIsBetter,
  type BenchConditions,
  type BenchmarkPoint,
  type CaseResult,
  type CaseStatus,
  type RunResults,
} from '../harness/results/results.js';
import { kernelPairsAcross, type KernelPair } from '../harness/results/kernel-diff.js';
import { kernelDiffLines } from './kernel-diff.js';
import { GUEST_REFERENCE, guestRatio, isGuestColumn } from '../harness/results/guest-ratios.js';
import { columnId, columnKernelTag } from '../harness/results/results.js';

/**
 * `dplab compare`: what changed from a baseline run to another run, per (backend, kernel)
 * column — case statuses and benchmark figures — and whether any of it is a regression (for CI
 * gates). Cases are matched by suite, id and backend; benchmark points by backend, metric,
 * frame size, flow count and load fraction (latency).
 *
 * What counts against the run:
 * - a case that passed and now fails, errors or times out; a case that newly fails, errors or
 *   times out; a new case that errors or times out;
 * - lost coverage: a case that passed and is now skipped, unsupported or absent, a baseline
 *   benchmark point with no counterpart, a backend of the baseline missing from the run
 *   (warnings instead with `allowCoverageLoss`, for runs that deliberately run less);
 * - a benchmark figure worse than the baseline's by more than the noise: the wider of the two
 *   runs' trial spreads, and at least `threshold` of the baseline value.
 * Points measured under different conditions (generator, topology, trial length, search
 * precision, PDR loss) are shown side by side and never judged; so are points the generator
 * bounded on either side, and points measured inside a guest kernel (the emulator's figures:
 * shown with their ratio to `kernel` on that kernel, never judged, never counted as lost).
 *
 * A column that ran on another kernel in each run also gets its kernel diff
 * (harness/results/kernel-diff.ts): shown, never counted.
 */
export type CaseChangeKind = 'regression' | 'coverage-lost' | 'fixed' | 'changed' | 'new' | 'missing';

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

export type BenchmarkChangeKind = 'regression' | 'improvement' | 'same' | 'incomparable' | 'generator-limited' | 'in-guest' | 'coverage-lost' | 'new';

export interface BenchmarkChange {
  readonly backend: string;
  readonly metric: string;
  readonly frameSize: number | string;
  readonly flows: number;
  readonly loadFraction?: number;
  readonly unit: string;
  /** Absent on the side that has no such point. */
  readonly from?: number;
  readonly to?: number;
  /** to / from, when both were measured. */
  readonly ratio?: number;
  readonly kind: BenchmarkChangeKind;
  /** Why a point is not judged, or what was lost. */
  readonly note?: string;
}

export interface Column {
  readonly backend: string;
  readonly baseline?: string;
  readonly run?: string;
}

/** A measurement condition that differs between the two runs. */
export interface ConditionChange {
  readonly field: string;
  readonly baseline: string;
  readonly run: string;
}

export interface Comparison {
  readonly baseline: { readonly id: string; readonly dplabCommit: string };
  readonly run: { readonly id: string; readonly dplabCommit: string };
  /** Each backend's kernel and product in both runs: `kernel` on 6.1 vs on 6.12 are two columns. */
  readonly columns: readonly Column[];
  /** Backends of the baseline that ran something and are missing from the run. */
  readonly lostBackends: readonly string[];
  readonly conditions: readonly ConditionChange[];
  readonly cases: readonly CaseChange[];
  readonly benchmarks: readonly BenchmarkChange[];
  /** Columns that ran on another kernel in each run: informational, never counted. */
  readonly kernelDiff: readonly KernelPair[];
  /** Counted for the exit code. */
  readonly regressions: number;
  /** Lost coverage accepted with allowCoverageLoss. */
  readonly warnings: number;
}

export interface CompareOptions {
  /** Smallest relative change of a benchmark figure that counts (default 0.1). */
  readonly threshold?: number;
  /** Lost coverage is a warning, not a regression. */
  readonly allowCoverageLoss?: boolean;
}

const BAD: readonly string[] = ['fail', 'error', 'timeout'];

function caseKind(from: CaseStatus | 'absent', to: CaseStatus | 'absent'): CaseChangeKind | undefined {
  if (from === to) return undefined;
  if (from === 'absent') return to === 'error' || to === 'timeout' ? 'regression' : 'new';
  if (to === 'pass') return 'fixed';
  if (from === 'pass') return BAD.includes(to) ? 'regression' : 'coverage-lost';
  if (to === 'absent') return 'missing';
  if (BAD.includes(to) && !BAD.includes(from)) return 'regression';
  return 'changed';
}

/** Backends that ran something in a run: a case that passed or failed, or a benchmark point compare judges (not a guest's). */
function ranBackends(r: RunResults): Set<string> {
  return new Set([
    ...r.cases.filter((c) => c.status !== 'skipped').map((c) => c.backend),
    ...r.benchmarks.filter((p) => !p.unsupported && !isGuestColumn(r, p.backend)).map((p) => p.backend),
  ]);
}

/** An in-guest MRR point's ratio to `kernel` on its kernel, as text; undefined for other points or without a reference. */
function guestRatioText(r: RunResults, p: BenchmarkPoint | undefined): string | undefined {
  if (!p || p.metric !== 'mrr_pps') return undefined;
  const reference = columnId(GUEST_REFERENCE, columnKernelTag(p.backend));
  const ref = r.benchmarks.find((x) => x.backend === reference && x.metric === p.metric && x.frameSize === p.frameSize && x.flows === p.flows);
  const ratio = guestRatio(p, ref, p.backend === reference).ratio;
  return ratio === undefined ? undefined : ratio.toFixed(2);
}

/** A guest point, from either side: shown, never judged (the emulator set both figures). */
function inGuest(base: RunResults, run: RunResults, b: BenchmarkPoint | undefined, p: BenchmarkPoint | undefined): Pick<BenchmarkChange, 'kind' | 'note'> {
  const [rb, rp] = [guestRatioText(base, b), guestRatioText(run, p)];
  const ratios = rb !== undefined || rp !== undefined ? `; MRR / ${GUEST_REFERENCE} on that kernel ${rb ?? '(none)'} -> ${rp ?? '(none)'}` : '';
  const side = !b ? ' (new in the run)' : !p ? ' (only in the baseline)' : '';
  return { kind: 'in-guest', note: `measured inside a guest kernel: the emulator's figure, not judged${side}${ratios}` };
}

function compareCases(base: RunResults, run: RunResults, lost: ReadonlySet<string>): CaseChange[] {
  const key = (c: CaseResult) => `${c.suite}\u0000${c.id}\u0000${c.backend}`;
  const before = new Map(base.cases.map((c) => [key(c), c]));
  const after = new Map(run.cases.map((c) => [key(c), c]));
  const out: CaseChange[] = [];
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(k);
    const a = after.get(k);
    const c = (a ?? b) as CaseResult;
    // A backend missing from the run is one entry of its own, not one per case.
    if (!a && lost.has(c.backend)) continue;
    const from = b?.status ?? 'absent';
    const to = a?.status ?? 'absent';
    const kind = caseKind(from, to);
    if (kind) out.push({ suite: c.suite, id: c.id, backend: c.backend, from, to, kind, reason: c.reason });
  }
  const order: Record<CaseChangeKind, number> = { regression: 0, 'coverage-lost': 1, fixed: 2, changed: 3, new: 4, missing: 5 };
  return out.sort((x, y) => order[x.kind] - order[y.kind] || x.backend.localeCompare(y.backend) || x.id.localeCompare(y.id));
}

const show = (v: unknown) => (v === undefined ? '(not recorded)' : Array.isArray(v) ? v.join(',') : String(v));

/** The conditions that differ, and which of them make which points incomparable. */
function compareConditions(
  base: BenchConditions | undefined,
  run: BenchConditions | undefined,
): { changes: ConditionChange[]; incomparable: (p: BenchmarkPoint) => string | undefined } {
  if (!base || !run) {
    const changes =
      base === run ? [] : [{ field: 'benchmark conditions', baseline: base ? 'recorded' : '(not recorded)', run: run ? 'recorded' : '(not recorded)' }];
    return { changes, incomparable: () => undefined };
  }
  const fields = Object.keys({ ...base, ...run }) as (keyof BenchConditions)[];
  const changes: ConditionChange[] = fields
    .filter((f) => show(base[f]) !== show(run[f]))
    .map((f) => ({ field: f, baseline: show(base[f]), run: show(run[f]) }));
  const differs = (f: keyof BenchConditions): ConditionChange | undefined => changes.find((c) => c.field === f);
  const describe = (c: ConditionChange) => `${c.field} ${c.baseline} -> ${c.run}`;
  const everyPoint = (['generator', 'topology', 'trialMs', 'rampMs'] as const).map(differs).filter((c): c is ConditionChange => c !== undefined);
  return {
    changes,
    incomparable: (p) => {
      const search = p.metric === 'ndr_pps' || p.metric === 'pdr_pps';
      const why = [
        ...everyPoint,
        ...(search ? [differs('precision')] : []),
        ...(p.metric === 'pdr_pps' ? [differs('pdrLoss')] : []),
        ...(p.metric === 'flow_setup_per_s' ? [differs('setupFlows')] : []),
      ];
      const found = why.filter((c): c is ConditionChange => c !== undefined);
      return found.length > 0 ? `measured under other conditions: ${found.map(describe).join(', ')}` : undefined;
    },
  };
}

const pointKey = (p: BenchmarkPoint) => `${p.backend}\u0000${p.metric}\u0000${p.frameSize}\u0000${p.flows}\u0000${p.loadFraction ?? ''}`;
const width = (x: BenchmarkPoint) => (x.spread ? x.spread.max - x.spread.min : 0);

function judge(b: BenchmarkPoint, p: BenchmarkPoint, threshold: number, incomparable: string | undefined): Pick<BenchmarkChange, 'kind' | 'note'> {
  if (incomparable) return { kind: 'incomparable', note: incomparable };
  if (b.generator.limited || p.generator.limited) {
    return {
      kind: 'generator-limited',
      note: `the generator bounded the ${b.generator.limited ? (p.generator.limited ? 'baseline and the run' : 'baseline') : 'run'}: not a figure of the target`,
    };
  }
  if (b.value <= 0 && p.value <= 0) return { kind: 'same' };
  // The noise: the wider of both runs' trial spreads, and at least the threshold of the baseline.
  const noise = Math.max(threshold * b.value, width(b), width(p));
  const gain = lowerIsBetter(p.metric) ? b.value - p.value : p.value - b.value;
  return { kind: gain < -noise ? 'regression' : gain > noise ? 'improvement' : 'same' };
}

function compareBenchmarks(
  base: RunResults,
  run: RunResults,
  threshold: number,
  lost: ReadonlySet<string>,
): { changes: BenchmarkChange[]; conditions: ConditionChange[] } {
  const { changes: conditions, incomparable } = compareConditions(base.run.benchmark, run.run.benchmark);
  const after = new Map(run.benchmarks.map((p) => [pointKey(p), p]));
  const before = new Map(base.benchmarks.map((p) => [pointKey(p), p]));
  const out: BenchmarkChange[] = [];
  const head = (p: BenchmarkPoint) => ({
    backend: p.backend,
    metric: p.metric,
    frameSize: p.frameSize,
    flows: p.flows,
    unit: p.unit,
    ...(p.loadFraction === undefined ? {} : { loadFraction: p.loadFraction }),
  });
  const guest = (p: BenchmarkPoint) => isGuestColumn(base, p.backend) || isGuestColumn(run, p.backend);
  for (const b of base.benchmarks) {
    const p = after.get(pointKey(b));
    if (b.unsupported) continue;
    if (guest(b)) {
      if (!p && lost.has(b.backend)) continue;
      out.push({
        ...head(b),
        from: b.value,
        ...(p && !p.unsupported ? { to: p.value, ...(b.value > 0 ? { ratio: p.value / b.value } : {}) } : {}),
        ...inGuest(base, run, b, p),
      });
      continue;
    }
    if (!p) {
      if (!lost.has(b.backend)) out.push({ ...head(b), from: b.value, kind: 'coverage-lost', note: 'measured in the baseline, not in the run' });
      continue;
    }
    if (p.unsupported) {
      out.push({ ...head(b), from: b.value, kind: 'coverage-lost', note: `not measured in the run: ${p.unsupported}` });
      continue;
    }
    out.push({ ...head(b), from: b.value, to: p.value, ...(b.value > 0 ? { ratio: p.value / b.value } : {}), ...judge(b, p, threshold, incomparable(p)) });
  }
  for (const p of run.benchmarks) {
    if (before.has(pointKey(p)) || p.unsupported) continue;
    out.push({ ...head(p), to: p.value, ...(guest(p) ? inGuest(base, run, undefined, p) : { kind: 'new' as const }) });
  }
  return { changes: out, conditions };
}

export function compareRuns(base: RunResults, run: RunResults, o: CompareOptions = {}): Comparison {
  const threshold = o.threshold ?? 0.1;
  const inRun = new Set(run.run.backends.map((b) => b.id));
  const lostBackends = [...ranBackends(base)].filter((id) => !inRun.has(id)).sort();
  const lost = new Set(lostBackends);
  const cases = compareCases(base, run, lost);
  const { changes: benchmarks, conditions } = compareBenchmarks(base, run, threshold, lost);
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
  const coverageLost =
    lostBackends.length + cases.filter((c) => c.kind === 'coverage-lost').length + benchmarks.filter((b) => b.kind === 'coverage-lost').length;
  const regressed = cases.filter((c) => c.kind === 'regression').length + benchmarks.filter((b) => b.kind === 'regression').length;
  return {
    baseline: { id: base.run.id, dplabCommit: base.run.dplabCommit },
    run: { id: run.run.id, dplabCommit: run.run.dplabCommit },
    columns,
    lostBackends,
    conditions,
    cases,
    benchmarks,
    kernelDiff: kernelPairsAcross(base, run),
    regressions: regressed + (o.allowCoverageLoss ? 0 : coverageLost),
    warnings: o.allowCoverageLoss ? coverageLost : 0,
  };
}

const fmt = (v: number | undefined) => (v === undefined ? '(none)' : Math.abs(v) >= 1e5 ? v.toExponential(3) : String(Math.round(v * 1000) / 1000));

export function pointLabel(b: Pick<BenchmarkChange, 'metric' | 'frameSize' | 'flows' | 'loadFraction'>): string {
  return `${b.metric} ${b.frameSize}${b.frameSize === 'imix' ? '' : ' B'} ${b.flows} flows${b.loadFraction === undefined ? '' : ` at ${Math.round(b.loadFraction * 100)} % of NDR`}`;
}

/** The comparison as text for a terminal or a CI log. */
export function formatComparison(c: Comparison): string {
  const lines = [`baseline ${c.baseline.id} (${c.baseline.dplabCommit.slice(0, 12)}) -> run ${c.run.id} (${c.run.dplabCommit.slice(0, 12)})`];
  for (const col of c.columns) lines.push(`  ${col.backend}: ${col.baseline ?? '(absent)'} -> ${col.run ?? '(absent)'}`);
  for (const x of c.conditions) lines.push(`conditions differ: ${x.field}: ${x.baseline} -> ${x.run}`);
  lines.push(...kernelDiffLines(c.kernelDiff));
  const lostKind = c.warnings > 0 ? 'warning' : 'coverage-lost';
  for (const id of c.lostBackends) lines.push(`${lostKind.padEnd(13)} backend ${id}: ran in the baseline, missing from the run`);
  if (c.cases.length === 0) lines.push('cases: no status changed');
  for (const x of c.cases) {
    const kind = x.kind === 'coverage-lost' ? lostKind : x.kind;
    lines.push(`${kind.padEnd(13)} ${x.backend} ${x.suite}/${x.id}: ${x.from} -> ${x.to}${x.reason ? ` (${x.reason})` : ''}`);
  }
  for (const b of c.benchmarks.filter((x) => x.kind !== 'same')) {
    const kind = b.kind === 'coverage-lost' ? lostKind : b.kind;
    lines.push(
      `${kind.padEnd(13)} ${b.backend} ${pointLabel(b)}: ${fmt(b.from)} -> ${fmt(b.to)} ${b.unit}${b.ratio === undefined ? '' : ` (x${b.ratio.toFixed(3)})`}${b.note ? `: ${b.note}` : ''}`,
    );
  }
  const judged = c.benchmarks.filter((x) => ['same', 'regression', 'improvement'].includes(x.kind)).length;
  const same = c.benchmarks.filter((x) => x.kind === 'same').length;
  if (c.benchmarks.length > 0) lines.push(`benchmarks: ${judged} compared, ${same} within the noise; ${c.benchmarks.length - judged} shown but not judged`);
  lines.push(
    `${c.regressions > 0 ? `${c.regressions} regression(s)` : 'no regressions'}${c.warnings > 0 ? `, ${c.warnings} coverage warning(s) (--allow-coverage-loss)` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
