import { setTimeout as sleep } from 'node:timers/promises';
import type { TrexStlClient } from './stl-client.js';

/** How often the ports' link state is asked while waiting. */
export const LINK_POLL_MS = 50;
/**
 * How long both ports must have been reported up. TRex checks its links about every 0.5 s and
 * reports a change 0.2-0.5 s after the kernel sees it (fixtures/link_flap.jsonl): right after a
 * topology start it may still call a port up that went down when its peer moved namespace. Up
 * through two of its checks, the link seen is the current one.
 */
export const LINK_SETTLE_MS = 1000;

/**
 * Waits until TRex reports both ports' links up, and has for LINK_SETTLE_MS: a topology start
 * moves the DUT ports, and their links (so the server's ports') go down and up. A port still
 * down `timeoutMs` (`--trex-timeout`) after the call is named; once both are up, the wait ends
 * at most LINK_SETTLE_MS later.
 */
export async function waitForLinks(client: TrexStlClient, ports: readonly number[], timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  let upSince: number | undefined;
  for (;;) {
    const down: number[] = [];
    for (const port of ports) if ((await client.portStatus(port)).attr?.link?.up === false) down.push(port);
    const now = performance.now();
    if (down.length === 0) {
      upSince ??= now;
      if (now - upSince >= LINK_SETTLE_MS) return;
    } else {
      upSince = undefined;
      if (now - t0 >= timeoutMs)
        throw new Error(`TRex port ${down.join(', ')}: link down ${timeoutMs / 1000} s after the topology started (cable, DUT port, or its peer not up?)`);
    }
    await sleep(LINK_POLL_MS);
  }
}
