import pg from 'pg';
import type { Connection, Row, Sql, SqlValue, TransactionKind } from './sql.js';
import { StoreError, StoreInputError } from './store.js';

/**
 * Key of the advisory lock migrators take: any constant every dplab agrees on ("dplab" in
 * ASCII). Transaction-scoped, so a migrator that dies cannot leave it held.
 */
const MIGRATION_LOCK = 0x64706c6162;

/** How long to wait for the server to answer a connection; pg's default is forever. */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * Server errors that say the store cannot be used now or by us (SQLSTATE classes and codes),
 * as opposed to a statement dplab got wrong, which stays an internal error.
 */
const UNUSABLE = /^(08|28|3D|40|53|57)|^25006$|^42501$/;

/** The SQL of sql.ts (`?` placeholders) as PostgreSQL's (`$1`, `$2`...); dplab's SQL has no `?` in literals. */
const numbered = (text: string): string => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

class PostgresConnection implements Connection {
  private readonly sql: Sql;

  constructor(
    private readonly client: pg.Client,
    readonly description: string,
  ) {
    this.sql = {
      run: async (text, params) => (await this.query(numbered(text), params)).rowCount ?? 0,
      all: async (text, params) => (await this.query(numbered(text), params)).rows,
    };
  }

  private async query(text: string, params: readonly SqlValue[] = []): Promise<{ rowCount: number | null; rows: Row[] }> {
    try {
      return await this.client.query<Row>(text, [...params]);
    } catch (e) {
      throw storeError(e, this.description);
    }
  }

  async transaction<T>(kind: TransactionKind, fn: (sql: Sql) => Promise<T>): Promise<T> {
    // READ COMMITTED for writes: a publisher inserting a run id another one's open transaction
    // holds waits for that transaction, then skips the run (ON CONFLICT DO NOTHING) or, if it
    // rolled back, inserts it. A stricter level would fail it with a serialization error instead.
    await this.query(kind === 'read' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' : 'BEGIN');
    try {
      if (kind === 'schema') await this.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const result = await fn(this.sql);
      await this.query('COMMIT');
      return result;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** One line for a client error: a refused connection to a name with several addresses is an AggregateError with no message. */
function errorText(e: unknown): string {
  if (e instanceof AggregateError && !e.message) return e.errors.map(errorText).join('; ');
  if (e instanceof Error) return e.message || String((e as NodeJS.ErrnoException).code ?? e.name);
  return String(e);
}

function storeError(e: unknown, description: string): unknown {
  if (e instanceof pg.DatabaseError && !(e.code && UNUSABLE.test(e.code))) return e;
  // Anything else from the client is the connection: refused, reset, timed out, terminated.
  return new StoreError(`${description}: ${errorText(e)}`, { cause: e });
}

/**
 * Connects to the PostgreSQL server of a `postgres://` URL. The password, if any, is best kept
 * out of the URL (PGPASSWORD or ~/.pgpass, which the client reads); it is never shown.
 */
export async function connectPostgres(url: string): Promise<Connection> {
  let client: pg.Client;
  try {
    new URL(url);
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'dplab' });
  } catch (e) {
    throw new StoreInputError(`--store: not a PostgreSQL URL (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  // Resolved by the client from the URL, PG* variables and defaults: what it really connects to.
  const description = `postgres ${client.user ?? ''}@${client.host}:${client.port}/${client.database ?? ''}`;
  // A connection that dies while idle is reported as an event; the next query fails with it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new StoreError(`${description}: ${errorText(e)}`, { cause: e });
  }
  return new PostgresConnection(client, description);
}
