import { AssertionError } from 'chai';
import type { FeatureMap, StartedDatapath } from '../datapath/datapath.js';
import { CaseSkipped, type CaseGroup, type ConformanceCase } from '../conformance/case.js';
import { LiveCaseContext } from '../conformance/live-context.js';
import type { CaseResult, CaseStatus } from '../results/results.js';
import type { StartedTopology } from '../../topologies/topology.js';
import type { StartedBackendBed } from './backend-bed.js';
import type { Progress } from '../results/progress.js';

/** Longest a single case may take before it is recorded as `timeout`. */
export const CASE_TIMEOUT_MS = 45_000;

class CaseTimeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CaseTimeout(`no result within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** The first declared feature the backend lacks, with its probed reason. */
export function missingFeature(c: ConformanceCase, features: FeatureMap): string | undefined {
  for (const id of c.features) {
    const f = features[id];
    if (!f) return `${id}: not probed by this backend`;
    if (!f.supported) return `${id}: ${f.reason}`;
  }
  return undefined;
}

function classify(e: unknown): { status: CaseStatus; reason: string } {
  if (e instanceof CaseTimeout) return { status: 'timeout', reason: e.message };
  if (e instanceof CaseSkipped) return { status: 'skipped', reason: e.message };
  if (e instanceof AssertionError) return { status: 'fail', reason: e.message.split('\n')[0] ?? 'assertion failed' };
  const msg = e instanceof Error ? e.message : String(e);
  return { status: 'error', reason: msg.split('\n')[0] ?? msg };
}

/** Results for the selected cases that never ran on a backend (not available, failed to start). */
export function notRun(
  groups: readonly CaseGroup[],
  backend: string,
  status: CaseStatus,
  reason: string,
  filter: (c: ConformanceCase) => boolean = () => true,
): CaseResult[] {
  return groups.flatMap((g) =>
    g.cases.filter(filter).map((c) => ({ id: c.id, title: c.title, suite: g.suite, backend, features: [...c.features], status, reason, durationMs: 0 })),
  );
}

/** Runs one case on a started backend, from a clean pipeline; never throws. */
export async function runCase(
  group: CaseGroup,
  c: ConformanceCase,
  backend: StartedDatapath,
  topology: StartedTopology,
  features: FeatureMap,
): Promise<CaseResult> {
  const started = performance.now();
  const base = { id: c.id, title: c.title, suite: group.suite, backend: backend.id, features: [...c.features] };
  const missing = missingFeature(c, features);
  const needs = c.endpoints ?? 2;
  if (missing) return { ...base, status: 'unsupported', reason: missing, durationMs: 0 };
  if (topology.endpoints.length < needs) {
    return { ...base, status: 'skipped', reason: `needs ${needs} endpoints; topology ${topology.spec.name} has ${topology.endpoints.length}`, durationMs: 0 };
  }
  const t = new LiveCaseContext(c.id, backend, topology, features);
  let outcome: { status: CaseStatus; reason: string };
  try {
    await backend.applyPipeline([]);
    await withTimeout(c.run(t), CASE_TIMEOUT_MS);
    outcome = { status: 'pass', reason: '' };
  } catch (e) {
    outcome = classify(e);
    if (outcome.status === 'fail') await t.recordFlows().catch(() => undefined);
  }
  try {
    await t.cleanup();
  } catch (e) {
    // What a case left on the switch would change the next case's verdict: the case errors.
    if (outcome.status === 'pass')
      outcome = { status: 'error', reason: `cleanup after the case: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  return { ...base, ...outcome, durationMs: performance.now() - started, details: t.details() };
}

/**
 * Runs every case of the groups on one started backend bed, in order, each from a clean pipeline.
 * A case fails on an assertion, errors on anything else, and never stops the others.
 */
export async function runCases(
  groups: readonly CaseGroup[],
  bed: StartedBackendBed,
  progress: Progress,
  filter: (c: ConformanceCase) => boolean = () => true,
): Promise<CaseResult[]> {
  const todo = groups.flatMap((g) => g.cases.filter(filter).map((c) => ({ g, c })));
  const results: CaseResult[] = [];
  for (const [i, { g, c }] of todo.entries()) {
    const r = await runCase(g, c, bed.datapath, bed.topology, bed.features);
    results.push(r);
    progress.caseDone(bed.datapath.id, i + 1, todo.length, c.id, r.status, r.durationMs, r.reason);
  }
  return results;
}
