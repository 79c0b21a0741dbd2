import { setTimeout as sleep } from 'node:timers/promises';
import type { TrexStlClient } from './stl-client.js';
import type { Multiplier } from './stl-types.js';

/**
 * A port's streams run with the client keeping the time. TRex counts `start_traffic`'s
 * `duration` in its own scheduler's time, which runs slow whenever the server cannot keep the
 * rate (fixtures/trial_timed_line_rate.jsonl: 0.5 s at the line rate of 10G took 47 s of wall
 * time), so a trial's length is never left to it: continuous traffic is held for the trial's
 * wall time and stopped, as TRex's own ndr_bench does; a burst is polled until it is out.
 */
export interface WallClockRun {
  /**
   * The transmit time, at most: from the start request to the stop's answer (held traffic), or
   * to the answer of the first poll that saw the burst over. The server acts on a request
   * somewhere in its round trip, so the traffic ran no longer than this: a rate from it never
   * exceeds what was sent.
   */
  readonly seconds: number;
  /**
   * The transmit time, at least: from the start's answer to the stop request (to the request of
   * the last poll that saw the burst still out). A shortfall of the rate asked is judged on this,
   * so a round trip of a busy host (several ms) never passes for a slow generator.
   */
  readonly atLeastSeconds: number;
  /** The server's multiplier of the streams' rates: it was asked for their sum times this. */
  readonly multiplier: number;
}

const transmitting = (state: string) => state === 'TX' || state === 'PAUSE';

/** A call, with when it was sent and when its answer came (ms, performance.now()). */
async function timed<T>(call: () => Promise<T>): Promise<{ value: T; sent: number; answered: number }> {
  const sent = performance.now();
  const value = await call();
  return { value, sent, answered: performance.now() };
}

const span = (from: number, to: number) => Math.max(0, to - from) / 1000;

/**
 * Continuous traffic for `holdMs` of wall time, then stopped. The port is polled meanwhile and
 * once more at the end: one that stopped by itself (its link lost, taken by another user) fails
 * the trial rather than counting as a shorter one, and a server that dies is noticed within a poll.
 */
export async function holdTraffic(
  client: TrexStlClient,
  port: number,
  o: { readonly mul: Multiplier; readonly holdMs: number; readonly pollMs: number },
): Promise<WallClockRun> {
  const start = await timed(() => client.start(port, { mul: o.mul, durationS: -1, force: true }));
  const until = start.answered + o.holdMs;
  for (let left = o.holdMs; left > 0; left = until - performance.now()) {
    await sleep(Math.min(o.pollMs, left));
    const st = await client.portStatus(port);
    if (!transmitting(st.state)) {
      const link = st.attr?.link?.up === false ? ', link down' : '';
      throw new Error(
        `TRex port ${port}: stopped transmitting ${span(start.answered, performance.now()).toFixed(1)} s into a ${o.holdMs / 1000} s trial (state ${st.state}${link})`,
      );
    }
  }
  const stop = await timed(() => client.stop(port));
  return { seconds: span(start.sent, stop.answered), atLeastSeconds: span(start.answered, stop.sent), multiplier: start.value.multiplier };
}

/** How often a burst's progress is checked, in polls of its state. */
const PROGRESS_EVERY = 10;

/**
 * A burst (or multi-burst) from start until the port leaves TX, its state polled every `pollMs`
 * (so its time is known to a poll and a round trip). A burst at a rate the server cannot
 * keep takes longer than planned, so there is no deadline: the trial fails only when no frame
 * went out for `graceMs`.
 */
export async function runBurst(
  client: TrexStlClient,
  port: number,
  o: { readonly mul: Multiplier; readonly pollMs: number; readonly graceMs: number },
): Promise<WallClockRun> {
  const start = await timed(() => client.start(port, { mul: o.mul, durationS: -1, force: true }));
  let stillOut = start.answered;
  let sent = -1;
  let movedAt = performance.now();
  for (let poll = 1; ; poll += 1) {
    await sleep(o.pollMs);
    const st = await timed(() => client.portStatus(port));
    if (!transmitting(st.value.state))
      return { seconds: span(start.sent, st.answered), atLeastSeconds: span(start.answered, stillOut), multiplier: start.value.multiplier };
    stillOut = st.sent;
    if (poll % PROGRESS_EVERY !== 0) continue;
    const now = (await client.portStats(port)).opackets;
    if (now !== sent) {
      sent = now;
      movedAt = performance.now();
    } else if (performance.now() - movedAt > o.graceMs) {
      await client.stop(port);
      throw new Error(`TRex port ${port}: burst stalled: no frame sent for ${Math.round((performance.now() - movedAt) / 1000)} s (stopped)`);
    }
  }
}
