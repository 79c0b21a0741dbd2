import type { TrialRecord } from '../results/results.js';
import { throughputSearch, type SearchOptions, type SearchResult } from './search.js';
import type { TrialResult } from '../traffic/trial-generator.js';

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Frames that crossed the DUT per second of the trial. */
export const forwardedPps = (t: TrialResult) => (t.seconds > 0 ? t.received / t.seconds : 0);

export function trialRecord(t: TrialResult, value: number, pass?: boolean): TrialRecord {
  return {
    value,
    requestedPps: Math.round(t.requestedPps),
    offeredPps: Math.round(t.offeredPps),
    seconds: Math.round(t.seconds * 1e4) / 1e4,
    sent: t.sent,
    received: t.received,
    lossRatio: t.lossRatio,
    txIf: t.txIf,
    txDroppedIf: t.txDroppedIf,
    rxIf: t.rxIf,
    generatorLimited: t.generatorLimited,
    ...(pass === undefined ? {} : { pass }),
  };
}

export const spreadOf = (xs: readonly number[]) => ({ min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) });

/** A search's trials, its answer and the repeats that confirm it. */
export interface ConfirmedSearch<W> {
  readonly result: SearchResult;
  readonly steps: readonly TrialResult[];
  readonly confirm: readonly { readonly t: TrialResult; readonly watched: W }[];
  /** Confirming trials that passed the search's loss threshold. */
  readonly passed: number;
}

/**
 * The throughput search over real trials, then `repeats` trials at the rate it found (RFC 2544
 * asks the trial at the reported rate to pass; MLRsearch re-measures), each watched by `watch`
 * while it runs (e.g. to sample the datapath's flow count). Nothing is confirmed when nothing passed.
 */
export async function confirmedSearch<W = undefined>(
  trial: (pps: number) => Promise<TrialResult>,
  o: SearchOptions,
  repeats: number,
  watch: (running: Promise<TrialResult>) => Promise<W> = async () => undefined as W,
  /** Runs before each trial, and before its watch begins (e.g. flushing the datapath's flows). */
  before: () => Promise<void> = async () => undefined,
): Promise<ConfirmedSearch<W>> {
  const steps: TrialResult[] = [];
  const result = await throughputSearch(async (pps) => {
    await before();
    const t = await trial(pps);
    steps.push(t);
    return { offeredPps: t.offeredPps, lossRatio: t.lossRatio };
  }, o);
  const confirm: { t: TrialResult; watched: W }[] = [];
  for (let i = 0; result.pps > 0 && i < Math.max(1, repeats); i += 1) {
    await before();
    const running = trial(result.pps);
    const watched = await watch(running);
    confirm.push({ t: await running, watched });
  }
  return { result, steps, confirm, passed: confirm.filter((c) => c.t.lossRatio <= o.lossThreshold).length };
}
