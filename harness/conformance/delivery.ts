import { diffFrames } from '../packet/index.js';
import type { Delivery } from './case.js';

const MAX_DIFFS_PER_FRAME = 4;

/**
 * Compares what each listening endpoint captured with what it should have received: the same
 * number of frames, each byte for byte equal, in order. Returns readable problems, empty when equal;
 * a byte mismatch is explained field by field (`h2 frame 1: ipv4.ttl: expected 63, got 64`).
 */
export function diffDelivery(expected: Delivery, captured: ReadonlyMap<string, readonly Buffer[]>, listen: readonly string[]): string[] {
  const problems: string[] = [];
  for (const ep of listen) {
    const want = expected[ep] ?? [];
    const got = captured.get(ep) ?? [];
    if (want.length !== got.length) {
      const extra = got.length > want.length ? ` (first unexpected: ${describeFirst(got[want.length])})` : '';
      problems.push(`${ep}: expected ${want.length} frame(s), got ${got.length}${extra}`);
      continue;
    }
    want.forEach((w, i) => {
      const g = got[i] as Buffer;
      if (w.equals(g)) return;
      const diffs = diffFrames(w, g);
      const shown = diffs.slice(0, MAX_DIFFS_PER_FRAME).join(', ') || 'bytes differ';
      problems.push(`${ep} frame ${i + 1}: ${shown}${diffs.length > MAX_DIFFS_PER_FRAME ? ', ...' : ''}`);
    });
  }
  return problems;
}

function describeFirst(b: Buffer | undefined): string {
  if (!b) return 'none';
  const hex = b.toString('hex');
  return `${b.length} bytes ${hex.slice(0, 48)}${hex.length > 48 ? '...' : ''}`;
}
