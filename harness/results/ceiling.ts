import { lowerIsBetter, type BenchmarkPoint } from './results.js';

/**
 * The ceiling of a benchmark topology: raw XDP redirect between the DUT ports, no parsing, no
 * lookup. Every target's throughput is read as a fraction of it, measured in the same run.
 */
export const CEILING_TARGET = 'baseline-xdp';

/**
 * A point's value over the ceiling's at the same metric, frame size and flow count; undefined
 * for latency (lower is better, no ceiling), unmeasured points, or without a ceiling figure.
 */
export function ratioToCeiling(p: BenchmarkPoint, points: readonly BenchmarkPoint[]): number | undefined {
  if (lowerIsBetter(p.metric) || p.unsupported) return undefined;
  const top = points.find((c) => c.backend === CEILING_TARGET && c.metric === p.metric && c.frameSize === p.frameSize && c.flows === p.flows && !c.unsupported);
  return top && top.value > 0 ? p.value / top.value : undefined;
}
