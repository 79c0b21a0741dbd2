import { existsSync } from 'node:fs';
import { isPostgresUrl, StoreInputError, type OpenStore } from './store.js';

/**
 * `postgres://` or `postgresql://` opens PostgreSQL, anything else is a SQLite file (made, with
 * its parent directories, when absent, unless `mustExist`). Brings the schema up to date before it returns.
 */
export async function openStore(url: string, o: { readonly mustExist?: boolean } = {}): Promise<OpenStore> {
  // Loaded on demand: a SQLite user never loads the PostgreSQL client.
  const { SqlStore } = await import('./sql-store.js');
  if (isPostgresUrl(url)) {
    const { connectPostgres } = await import('./postgres-store.js');
    return SqlStore.open(await connectPostgres(url));
  }
  // A reader (the site) given a mistyped path must say so, not leave an empty store there.
  if (o.mustExist && !existsSync(url)) throw new StoreInputError(`${url}: no store there (dplab publish creates one)`);
  const { openSqlite } = await import('./sqlite-store.js');
  return SqlStore.open(openSqlite(url));
}
