import { openStore } from '../store/open-store.js';
import { defaultStoreUrl, StoreError, StoreInputError, type OpenStore } from '../store/store.js';
import { EnvironmentError, UsageError } from './errors.js';

/**
 * Store failures as the CLI's: a store path that is no store or a run that conflicts is bad
 * input (2); a store that cannot be used now (unreachable, refusing us, a newer schema), the
 * environment (3).
 */
export function storeCliError(e: unknown): unknown {
  if (e instanceof StoreInputError) return new UsageError(e.message);
  if (e instanceof StoreError) return new EnvironmentError(e.message);
  return e;
}

/** `--store URL` (default $DPLAB_STORE, else the per-user SQLite file), opened; the caller closes it. */
export function openStoreArg(url: string | undefined, o: { readonly mustExist?: boolean } = {}): Promise<OpenStore> {
  return openStore(url ?? defaultStoreUrl(), o).catch((e: unknown) => {
    throw storeCliError(e);
  });
}
