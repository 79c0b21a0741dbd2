import { resolve } from 'node:path';
import { writeSite } from '../../reports/site/write-site.js';
import { loadCatalogue } from '../features/catalogue.js';
import type { RunResults } from '../results/results.js';
import type { OpenStore } from '../store/store.js';
import { EXIT, UsageError } from './errors.js';
import { prepareOutDir } from './out-arg.js';
import { openStoreArg, storeCliError } from './store-arg.js';

async function loadAll(store: OpenStore): Promise<RunResults[]> {
  try {
    const stored = await store.runs();
    if (stored.length === 0) throw new UsageError(`site: ${store.description} holds no runs (dplab publish RUN_DIR... first)`);
    const runs = [];
    for (const r of stored) runs.push(await store.load(r.id));
    return runs;
  } catch (e) {
    throw storeCliError(e);
  }
}

/** `dplab site [--store URL] --out DIR`: the static comparison site of everything the store holds. */
export async function siteCommand(o: { store?: string; out: string }): Promise<number> {
  const store = await openStoreArg(o.store, { mustExist: true });
  try {
    const runs = await loadAll(store);
    // Only now: a store that cannot be read leaves no empty site directory behind.
    const out = resolve(o.out);
    prepareOutDir(out);
    const site = await writeSite(runs, loadCatalogue(), out);
    process.stdout.write(`${site.index}\n${site.runs} run(s), ${site.series} benchmark series, ${site.files} page(s) from ${store.description}\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
