/**
 * Trend detection over a benchmark series (one figure per CI run, oldest first), in the manner
 * of FD.io CSIT's trending (the `jumpavg` library), written anew. See docs/trending.md.
 *
 * 1. Segmentation. The series is cut into consecutive groups, each modelled as Gaussian
 *    samples around its own mean with its own stdev. The cut chosen is the exact minimum, by
 *    dynamic programming over all split points (O(n²)), of a description length:
 *      Σ over groups  n_g/2 · ln(var_g)  +  penaltyFactor · ln(n) per group,
 *    the first term being (up to constants) the negative log-likelihood of the group's samples,
 *    the second the BIC-like price of describing one more group (its mean, stdev and start).
 *    A new group is thus kept only when it saves more than it costs. var_g is the group's
 *    variance shrunk towards the series' noise (estimated from successive differences, which a
 *    step barely disturbs) as if `noisePrior` more samples had that noise, because a short group
 *    that happens to be tight would otherwise buy a split with its luck; and floored at the
 *    measurement resolution (`relativeResolution` of the series' mean magnitude, or
 *    `resolution`), because a constant stretch would otherwise have zero variance and an
 *    infinite gain. Groups have at least `minGroupSize` samples: a lone outlier cannot be a
 *    group, and a step is reported once it has lasted that many runs.
 * 2. Classification, oldest first. A group is a change from the group before it only when its
 *    mean moved by more than noiseMultiplier × the larger of the two groups' stdevs (the move
 *    stands out of the scatter of either side; a split that only changed the spread is not a
 *    change), by more than minRelativeChange × the previous mean (below that nobody acts), and
 *    persistently: at least minGroupSize samples of each group lie on its own side of the
 *    midpoint between the two means (one or two bad runs drag a small group's mean, but are
 *    too few to be on the far side on their own). A boundary that fails is removed: the two groups merge and the merged group is checked
 *    again against its predecessor. So every boundary left is a flagged change, and a slow
 *    drift is flagged once it adds up rather than never.
 * Direction: a mean moving the bad way (down for throughput, up for latency) is a regression.
 */

export type TrendChange = 'regression' | 'progression' | null;

export interface TrendGroup {
  /** First sample of the group (index into the input). */
  readonly from: number;
  /** Last sample of the group, inclusive. */
  readonly to: number;
  readonly mean: number;
  /** Sample stdev (n − 1), 0 for a group of one. */
  readonly stdev: number;
  /** Null for the first group; every later group is a regression or a progression. */
  readonly change: TrendChange;
  /** (mean − previous mean) / |previous mean|, e.g. −0.1; null for the first group or after a mean of 0. */
  readonly relativeChange: number | null;
}

export interface TrendOptions {
  /** Latency: lower is better. Throughput: higher is better. */
  readonly lowerIsBetter: boolean;
  /** Smallest group the segmentation may form, hence the runs a step must last to be reported. Default 3. */
  readonly minGroupSize?: number;
  /** Per-group penalty, in multiples of ln(number of samples) nats. Default 2. */
  readonly penaltyFactor?: number;
  /** Weight, in samples, of the series' noise in each group's variance. Default 2. */
  readonly noisePrior?: number;
  /** Floor under a group's stdev, as a fraction of the series' mean magnitude (measurement resolution). Default 0.002. */
  readonly relativeResolution?: number;
  /** Absolute floor under a group's stdev, e.g. the quantum of an integer latency; the larger floor applies. Default 0. */
  readonly resolution?: number;
  /** A change must exceed this many stdevs (the larger of the two groups'). Default 1. */
  readonly noiseMultiplier?: number;
  /** A change must exceed this fraction of the previous mean. Default 0.01. */
  readonly minRelativeChange?: number;
}

export const TREND_DEFAULTS = {
  minGroupSize: 3,
  penaltyFactor: 2,
  noisePrior: 2,
  relativeResolution: 0.002,
  resolution: 0,
  noiseMultiplier: 1,
  minRelativeChange: 0.01,
} as const;

type Settings = Required<Omit<TrendOptions, 'lowerIsBetter'>> & { readonly lowerIsBetter: boolean };

/** Count, mean and sum of squared deviations of a run of samples (Welford: no cancellation on large values). */
interface Moments {
  n: number;
  mean: number;
  m2: number;
}

const addSample = (m: Moments, x: number): void => {
  m.n += 1;
  const d = x - m.mean;
  m.mean += d / m.n;
  m.m2 += d * (x - m.mean);
};

const merged = (a: Moments, b: Moments): Moments => {
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  return { n, mean: a.mean + (d * b.n) / n, m2: a.m2 + b.m2 + (d * d * a.n * b.n) / n };
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const sampleStdev = (m: Moments): number => (m.n > 1 ? Math.sqrt(m.m2 / (m.n - 1)) : 0);

function settings(options: TrendOptions): Settings {
  const s: Settings = { ...TREND_DEFAULTS, ...stripUndefined(options) };
  if (!Number.isInteger(s.minGroupSize) || s.minGroupSize < 1) throw new RangeError(`trendGroups: minGroupSize must be an integer >= 1, got ${s.minGroupSize}`);
  for (const key of ['penaltyFactor', 'noisePrior', 'relativeResolution', 'resolution', 'noiseMultiplier', 'minRelativeChange'] as const) {
    if (!Number.isFinite(s[key]) || s[key] < 0) throw new RangeError(`trendGroups: ${key} must be a finite number >= 0, got ${s[key]}`);
  }
  return s;
}

// `{ penaltyFactor: undefined }` must mean the default, not NaN.
const stripUndefined = (o: TrendOptions): TrendOptions => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as TrendOptions;

/**
 * The floor under a group's stdev. Relative to the whole series (not to each group) so that
 * every candidate group is priced on one scale; when every sample is 0 any positive floor gives
 * the same cost to every grouping, so 1 is as good as any.
 */
function stdevFloor(values: readonly number[], s: Settings): number {
  const meanMagnitude = values.reduce((a, x) => a + Math.abs(x), 0) / values.length;
  return Math.max(s.resolution, s.relativeResolution * meanMagnitude) || 1;
}

/**
 * Start index of each group of the minimum-description-length segmentation. best[j] is the
 * cheapest cost of samples 0..j-1; the last group of that prefix starts at start[j]. The inner
 * loop grows the candidate last group backwards one sample at a time, so its moments are
 * updated in O(1) and the whole is O(n²).
 */
function segment(values: readonly number[], s: Settings, floor: number): number[] {
  const n = values.length;
  if (n < 2 * s.minGroupSize) return n === 0 ? [] : [0];
  const penalty = s.penaltyFactor * Math.log(n);
  const minVar = floor * floor;
  const priorM2 = s.noisePrior * robustNoise(values) ** 2;
  const best = new Float64Array(n + 1).fill(Infinity);
  const start = new Int32Array(n + 1);
  best[0] = 0;
  for (let end = s.minGroupSize; end <= n; end++) {
    const m: Moments = { n: 0, mean: 0, m2: 0 };
    for (let from = end - 1; from >= 0; from--) {
      addSample(m, values[from] as number);
      if (m.n < s.minGroupSize) continue;
      const before = best[from] as number;
      if (before === Infinity) continue; // samples 0..from-1 cannot be cut into groups of minGroupSize
      const variance = Math.max((m.m2 + priorM2) / (m.n + s.noisePrior), minVar);
      const cost = before + (m.n / 2) * Math.log(variance) + penalty;
      if (cost < (best[end] as number)) {
        best[end] = cost;
        start[end] = from;
      }
    }
  }
  const starts: number[] = [];
  for (let end = n; end > 0; end = start[end] as number) starts.push(start[end] as number);
  return starts.reverse();
}

/** Stdev of the noise from successive differences (each ~ N(0, 2σ²)), by their median: a step is one large difference and barely moves it. */
function robustNoise(values: readonly number[]): number {
  const d = values.slice(1).map((x, i) => Math.abs(x - (values[i] as number)));
  return d.length ? median(d) / (0.6745 * Math.SQRT2) : 0;
}

const momentsOf = (values: readonly number[], from: number, to: number): Moments => {
  const m: Moments = { n: 0, mean: 0, m2: 0 };
  for (let i = from; i <= to; i++) addSample(m, values[i] as number);
  return m;
};

interface Group {
  readonly from: number;
  readonly to: number;
  readonly m: Moments;
}

/** How many samples of `g` lie strictly above (or below) `level`. */
function countBeyond(values: readonly number[], g: Group, level: number, above: boolean): number {
  let count = 0;
  for (let i = g.from; i <= g.to; i++) if ((values[i] as number) > level === above && values[i] !== level) count++;
  return count;
}

/**
 * Whether `next` moved from `prev`: its mean moved by more than the noise and than the relative
 * threshold, and the move persisted, i.e. at least minGroupSize samples of each group lie on
 * that group's side of the midpoint between the two means. Persistence is what keeps one or two
 * bad runs from being a change: they drag a small group's mean (an outlier by a third of its
 * excursion in a group of three) but are too few to be on the far side on their own. The noise
 * is the larger of the two stdevs, not the pooled one: an outlier makes its group's stdev large,
 * and pooling would dilute that with the long neighbour's.
 */
function isChange(values: readonly number[], prev: Group, next: Group, s: Settings, floor: number): boolean {
  const delta = next.m.mean - prev.m.mean;
  const bound = s.noiseMultiplier * Math.max(sampleStdev(prev.m), sampleStdev(next.m), floor);
  if (Math.abs(delta) <= bound || Math.abs(delta) <= s.minRelativeChange * Math.abs(prev.m.mean)) return false;
  const midpoint = (prev.m.mean + next.m.mean) / 2;
  return countBeyond(values, next, midpoint, delta > 0) >= s.minGroupSize && countBeyond(values, prev, midpoint, delta < 0) >= s.minGroupSize;
}

/**
 * The trend of a series: consecutive groups, each flagged as a regression or progression
 * against the group before it. Samples are oldest first and must be finite.
 */
export function trendGroups(values: readonly number[], options: TrendOptions): TrendGroup[] {
  const s = settings(options);
  values.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new RangeError(`trendGroups: sample ${i} is ${x}; samples must be finite numbers`);
  });
  if (values.length === 0) return [];
  const floor = stdevFloor(values, s);
  const starts = segment(values, s, floor);
  // Walk the segments oldest first; a segment that is no change from the group before it joins
  // that group, and the grown group is checked again against its own predecessor (its mean moved).
  const kept: Group[] = [];
  starts.forEach((from, k) => {
    const to = (starts[k + 1] ?? values.length) - 1;
    kept.push({ from, to, m: momentsOf(values, from, to) });
    for (let last = kept.length - 1; last > 0; last = kept.length - 1) {
      const [a, b] = [kept[last - 1], kept[last]] as [Group, Group];
      if (isChange(values, a, b, s, floor)) break;
      kept.splice(last - 1, 2, { from: a.from, to: b.to, m: merged(a.m, b.m) });
    }
  });
  return kept.map((g, k) => {
    const prev = kept[k - 1]?.m;
    const relativeChange = prev && prev.mean !== 0 ? (g.m.mean - prev.mean) / Math.abs(prev.mean) : null;
    const better = prev ? g.m.mean < prev.mean === s.lowerIsBetter : false;
    const change: TrendChange = prev ? (better ? 'progression' : 'regression') : null;
    return { from: g.from, to: g.to, mean: g.m.mean, stdev: sampleStdev(g.m), change, relativeChange };
  });
}
