import { setTimeout as sleep } from 'node:timers/promises';
import type { TrexStlClient } from './stl-client.js';
import type { PortStats } from './stl-types.js';

/** How often counters are read while they settle (the recorded server's took ~100 ms after a stop). */
export const SETTLE_POLL_MS = 50;

/**
 * The tx and rx ports' counters (since the client's baseline) once they have stopped moving:
 * frames still queued in the DUT, and those TRex had in flight, are counted after the stop
 * (fixtures/trial_fixed_rate_continuous.jsonl: the last ones ~100 ms later). Read after
 * `drainMs` (a slow path may hold first packets that long), then every SETTLE_POLL_MS until two
 * reads agree. Counters still moving `graceMs` after the stop are no figure: the trial fails.
 */
export async function settledCounters(
  client: TrexStlClient,
  txPort: number,
  rxPort: number,
  o: { readonly drainMs: number; readonly graceMs: number },
): Promise<{ tx: PortStats; rx: PortStats }> {
  const stoppedAt = performance.now();
  const read = async () => ({ tx: await client.portStats(txPort), rx: await client.portStats(rxPort), at: performance.now() });
  await sleep(o.drainMs);
  let last = await read();
  for (;;) {
    await sleep(SETTLE_POLL_MS);
    const now = await read();
    const moved = now.tx.opackets - last.tx.opackets + (now.tx.oerrors - last.tx.oerrors) + (now.rx.ipackets - last.rx.ipackets);
    if (moved === 0) return { tx: now.tx, rx: now.rx };
    if (now.at - stoppedAt > o.graceMs) {
      throw new Error(
        `TRex port ${txPort}: counters still moving ${Math.round(o.graceMs / 100) / 10} s after stop_traffic (${moved} frames in the last ${Math.round(now.at - last.at)} ms)`,
      );
    }
    last = now;
  }
}
