import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { Connection, Row, Sql, SqlValue, TransactionKind } from './sql.js';
import { StoreError, StoreInputError } from './store.js';

/**
 * How long a publisher waits for another one's write transaction before giving up. Publishes
 * take milliseconds; this is for a slow disk or a reader holding a long snapshot.
 */
const BUSY_TIMEOUT_MS = 60_000;

/** SQLite result codes that mean the file cannot be used (now), not that dplab asked something wrong. */
const UNUSABLE: ReadonlySet<number> = new Set([
  5, // SQLITE_BUSY: another process held the lock past the busy timeout
  6, // SQLITE_LOCKED
  8, // SQLITE_READONLY
  10, // SQLITE_IOERR
  11, // SQLITE_CORRUPT
  13, // SQLITE_FULL
]);
/** ... and those that mean the path given is no store: a bad --store, like an --out that cannot be written. */
const NOT_A_STORE: ReadonlySet<number> = new Set([
  14, // SQLITE_CANTOPEN
  26, // SQLITE_NOTADB
]);

const bind = (params: readonly SqlValue[]): SQLInputValue[] => params.map((v) => (typeof v === 'boolean' ? Number(v) : v));

/** node:sqlite's errors as StoreErrors naming the file, when they are about the file. */
function storeError(e: unknown, description: string): unknown {
  const err = e as { errcode?: unknown; errstr?: unknown; message?: string };
  if (typeof err.errcode !== 'number') return e;
  if (NOT_A_STORE.has(err.errcode & 0xff)) return new StoreInputError(`${description}: ${String(err.errstr ?? err.message)}`, { cause: e });
  if (!UNUSABLE.has(err.errcode & 0xff)) return e;
  return new StoreError(`${description}: ${String(err.errstr ?? err.message)}`, { cause: e });
}

/** The last transaction queued on each file by this process. */
const queues = new Map<string, Promise<unknown>>();

class SqliteConnection implements Connection {
  private readonly sql: Sql;

  readonly description: string;

  constructor(
    private readonly db: DatabaseSync,
    private readonly file: string,
  ) {
    this.description = `sqlite ${file}`;
    // Statements run synchronously; the promises only give both dialects one interface.
    this.sql = {
      run: async (text, params = []) => Number(db.prepare(text).run(...bind(params)).changes),
      all: async (text, params = []) => db.prepare(text).all(...bind(params)) as Row[],
    };
  }

  /**
   * Statements block the thread, the busy wait included. Two connections of this process to one
   * file taking turns between awaits would deadlock (the one waiting for the lock blocks the one
   * holding it) until the busy timeout: their transactions are queued instead, per file.
   */
  transaction<T>(kind: TransactionKind, fn: (sql: Sql) => Promise<T>): Promise<T> {
    const done = (queues.get(this.file) ?? Promise.resolve()).then(() => this.transactionNow(kind, fn));
    queues.set(
      this.file,
      done.catch(() => undefined),
    );
    return done;
  }

  private async transactionNow<T>(kind: TransactionKind, fn: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      // IMMEDIATE takes the write lock up front (waiting out the busy timeout for it): a
      // transaction that read first and then tried to write could not wait for it, only fail.
      this.db.exec(kind === 'read' ? 'BEGIN' : 'BEGIN IMMEDIATE');
    } catch (e) {
      throw storeError(e, this.description);
    }
    try {
      const result = await fn(this.sql);
      this.db.exec('COMMIT');
      return result;
    } catch (e) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw storeError(e, this.description);
    }
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}

/**
 * The SQLite file at `path` (made, with its parent directories, when absent). The rollback
 * journal (SQLite's default), not WAL: WAL needs shared memory, which a store file on a network
 * filesystem does not have; publishers serialise on the write lock either way.
 */
export function openSqlite(path: string): Connection {
  const file = resolve(path);
  const description = `sqlite ${file}`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
    return new SqliteConnection(db, file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { errstr?: string };
    throw new StoreInputError(`${description}: cannot open it (${err.code === 'ERR_SQLITE_ERROR' ? err.errstr : (err.code ?? err.message)})`, { cause: e });
  }
}
