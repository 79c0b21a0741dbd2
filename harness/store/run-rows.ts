import { isDeepStrictEqual } from 'node:util';
import { CASE_STATUSES, RunResultsSchema, type BenchmarkPoint, type RunResults, type TrialRecord } from '../results/results.js';
import { insertRows, type Row, type Sql, type SqlValue } from './sql.js';
import { StoreError, StoreInputError, type PublishOutcome, type StoredRun } from './store.js';

/**
 * A run as rows of the store's tables (schema.ts) and back. Each table is described once, as
 * (column, field path, kind), and both directions are driven by that description, so a field
 * cannot be written and forgotten on the way back. A NULL column is an absent field.
 */

type Kind = 'text' | 'num' | 'bool' | 'json';
interface Column {
  readonly name: string;
  /** Dotted path in the results object: `generator.limited`. */
  readonly path: string;
  readonly kind: Kind;
}
const columns = (spec: string): readonly Column[] =>
  spec
    .trim()
    .split(/\s+/)
    .map((entry) => {
      const [name, path, kind] = entry.split(':') as [string, string, Kind];
      return { name, path, kind };
    });

// The columns of each table past its key (run_id, seq), as name:path:kind.
const RUN = columns(`
  schema_version:schemaVersion:num started:run.started:text finished:run.finished:text dplab_commit:run.dplabCommit:text
  host:run.host:text kernel:run.kernel:text ovs_version:run.ovsVersion:text topology:run.topology:text suites:run.suites:json
  generator:run.generator:json benchmark:run.benchmark:json`);
const BACKEND = columns(`
  backend:id:text product:product:text available:available:bool reason:reason:text versions:versions:json unsupported:unsupported:json`);
const CASE = columns(`
  case_id:id:text title:title:text suite:suite:text backend:backend:text features:features:json status:status:text reason:reason:text
  duration_ms:durationMs:num details:details:json expectation_status:expectation.status:text expectation_reason:expectation.reason:text
  expectation_reference:expectation.reference:text expectation_source:expectation.source:text expected:expected:bool`);
const POINT = columns(`
  backend:backend:text metric:metric:text frame_bytes:frameBytes:num frame_profile:frameProfile:text flows:flows:num value:value:num
  unit:unit:text spread_min:spread.min:num spread_max:spread.max:num load_fraction:loadFraction:num search:search:json
  confirm_pps:confirm.pps:num confirm_passed:confirm.passed:num unsupported:unsupported:text datapath_flows:datapathFlows:num
  generator_name:generator.name:text generator_note:generator.note:text generator_limited:generator.limited:bool
  generator_offered_pps:generator.offeredPps:num`);
const TRIAL = columns(`
  value:value:num requested_pps:requestedPps:num sent:sent:num received:received:num loss_ratio:lossRatio:num tx_if:txIf:num
  tx_dropped_if:txDroppedIf:num rx_if:rxIf:num passed:pass:bool seconds:seconds:num offered_pps:offeredPps:num
  generator_limited:generatorLimited:bool`);

const names = (cols: readonly Column[]): string => cols.map((c) => c.name).join(', ');

function get(obj: object, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split('.')) v = v === undefined ? undefined : (v as Record<string, unknown>)[key];
  return v;
}

function set(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let o = obj;
  for (const key of keys) o = (o[key] ??= {}) as Record<string, unknown>;
  o[last] = value;
}

function toValues(obj: object, cols: readonly Column[]): SqlValue[] {
  return cols.map((c) => {
    const v = get(obj, c.path);
    if (v === undefined) return null;
    return c.kind === 'json' ? JSON.stringify(v) : (v as SqlValue);
  });
}

/** The object a row describes; a NULL column leaves its field (and a parent left empty) absent. */
function fromRow(row: Row, cols: readonly Column[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const c of cols) {
    const v = row[c.name];
    if (v === null || v === undefined) continue;
    // SQLite hands BOOLEAN back as 0/1.
    set(obj, c.path, c.kind === 'json' ? JSON.parse(String(v)) : c.kind === 'bool' ? Boolean(v) : v);
  }
  return obj;
}

/** frameSize is a byte count or a named mix (imix): two columns, so a byte count stays a number a query can compare. */
const pointRow = (p: BenchmarkPoint): object => ({
  ...p,
  frameBytes: typeof p.frameSize === 'number' ? p.frameSize : undefined,
  frameProfile: typeof p.frameSize === 'string' ? p.frameSize : undefined,
});

async function insertChildren(sql: Sql, r: RunResults): Promise<void> {
  const id = r.run.id;
  await insertRows(
    sql,
    'backends',
    ['run_id', 'seq', ...BACKEND.map((c) => c.name)],
    r.run.backends.map((b, i) => [id, i, ...toValues(b, BACKEND)]),
  );
  await insertRows(
    sql,
    'cases',
    ['run_id', 'seq', ...CASE.map((c) => c.name)],
    r.cases.map((c, i) => [id, i, ...toValues(c, CASE)]),
  );
  await insertRows(
    sql,
    'benchmark_points',
    ['run_id', 'seq', ...POINT.map((c) => c.name)],
    r.benchmarks.map((p, i) => [id, i, ...toValues(pointRow(p), POINT)]),
  );
  const trials = (p: BenchmarkPoint, i: number) => [
    ...p.trials.map((t, j) => [id, i, 'measure', j, ...toValues(t, TRIAL)]),
    ...(p.confirm?.trials ?? []).map((t, j) => [id, i, 'confirm', j, ...toValues(t, TRIAL)]),
  ];
  await insertRows(sql, 'trials', ['run_id', 'point_seq', 'phase', 'seq', ...TRIAL.map((c) => c.name)], r.benchmarks.flatMap(trials));
}

/**
 * Inserts a run unless the store holds its id. ON CONFLICT DO NOTHING makes a concurrent
 * publisher of the same run wait on the key (PostgreSQL) until the first commits, then skip it.
 * The run is read back before the transaction commits: a results field the tables do not keep
 * fails the publish instead of being lost.
 */
export async function insertRun(sql: Sql, r: RunResults, publishedAt: string): Promise<PublishOutcome> {
  const id = r.run.id;
  const cols = ['id', ...RUN.map((c) => c.name), 'published_at'];
  const added = await sql.run(`INSERT INTO runs (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`, [
    id,
    ...toValues(r, RUN),
    publishedAt,
  ]);
  if (added === 0) {
    await checkSameRun(sql, r);
    return { id, added: false };
  }
  await insertChildren(sql, r);
  // As JSON: what results.json can say (no undefined-valued keys, no -0) is what must come back.
  if (!isDeepStrictEqual(await readRun(sql, id), JSON.parse(JSON.stringify(r)))) {
    throw new Error(`store: run ${id} does not read back as it was given: the store's tables miss a results.json field`);
  }
  return { id, added: true };
}

/** Run ids are short (6 hex digits): two runs can draw the same one, and one must not hide the other. */
async function checkSameRun(sql: Sql, r: RunResults): Promise<void> {
  const [held] = await sql.all('SELECT host, started FROM runs WHERE id = ?', [r.run.id]);
  if (held && (held.host !== r.run.host || held.started !== r.run.started)) {
    throw new StoreInputError(
      `run ${r.run.id} (host ${r.run.host}, started ${r.run.started}): the store holds another run with this id (host ${held.host}, started ${held.started})`,
    );
  }
}

/** The run as published, validated as results.json is. */
export async function readRun(sql: Sql, id: string): Promise<RunResults> {
  const [run] = await sql.all(`SELECT ${names(RUN)} FROM runs WHERE id = ?`, [id]);
  if (!run) throw new StoreInputError(`run ${id}: not in the store`);
  const child = (table: string, cols: readonly Column[]) => sql.all(`SELECT ${names(cols)} FROM ${table} WHERE run_id = ? ORDER BY seq`, [id]);
  const backends = (await child('backends', BACKEND)).map((row) => fromRow(row, BACKEND));
  const cases = (await child('cases', CASE)).map((row) => fromRow(row, CASE));
  const points = (await child('benchmark_points', POINT)).map((row) => fromRow(row, POINT));
  for (const p of points) {
    p.frameSize = p.frameBytes ?? p.frameProfile;
    delete p.frameBytes;
    delete p.frameProfile;
    p.trials = [];
    if (p.confirm) (p.confirm as { trials: TrialRecord[] }).trials = [];
  }
  const trials = await sql.all(`SELECT point_seq, phase, ${names(TRIAL)} FROM trials WHERE run_id = ? ORDER BY point_seq, phase, seq`, [id]);
  for (const t of trials) {
    const p = points[Number(t.point_seq)] as { trials: unknown[]; confirm?: { trials: unknown[] } } | undefined;
    const into = t.phase === 'confirm' ? p?.confirm?.trials : p?.trials;
    if (!into) throw new StoreError(`run ${id}: trial of point ${String(t.point_seq)} (${String(t.phase)}) has no point to belong to`);
    into.push(fromRow(t, TRIAL));
  }
  const results = fromRow(run, RUN) as { run: Record<string, unknown> };
  Object.assign(results.run, { id, backends });
  const parsed = RunResultsSchema.safeParse({ ...results, cases, benchmarks: points });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoreError(`run ${id}: the store's rows are not a valid run: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The index: every run with its case counts per status and its number of benchmark points. */
export async function listRuns(sql: Sql): Promise<StoredRun[]> {
  const runs = await sql.all(
    `SELECT id, started, finished, host, kernel, ovs_version, dplab_commit, topology, suites, published_at,
       (SELECT CAST(COUNT(*) AS INTEGER) FROM benchmark_points p WHERE p.run_id = runs.id) AS points
     FROM runs ORDER BY started, id`,
  );
  const counts = await sql.all('SELECT run_id, status, CAST(COUNT(*) AS INTEGER) AS n FROM cases GROUP BY run_id, status');
  const byRun = new Map<string, Row[]>();
  for (const c of counts) byRun.set(String(c.run_id), [...(byRun.get(String(c.run_id)) ?? []), c]);
  return runs.map((r) => {
    const statusCounts = Object.fromEntries(CASE_STATUSES.map((s) => [s, 0])) as StoredRun['counts'];
    for (const c of byRun.get(String(r.id)) ?? []) statusCounts[c.status as keyof typeof statusCounts] = Number(c.n);
    return {
      id: String(r.id),
      started: String(r.started),
      ...(r.finished === null ? {} : { finished: String(r.finished) }),
      host: String(r.host),
      kernel: String(r.kernel),
      ...(r.ovs_version === null ? {} : { ovsVersion: String(r.ovs_version) }),
      dplabCommit: String(r.dplab_commit),
      topology: String(r.topology),
      suites: JSON.parse(String(r.suites)) as string[],
      counts: statusCounts,
      benchmarkPoints: Number(r.points),
      publishedAt: String(r.published_at),
    };
  });
}
