export const METRICS = ['mrr', 'ndr', 'pdr', 'latency', 'flow-setup'] as const;
export type Metric = (typeof METRICS)[number];

/** What to measure on each target; every point is measured on the same p2p topology. */
export interface BenchPlan {
  readonly frameSizes: readonly (number | 'imix')[];
  readonly flows: readonly number[];
  readonly metrics: ReadonlySet<Metric>;
  /** Counted traffic per trial, and unmeasured traffic at the same rate before it. */
  readonly trialMs: number;
  readonly rampMs: number;
  /**
   * Trials per figure: MRR trials (median and spread recorded), the trials that confirm a
   * search's answer at the rate it found, and the latency trials at each load level.
   */
  readonly repeats: number;
  /** NDR/PDR search: relative precision, trial budget, PDR loss threshold (ratio). */
  readonly precision: number;
  readonly maxSearchTrials: number;
  readonly pdrLoss: number;
  /** Latency measured at these fractions of the NDR. */
  readonly latencyAt: readonly number[];
  /** Flow setup: each trial offers this many new flows; the search runs up to `setupPps` new flows a second. */
  readonly setupFlows: number; // fresh sources, apart from the measured flows'
  readonly setupPps: number;
}

export const DEFAULT_PLAN: BenchPlan = {
  frameSizes: [64],
  flows: [1],
  metrics: new Set(['mrr', 'ndr', 'pdr', 'latency', 'flow-setup']),
  trialMs: 2000,
  rampMs: 500,
  repeats: 3,
  precision: 0.02,
  maxSearchTrials: 12,
  pdrLoss: 0.005,
  latencyAt: [0.1, 0.5, 0.9],
  setupFlows: 10_000,
  setupPps: 200_000,
};
