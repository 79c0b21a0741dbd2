import type { Connection, Sql } from './sql.js';
import { StoreError } from './store.js';

/**
 * The store's tables, as numbered migrations applied in order and recorded in schema_migrations.
 * The SQL is portable, the same text for SQLite and PostgreSQL: TEXT, INTEGER (small counts and
 * positions), DOUBLE PRECISION (measured figures, exact for any JSON number; no BIGINT, which the
 * PostgreSQL client returns as a string), BOOLEAN (SQLite keeps 0/1). Timestamps are ISO 8601
 * TEXT, as results.json has them. A migration, once released, never changes: a change is a new one.
 *
 * Children are keyed by (run_id, seq), seq the position in results.json, so a run reads back in
 * its own order and no dialect-specific serial column is needed.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, backends, cases, benchmark points, trials',
    statements: [
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        schema_version INTEGER NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        dplab_commit TEXT NOT NULL,
        host TEXT NOT NULL,
        kernel TEXT NOT NULL,
        ovs_version TEXT,
        topology TEXT NOT NULL,
        suites TEXT NOT NULL,
        generator TEXT,
        benchmark TEXT,
        published_at TEXT NOT NULL
      )`,
      'CREATE INDEX runs_started ON runs (started, id)',
      `CREATE TABLE backends (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        backend TEXT NOT NULL,
        product TEXT,
        available BOOLEAN NOT NULL,
        reason TEXT,
        versions TEXT NOT NULL,
        unsupported TEXT,
        PRIMARY KEY (run_id, seq)
      )`,
      `CREATE TABLE cases (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        case_id TEXT NOT NULL,
        title TEXT NOT NULL,
        suite TEXT NOT NULL,
        backend TEXT NOT NULL,
        features TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'unsupported', 'skipped', 'error', 'timeout')),
        reason TEXT NOT NULL,
        duration_ms DOUBLE PRECISION NOT NULL,
        details TEXT,
        expectation_status TEXT,
        expectation_reason TEXT,
        expectation_reference TEXT,
        expectation_source TEXT,
        expected BOOLEAN,
        PRIMARY KEY (run_id, seq)
      )`,
      'CREATE INDEX cases_case ON cases (suite, case_id, backend)',
      `CREATE TABLE benchmark_points (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        backend TEXT NOT NULL,
        metric TEXT NOT NULL,
        frame_bytes DOUBLE PRECISION,
        frame_profile TEXT,
        flows DOUBLE PRECISION NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        unit TEXT NOT NULL,
        spread_min DOUBLE PRECISION,
        spread_max DOUBLE PRECISION,
        load_fraction DOUBLE PRECISION,
        search TEXT,
        confirm_pps DOUBLE PRECISION,
        confirm_passed DOUBLE PRECISION,
        unsupported TEXT,
        datapath_flows DOUBLE PRECISION,
        generator_name TEXT NOT NULL,
        generator_note TEXT NOT NULL,
        generator_limited BOOLEAN NOT NULL,
        generator_offered_pps DOUBLE PRECISION,
        PRIMARY KEY (run_id, seq),
        CHECK ((frame_bytes IS NULL) <> (frame_profile IS NULL))
      )`,
      'CREATE INDEX benchmark_points_series ON benchmark_points (backend, metric, flows)',
      `CREATE TABLE trials (
        run_id TEXT NOT NULL,
        point_seq INTEGER NOT NULL,
        phase TEXT NOT NULL CHECK (phase IN ('measure', 'confirm')),
        seq INTEGER NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        requested_pps DOUBLE PRECISION,
        sent DOUBLE PRECISION,
        received DOUBLE PRECISION,
        loss_ratio DOUBLE PRECISION,
        tx_if DOUBLE PRECISION,
        tx_dropped_if DOUBLE PRECISION,
        rx_if DOUBLE PRECISION,
        passed BOOLEAN,
        seconds DOUBLE PRECISION,
        offered_pps DOUBLE PRECISION,
        generator_limited BOOLEAN,
        PRIMARY KEY (run_id, point_seq, phase, seq),
        FOREIGN KEY (run_id, point_seq) REFERENCES benchmark_points (run_id, seq) ON DELETE CASCADE
      )`,
    ],
  },
];

export const LATEST_SCHEMA = Math.max(...MIGRATIONS.map((m) => m.version));

const CREATE_MIGRATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

export async function appliedVersions(sql: Sql): Promise<number[]> {
  return (await sql.all('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
}

export function refuseNewer(versions: readonly number[], description: string): void {
  const newest = Math.max(0, ...versions);
  if (newest > LATEST_SCHEMA) {
    throw new StoreError(`${description}: the store has schema version ${newest}, this dplab knows up to ${LATEST_SCHEMA}: use a newer dplab with it`);
  }
}

/**
 * Applies the migrations the store lacks; call inside a `schema` transaction, which serialises
 * migrators. A store a newer dplab migrated is refused, not written with an older idea of it.
 * Resolves with the versions applied.
 */
export async function migrate(sql: Sql, description: string): Promise<number[]> {
  await sql.run(CREATE_MIGRATIONS_TABLE);
  const have = await appliedVersions(sql);
  refuseNewer(have, description);
  const applied: number[] = [];
  for (const m of MIGRATIONS.filter((x) => !have.includes(x.version))) {
    for (const statement of m.statements) await sql.run(statement);
    await sql.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, new Date().toISOString()]);
    applied.push(m.version);
  }
  return applied;
}

/** Inside a publish: a newer dplab may have migrated the store since it was opened. */
export async function checkSchema(sql: Sql, description: string): Promise<void> {
  refuseNewer(await appliedVersions(sql), description);
}

/**
 * Brings the store to this dplab's schema. A store already there is only read, so a role that
 * may read but not create tables (a site generator's) can open it; otherwise the migrations run
 * in a `schema` transaction, which re-reads the versions under its lock.
 */
export async function ensureSchema(conn: Connection): Promise<void> {
  // No schema_migrations yet (a new store), or it could not be read: migrate() finds out which.
  const have = await conn.transaction('read', appliedVersions).catch(() => undefined);
  if (have) refuseNewer(have, conn.description);
  if (!have || MIGRATIONS.some((m) => !have.includes(m.version))) await conn.transaction('schema', (sql) => migrate(sql, conn.description));
}
