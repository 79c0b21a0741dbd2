import { z } from 'zod';
import { parseJson } from '../text/json-schema.js';

/** Bump on any incompatible change; readers check it. */
export const SCHEMA_VERSION = 1;

export const CASE_STATUSES = ['pass', 'fail', 'unsupported', 'skipped', 'error', 'timeout'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

const BackendIdentitySchema = z.strictObject({
  id: z.string(),
  /** e.g. `afxdp-generic/ovs-3.1.0/linux-6.18`; absent when the backend never started. */
  product: z.string().optional(),
  available: z.boolean(),
  reason: z.string().optional(),
  versions: z.record(z.string(), z.string()),
  /** Probed feature support of the started backend: id -> reason when unsupported. */
  unsupported: z.record(z.string(), z.string()).optional(),
  /** Probed feature support: id -> how the probe said so (e.g. `dp-features: Max MPLS depth: 3`). */
  supported: z.record(z.string(), z.string()).optional(),
});

/** A traffic generator that is a server of its own (TRex): which one produced the benchmark figures. */
const GeneratorIdentitySchema = z.strictObject({
  name: z.string(),
  /** The server's `get_version`, e.g. `v3.08`. */
  version: z.string(),
  /** Where it answered, `host:port`. */
  address: z.string().optional(),
  /** The ports the run used: driver (e.g. `net_af_packet`) and speed as the server reports them. */
  ports: z.array(z.strictObject({ id: z.number().int(), driver: z.string(), speedGbps: z.number().optional() })),
});

const CaseDetailsSchema = z.strictObject({
  pipeline: z.array(z.string()).optional(),
  sent: z.array(z.strictObject({ endpoint: z.string(), hex: z.string() })).optional(),
  expected: z.record(z.string(), z.array(z.string())).optional(),
  captured: z.record(z.string(), z.array(z.string())).optional(),
  flows: z.array(z.string()).optional(),
  notes: z.array(z.string()).optional(),
});

const ExpectationRefSchema = z.strictObject({
  status: z.enum(CASE_STATUSES),
  reason: z.string(),
  reference: z.string().optional(),
  /** The expectation file it came from. */
  source: z.string(),
});

const CaseResultSchema = z.strictObject({
  id: z.string(),
  title: z.string(),
  suite: z.string(),
  backend: z.string(),
  features: z.array(z.string()),
  status: z.enum(CASE_STATUSES),
  reason: z.string(),
  durationMs: z.number().nonnegative(),
  details: CaseDetailsSchema.optional(),
  /** The known finding that predicts this case's outcome (suites/expectations), when one applies. */
  expectation: ExpectationRefSchema.optional(),
  /** Present with an expectation: true when the case behaved as predicted. */
  expected: z.boolean().optional(),
});

const TrialSchema = z.strictObject({
  value: z.number(),
  requestedPps: z.number().optional(),
  sent: z.number().optional(),
  received: z.number().optional(),
  lossRatio: z.number().optional(),
  /** Generator-side interface: frames the DUT took / refused (its receive ring was full). */
  txIf: z.number().optional(),
  txDroppedIf: z.number().optional(),
  /** Sink interface rx counter. */
  rxIf: z.number().optional(),
  pass: z.boolean().optional(),
  /** Seconds of counted traffic, as the generator measured them. */
  seconds: z.number().optional(),
  offeredPps: z.number().optional(),
  generatorLimited: z.boolean().optional(),
});

const BenchmarkPointSchema = z.strictObject({
  backend: z.string(),
  metric: z.string(),
  frameSize: z.union([z.number(), z.string()]),
  flows: z.number(),
  value: z.number(),
  unit: z.string(),
  trials: z.array(TrialSchema),
  /** Smallest and largest trial value behind a median. */
  spread: z.strictObject({ min: z.number(), max: z.number() }).optional(),
  /** Latency points: the load, as a fraction of the NDR, they were measured at. */
  loadFraction: z.number().optional(),
  /** Throughput searches: how the value was found, and why the search ended. */
  search: z
    .strictObject({ lossThreshold: z.number(), precision: z.number(), converged: z.boolean(), trials: z.number(), ended: z.string().optional() })
    .optional(),
  /**
   * Throughput searches: the answer re-measured by `repeats` trials at the found rate (RFC 2544
   * asks the trial at the reported rate to pass); `spread` then holds their forwarded rates.
   */
  confirm: z.strictObject({ pps: z.number(), passed: z.number(), trials: z.array(TrialSchema) }).optional(),
  /** The point could not be measured on this target (e.g. more flows than its flow table holds). */
  unsupported: z.string().optional(),
  /** Datapath flows (megaflows, or bridge FDB entries) present after the traffic. */
  datapathFlows: z.number().optional(),
  generator: z.strictObject({
    name: z.string(),
    note: z.string(),
    /** True when the generator, not the DUT, bounded the value. */
    limited: z.boolean(),
    offeredPps: z.number().optional(),
  }),
});

/** The conditions benchmark points were measured under: runs that differ here are not comparable. */
const BenchConditionsSchema = z.strictObject({
  generator: z.string(),
  topology: z.string(),
  trialMs: z.number(),
  rampMs: z.number(),
  repeats: z.number(),
  precision: z.number(),
  pdrLoss: z.number(),
  latencyAt: z.array(z.number()),
  frameSizes: z.array(z.union([z.number(), z.string()])),
  flows: z.array(z.number()),
  setupFlows: z.number(),
});

export const RunResultsSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  run: z.strictObject({
    id: z.string(),
    started: z.string(),
    finished: z.string().optional(),
    dplabCommit: z.string(),
    host: z.string(),
    kernel: z.string(),
    ovsVersion: z.string().optional(),
    topology: z.string(),
    suites: z.array(z.string()),
    backends: z.array(BackendIdentitySchema),
    /** The generator server of the benchmarks (TRex); absent for the soft generator and in older results. */
    generator: GeneratorIdentitySchema.optional(),
    /** With benchmark points: how they were measured. */
    benchmark: BenchConditionsSchema.optional(),
  }),
  cases: z.array(CaseResultSchema),
  benchmarks: z.array(BenchmarkPointSchema),
});

export type BackendIdentity = z.infer<typeof BackendIdentitySchema>;
export type GeneratorIdentity = z.infer<typeof GeneratorIdentitySchema>;
export type CaseDetails = z.infer<typeof CaseDetailsSchema>;
export type CaseResult = z.infer<typeof CaseResultSchema>;
export type BenchmarkPoint = z.infer<typeof BenchmarkPointSchema>;
export type TrialRecord = z.infer<typeof TrialSchema>;
export type BenchConditions = z.infer<typeof BenchConditionsSchema>;
export type ExpectationRef = z.infer<typeof ExpectationRefSchema>;
export type RunResults = z.infer<typeof RunResultsSchema>;

/** Parses and validates a results.json text; errors name the file and the field. */
export function parseResults(text: string, source: string): RunResults {
  // The version first, so an old or newer file says so rather than naming its first odd field.
  const version = parseJson(z.looseObject({ schemaVersion: z.unknown() }), text, source).schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new Error(`${source}: schemaVersion ${JSON.stringify(version)} is not supported (expected ${SCHEMA_VERSION})`);
  }
  return parseJson(RunResultsSchema, text, source);
}

/** Counts of each status, for summaries. */
export function statusCounts(cases: readonly CaseResult[]): Record<CaseStatus, number> {
  const counts = Object.fromEntries(CASE_STATUSES.map((s) => [s, 0])) as Record<CaseStatus, number>;
  for (const c of cases) counts[c.status] += 1;
  return counts;
}

/**
 * A result column's id: the backend's own id on a run's first (reference) kernel, `backend@tag`
 * on each further kernel of a `--kernel` list (`kernel@debian-6.12-amd64`). The one builder of
 * column ids; everything keyed by backend (cases, points, identities) carries it.
 */
export function columnId(backend: string, kernelTag?: string): string {
  return kernelTag ? `${backend}@${kernelTag}` : backend;
}

/** The backend of a column id: what expectation files and the feature probes are keyed by. */
export function columnBackend(id: string): string {
  return id.split('@')[0] ?? id;
}

/** The kernel tag of a column id, undefined on the reference kernel. */
export function columnKernelTag(id: string): string | undefined {
  const at = id.indexOf('@');
  return at < 0 ? undefined : id.slice(at + 1);
}

/**
 * The kernel a backend ran on: the guest's for a backend run inside a guest kernel, else the
 * host's. Results are per (backend, kernel): the same suites on two kernels are two columns.
 */
export function backendKernel(results: RunResults, backend: string): string {
  const b = results.run.backends.find((x) => x.id === backend);
  const guest = b?.versions.guest;
  const kernel = b?.versions.kernel ?? results.run.kernel;
  return guest ? `${kernel} (${guest.split(' ')[0]})` : kernel;
}

/** Throughput and rates: more is better; latencies: less is better. */
export const lowerIsBetter = (metric: string): boolean => metric.startsWith('latency');

/**
 * A case outcome the run's exit code counts: one an expectation did not predict (including an
 * expected failure that now passes, so the stale expectation gets removed), or, without an
 * expectation, a failure, error or timeout. `skipped` and `unsupported` cases are not failures:
 * the environment or the backend said why.
 */
export function isUnexpected(c: CaseResult): boolean {
  if (c.expectation) return c.expected !== true;
  return c.status === 'fail' || c.status === 'error' || c.status === 'timeout';
}

/** What a run's cases say for its exit code and summary line. */
export interface CaseVerdict {
  /** Outcomes the expectations did not predict (see isUnexpected). */
  readonly unexpected: readonly CaseResult[];
  /** Cases that behaved as a known finding predicts. */
  readonly expected: readonly CaseResult[];
  /** Expectations that no longer hold (the case now passes, or fails otherwise). */
  readonly stale: readonly CaseResult[];
}

export function caseVerdict(cases: readonly CaseResult[]): CaseVerdict {
  return {
    unexpected: cases.filter(isUnexpected),
    expected: cases.filter((c) => c.expected === true),
    stale: cases.filter((c) => c.expectation && c.expected !== true),
  };
}
