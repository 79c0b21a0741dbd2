/**
 * What the store needs of a database, so one implementation (the tables, the migrations, the
 * transactions' contents) serves SQLite and PostgreSQL alike. SQL text uses `?` placeholders and
 * portable SQL; each dialect adapts the placeholders and the value types it binds.
 */

/** A value bound to or read from a column. Booleans are bound as SQLite integers 0/1. */
export type SqlValue = string | number | boolean | null;
export type Row = Readonly<Record<string, SqlValue>>;

/** Statements inside one transaction. */
export interface Sql {
  /** Runs a statement; resolves with the number of rows it inserted, updated or deleted. */
  run(text: string, params?: readonly SqlValue[]): Promise<number>;
  all(text: string, params?: readonly SqlValue[]): Promise<Row[]>;
}

/**
 * `read` sees one snapshot; `write` also excludes the other writers for its duration (SQLite) or
 * lets row locks order them (PostgreSQL); `schema` excludes every other `schema` transaction, on
 * any host, so two publishers never migrate the same store at once.
 */
export type TransactionKind = 'read' | 'write' | 'schema';

/** One open database. */
export interface Connection {
  /** What it is and where, never with a password: `sqlite PATH`, `postgres USER@HOST:PORT/DB`. */
  readonly description: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(kind: TransactionKind, fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Rows per INSERT: one statement per row would cost one round trip per trial to a distant
 * PostgreSQL; SQLite allows 32766 parameters a statement, PostgreSQL 65535.
 */
const MAX_PARAMS = 10_000;
const MAX_ROWS = 500;

/** Inserts rows (values in `columns` order) with multi-row INSERTs. */
export async function insertRows(sql: Sql, table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): Promise<void> {
  const perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    await sql.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
  }
}
