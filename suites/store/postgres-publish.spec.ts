import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { RunResults } from '../../harness/results/results.js';
import { LATEST_SCHEMA, MIGRATIONS } from '../../harness/store/schema.js';
import { openStore } from '../../harness/store/open-store.js';
import { StoreError, type OpenStore } from '../../harness/store/store.js';
import { everyField, noOptionalField, recordedRuns, STORE_TABLES } from '../../harness/store/test-runs.js';
import { dplabAsync } from '../dplab-cli.js';
import { PostgresServer, type StartedPostgres } from './postgres-server.js';

/** Rows in each of the store's tables, by SQL on the store itself (not through the store's code). */
async function rowCounts(url: string): Promise<Record<string, number>> {
  const count = (t: string) => `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM ${t}`;
  if (!url.startsWith('postgresql://')) {
    const db = new DatabaseSync(url, { readOnly: true });
    try {
      return Object.fromEntries(STORE_TABLES.map((t) => [t, Number((db.prepare(count(t)).get() as { n: number }).n)]));
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const counts: Record<string, number> = {};
    for (const t of STORE_TABLES) counts[t] = Number((await c.query<{ n: number }>(count(t))).rows[0]?.n);
    return counts;
  } finally {
    await c.end();
  }
}

/** The rows a set of runs makes, table by table. */
function expectedRows(runs: readonly RunResults[]): Record<string, number> {
  const points = runs.flatMap((r) => r.benchmarks);
  return {
    runs: runs.length,
    backends: runs.reduce((n, r) => n + r.run.backends.length, 0),
    cases: runs.reduce((n, r) => n + r.cases.length, 0),
    benchmark_points: points.length,
    trials: points.reduce((n, p) => n + p.trials.length + (p.confirm?.trials.length ?? 0), 0),
    schema_migrations: MIGRATIONS.length,
  };
}

/** The recorded runs, `copies` times each under distinct run ids (c00000, c00001...). */
function distinctRuns(copies: number): RunResults[] {
  const runs: RunResults[] = [];
  for (let i = 0; i < copies; i++) {
    for (const r of recordedRuns()) runs.push({ ...r, run: { ...r.run, id: `c${String(runs.length).padStart(5, '0')}` } });
  }
  return runs;
}

/** Publisher k's run indexes: four consecutive ones from k, odd publishers in reverse (so their lock orders differ). */
const share = (k: number, n: number): number[] => {
  const ids = [0, 1, 2, 3].map((j) => (k + j) % n);
  return k % 2 ? ids.reverse() : ids;
};

describe('results store on PostgreSQL', function () {
  this.timeout(300_000);
  let server: StartedPostgres | undefined;
  let tmp: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'dplab-store-spec-'));
    server = await new PostgresServer().start();
  });
  after(async () => {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const started = () => server as StartedPostgres;

  it('gives back every run exactly as published, publishes each once, and indexes them', async () => {
    const url = await started().createDatabase('roundtrip');
    const runs = [...recordedRuns(), everyField(), noOptionalField()];
    const store = await openStore(url);
    try {
      expect(store.description).to.equal(`postgres postgres@127.0.0.1:${started().port}/roundtrip`);
      expect(await store.publish(runs)).to.deep.equal(runs.map((r) => ({ id: r.run.id, added: true })));
      for (const r of runs) expect(await store.load(r.run.id)).to.deep.equal(r);
      expect(await rowCounts(url)).to.deep.equal(expectedRows(runs));

      expect(await store.publish(runs.slice(0, 2))).to.deep.equal(runs.slice(0, 2).map((r) => ({ id: r.run.id, added: false })));
      expect(await rowCounts(url)).to.deep.equal(expectedRows(runs));
      const index = await store.runs();
      expect(index.map((s) => s.id)).to.deep.equal(['f00001', 'f00002', '1c366d', '641ec8']);
      expect(index.find((s) => s.id === '641ec8')).to.deep.include({
        counts: { pass: 367, fail: 2, unsupported: 0, skipped: 11, error: 0, timeout: 0 },
        benchmarkPoints: 81,
      });
    } finally {
      await store.close();
    }
  });

  it('refuses a store a newer dplab migrated, in one line', async () => {
    const url = await started().createDatabase('newer');
    await (await openStore(url)).close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [LATEST_SCHEMA + 1, 'next', '2030-01-01']);
    await c.end();
    const e = await openStore(url).then(
      () => expect.fail('opened'),
      (err: unknown) => err as Error,
    );
    expect(e).to.be.instanceOf(StoreError);
    expect(e.message).to.match(
      /^postgres postgres@127\.0\.0\.1:\d+\/newer: the store has schema version 2, this dplab knows up to 1: use a newer dplab with it$/,
    );
  });

  it('opens an up-to-date store for a role that may only read it, and refuses its publish in one line', async () => {
    const url = await started().createDatabase('readonly');
    const owner = await openStore(url);
    await owner.publish([everyField()]);
    await owner.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE ROLE reader LOGIN');
    await c.query('GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader');
    await c.end();
    const reader = await openStore(url.replace('postgres@', 'reader@'));
    try {
      expect((await reader.runs()).map((r) => r.id)).to.deep.equal(['f00001']);
      expect(await reader.load('f00001')).to.deep.equal(everyField());
      const e = await reader.publish([noOptionalField()]).then(
        () => expect.fail('published'),
        (err: unknown) => err as Error,
      );
      expect(e).to.be.instanceOf(StoreError);
      expect(e.message).to.match(/^postgres reader@127\.0\.0\.1:\d+\/readonly: permission denied for table runs$/);
    } finally {
      await reader.close();
    }
  });

  it('says in one line that it cannot reach a server', async () => {
    const e = await openStore('postgresql://postgres@127.0.0.1:1/none').then(
      () => expect.fail('opened'),
      (err: unknown) => err as Error,
    );
    expect(e).to.be.instanceOf(StoreError);
    expect(e.message).to.equal('postgres postgres@127.0.0.1:1/none: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('stops its throwaway server without a trace, twice if asked', async () => {
    const other = await new PostgresServer().start();
    expect(existsSync(join(other.dir, `.s.PGSQL.${other.port}`))).to.equal(true);
    await Promise.all([other.stop(), other.stop()]);
    await other.stop();
    expect(existsSync(other.dir)).to.equal(false);
    // Gone, or exited and not yet reaped by whoever adopted it (pg_ctl's child outlives pg_ctl).
    const state = existsSync(`/proc/${other.pid}/stat`) ? readFileSync(`/proc/${other.pid}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone';
    expect(state).to.be.oneOf(['gone', 'Z']);
  });

  for (const dialect of ['postgres', 'sqlite'] as const) {
    const storeUrl = async (name: string) => (dialect === 'postgres' ? started().createDatabase(name) : join(tmp, `${name}.db`));

    it(`keeps each run once when 6 dplab publish processes publish overlapping sets into a new store at once (${dialect})`, async () => {
      const url = await storeUrl('processes');
      const runs = distinctRuns(4);
      const dirs = runs.map((r) => {
        const d = join(tmp, `${dialect}-${r.run.id}`);
        mkdirSync(d);
        writeFileSync(join(d, 'results.json'), JSON.stringify(r, null, 2));
        return d;
      });
      const shares = [0, 1, 2, 3, 4, 5].map((k) => share(k, runs.length));
      const outcomes = await Promise.all(shares.map((s) => dplabAsync(['publish', ...s.map((i) => dirs[i] as string), '--store', url]).done));

      for (const o of outcomes) expect([o.code, o.stderr], o.stdout).to.deep.equal([0, '']);
      const lines = outcomes.flatMap((o) => o.stdout.trim().split('\n').slice(0, -1));
      const published = lines.filter((l) => l.startsWith('published ')).map((l) => l.split(' ')[1]);
      expect(published.sort(), lines.join('\n')).to.deep.equal(runs.map((r) => r.run.id));
      expect(lines.filter((l) => l.endsWith(' already in the store'))).to.have.length(shares.flat().length - runs.length);

      expect(await rowCounts(url)).to.deep.equal(expectedRows(runs));
      const store = await openStore(url);
      try {
        for (const r of runs) expect(await store.load(r.run.id)).to.deep.equal(r);
      } finally {
        await store.close();
      }
    });

    it(`keeps each run once when 6 connections of one process publish overlapping sets at once (${dialect})`, async () => {
      const url = await storeUrl('connections');
      const runs = distinctRuns(4);
      // Opened together: six migrations of one new store race, and one must win alone.
      const stores: OpenStore[] = await Promise.all([0, 1, 2, 3, 4, 5].map(() => openStore(url)));
      try {
        const outcomes = await Promise.all(stores.map((s, k) => s.publish(share(k, runs.length).map((i) => runs[i] as RunResults))));
        const added = outcomes.flat().filter((o) => o.added);
        expect(added.map((o) => o.id).sort()).to.deep.equal(runs.map((r) => r.run.id));
        expect(await rowCounts(url)).to.deep.equal(expectedRows(runs));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  }
});
