/**
 * Latency percentiles from the soft sink's histogram (sink.bpf.c): values below 2^SUB ns
 * have their own bucket; above, each power of two is split into 2^SUB equal buckets, so a
 * bucket is at most 1/2^SUB (12.5 %) of its value wide. A percentile reports its bucket's
 * midpoint.
 */
export const HIST_SUB = 3;

/** The [low, high) nanosecond range of a bucket. */
export function bucketRange(b: number): [number, number] {
  const n = 1 << HIST_SUB;
  if (b < n) return [b, b + 1];
  const hi = (b >> HIST_SUB) + HIST_SUB - 1; // index of the leading bit
  const width = 2 ** (hi - HIST_SUB);
  const low = (n + (b & (n - 1))) * width;
  return [low, low + width];
}

/** The bucket a value falls in (the BPF side's computation, for tests). */
export function bucketOf(ns: number): number {
  const n = 1 << HIST_SUB;
  if (ns < n) return Math.floor(ns);
  const hi = Math.floor(Math.log2(ns));
  return ((hi - HIST_SUB + 1) << HIST_SUB) + (Math.floor(ns / 2 ** (hi - HIST_SUB)) & (n - 1));
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  readonly meanUs: number;
}

/** Percentiles over merged histograms; undefined when there are no samples. */
export function latencySummary(hists: readonly (readonly (readonly [number, number])[])[], sumNs: number, maxNs: number): LatencySummary | undefined {
  const merged = new Map<number, number>();
  for (const h of hists) for (const [b, c] of h) merged.set(b, (merged.get(b) ?? 0) + c);
  const buckets = [...merged.entries()].sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((n, [, c]) => n + c, 0);
  if (!total) return undefined;
  const pct = (p: number) => {
    const rank = Math.ceil(p * total);
    let seen = 0;
    for (const [b, c] of buckets) {
      seen += c;
      if (seen >= rank) {
        const [lo, hi] = bucketRange(b);
        return Math.min((lo + hi) / 2, maxNs) / 1000;
      }
    }
    return maxNs / 1000;
  };
  return { samples: total, p50Us: pct(0.5), p90Us: pct(0.9), p99Us: pct(0.99), maxUs: maxNs / 1000, meanUs: sumNs / total / 1000 };
}
