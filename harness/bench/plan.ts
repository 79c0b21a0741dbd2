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

/**
 * Benchmarks inside a guest kernel: the emulator (qemu TCG, user-mode Linux) sets every absolute
 * figure there, so only ratios between targets on the same kernel mean anything. MRR alone is
 * enough for a ratio and costs `repeats` trials a point; NDR/PDR searches and latency would cost
 * tens of emulated trials more for figures nobody may read. 1 and 1000 flows: a single megaflow
 * and a table the lookup has to search. The host plan's trial length and repeats, so a ratio's
 * noise is comparable with the host's.
 */
export const GUEST_PLAN: BenchPlan = {
  ...DEFAULT_PLAN,
  frameSizes: [64],
  flows: [1, 1000],
  metrics: new Set(['mrr']),
};

/** `dplab run --bench-plan NAME`: the plans a run can be told to measure by name. */
export const BENCH_PLANS = { default: DEFAULT_PLAN, guest: GUEST_PLAN } as const satisfies Record<string, BenchPlan>;
export type BenchPlanName = keyof typeof BENCH_PLANS;
