/**
 * RFC 2544 throughput search: the highest offered rate whose trial loses no more than the
 * loss threshold (0 for NDR, e.g. 0.005 for PDR), by binary search between a rate known to
 * pass (lo) and one known or assumed to fail (hi). The search stops when hi - lo is within
 * `precision` of hi (relative), or after `maxTrials`; the answer is the highest rate that
 * passed, never an interpolation.
 */
export interface TrialOutcome {
  /** Frames the generator really sent per second (may fall short of the rate asked). */
  readonly offeredPps: number;
  /** Lost frames / sent frames over the trial. */
  readonly lossRatio: number;
}

export interface SearchOptions {
  /** Highest rate to consider (the generator's ceiling or the line rate), pps. */
  readonly maxPps: number;
  /** First rate tried; a good guess (e.g. the MRR) saves trials. Default maxPps. */
  readonly startPps?: number;
  readonly lossThreshold: number;
  /** Relative resolution, e.g. 0.02: stop when (hi - lo) <= 0.02 * hi. */
  readonly precision: number;
  readonly maxTrials: number;
  /** A rate already shown to pass (e.g. the NDR when searching the PDR): the search starts above it. */
  readonly knownPassPps?: number;
  /** Stop once hi falls below this (nothing worth measuring passes); default maxPps / 1e6. */
  readonly minPps?: number;
}

export interface SearchStep {
  readonly requestedPps: number;
  readonly offeredPps: number;
  readonly lossRatio: number;
  readonly pass: boolean;
}

export interface SearchResult {
  /** Highest offered rate that passed; 0 when none did. */
  readonly pps: number;
  readonly steps: readonly SearchStep[];
  /** True when hi - lo ended within the precision (false: stopped by maxTrials). */
  readonly converged: boolean;
  /** Why the search stopped, in words for the results. */
  readonly ended: string;
  /** Final bracket. */
  readonly lo: number;
  readonly hi: number;
}

export async function throughputSearch(trial: (pps: number) => Promise<TrialOutcome>, o: SearchOptions): Promise<SearchResult> {
  if (!(o.maxPps > 0)) throw new Error(`search: maxPps must be > 0 (got ${o.maxPps})`);
  if (!(o.precision > 0 && o.precision < 1)) throw new Error(`search: precision must be in (0, 1) (got ${o.precision})`);
  const minPps = o.minPps ?? o.maxPps * 1e-6;
  const steps: SearchStep[] = [];
  let lo = Math.min(o.knownPassPps ?? 0, o.maxPps);
  let hi = o.maxPps;
  let best = lo;
  // A generator asked for 0 pps sends at line rate: a start of 0 (an MRR of 0) means "from the top".
  const start = o.startPps !== undefined && o.startPps > 0 ? o.startPps : o.maxPps;
  let next = Math.max(Math.min(start, o.maxPps), lo);
  const result = (converged: boolean, ended: string): SearchResult => ({ pps: best, steps, converged, ended, lo, hi });
  const bracket = () => `${Math.round(lo)}..${Math.round(hi)} pps`;
  if (hi - lo <= o.precision * hi) return result(true, `the rate known to pass (${Math.round(lo)} pps) is within the precision of the highest rate`);
  while (steps.length < o.maxTrials) {
    const r = await trial(next);
    const pass = r.lossRatio <= o.lossThreshold;
    steps.push({ requestedPps: next, offeredPps: r.offeredPps, lossRatio: r.lossRatio, pass });
    if (pass) {
      // Credit what was really offered: a generator that fell short did not prove the rate asked.
      lo = Math.max(lo, Math.min(next, r.offeredPps));
      best = Math.max(best, lo);
      if (next >= hi || r.offeredPps < next * (1 - o.precision / 2)) {
        hi = Math.max(lo, Math.min(hi, r.offeredPps * (1 + o.precision / 2)));
      }
    } else {
      // It failed at what was really offered, which may be less than asked.
      hi = Math.min(hi, next, r.offeredPps);
    }
    // A trial that failed at an offered rate below one that passed: the loss is noise at this
    // resolution (a stall), and the search cannot narrow further.
    if (hi < lo)
      return result(true, `inconsistent: a trial failed at ${Math.round(hi)} pps, below ${Math.round(lo)} pps that passed, after ${steps.length} trials`);
    if (hi - lo <= o.precision * hi) return result(true, `converged: ${bracket()} within ${o.precision * 100} % after ${steps.length} trials`);
    if (hi < minPps) return result(true, `nothing passed: every rate down to ${Math.round(hi)} pps lost more than ${o.lossThreshold * 100} %`);
    next = (lo + hi) / 2;
  }
  const converged = hi - lo <= o.precision * hi;
  return result(converged, `trial budget (${o.maxTrials}) spent with ${bracket()} still open`);
}
