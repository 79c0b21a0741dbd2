import type { LatencySummary } from './latency.js';
import type { Profile } from './streams/stream-model.js';

/*
 * The contract every load generator meets (soft/soft-trials.ts, trex/trex-trials.ts): one trial
 * of a profile at a time, with every count from its own source.
 */

/** One trial, every count from its own source so they can be checked against each other. */
export interface TrialResult {
  /**
   * The rate asked. A line-rate trial: the line rate the generator named (TRex: the port's, from
   * its multiplier), or 0 when it names none (soft: as fast as it goes).
   */
  readonly requestedPps: number;
  /** What the generator says it sent, and at what rate: sent over the measured transmit time. */
  readonly sent: number;
  readonly offeredPps: number;
  /** The transmit time as measured on the wall clock (never the length asked for). */
  readonly seconds: number;
  /**
   * The generator fell short of the rate asked (by more than 1 %), or (TRex) its port reported
   * transmit errors or a full TX queue: the generator, not the target, set the pace.
   */
  readonly generatorLimited: boolean;
  /** Soft generator: the worst lag behind its schedule. */
  readonly maxLagUs?: number;
  /**
   * Generator-side port: frames it put on the wire and those it could not (soft: the veth's
   * tx/tx_dropped, i.e. what the DUT's receive ring took and refused; TRex: opackets, and
   * oerrors plus frames dropped for a full TX queue).
   */
  readonly txIf: number;
  readonly txDroppedIf: number;
  /** Receiving side: frames counted per stream (sink.bpf.c; TRex: the rx port), and the port's rx counter. */
  readonly received: number;
  readonly rxIf: number;
  readonly lossRatio: number;
  readonly latency?: LatencySummary;
}

/**
 * A traffic generator as the benchmarks see it: one trial of a profile at a time, from the
 * topology's first generator port towards the DUT and back in at the second. `trial` checks
 * its own counts (a trial whose counts do not add up throws) and `close` releases everything.
 */
export interface TrialGenerator {
  readonly name: 'soft' | 'trex';
  /** What the generator is and how it was driven, for each point's generator note. */
  readonly note: string;
  /** Where latency samples come from. */
  readonly latencyNote: string;
  trial(profile: Profile, rampMs?: number, drainMs?: number): Promise<TrialResult>;
  close(): Promise<void>;
}

/**
 * The generator cannot send on this host at all (a kernel that refuses what it needs): an
 * environment limit, so the benchmarks are skipped with this reason, not failed.
 */
export class GeneratorUnavailableError extends Error {
  override name = 'GeneratorUnavailableError';
}

/** The generator itself is gone (a TRex server that died or hangs): no later trial can run. */
export class GeneratorLostError extends Error {
  override name = 'GeneratorLostError';
}
