import type { RunResults } from '../results/results.js';
import { EXIT } from './errors.js';
import { loadRun } from './run-dir-arg.js';
import { openStoreArg, storeCliError } from './store-arg.js';

/**
 * `dplab publish RUN_DIR... [--store URL]`: every run directory read and validated first (one
 * bad one and nothing is written, not even a new store), then all published in one transaction.
 * A run the store already holds is reported and skipped, so publishing twice is harmless.
 */
export async function publishCommand(dirs: readonly string[], o: { store?: string }): Promise<number> {
  const runs = dirs.map(loadRun);
  const store = await openStoreArg(o.store);
  try {
    const outcomes = await store.publish(runs).catch((e: unknown) => {
      throw storeCliError(e);
    });
    const lines = outcomes.map((o, i) => {
      const r = runs[i] as RunResults;
      return o.added ? `published ${o.id} (${r.cases.length} cases, ${r.benchmarks.length} benchmark points)` : `${o.id} already in the store`;
    });
    process.stdout.write(`${[...lines, `store: ${store.description}`].join('\n')}\n`);
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
