import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { statusCounts, type RunResults } from '../results/results.js';
import { LATEST_SCHEMA } from './schema.js';
import { openStore } from './open-store.js';
import { defaultStoreUrl, StoreError, StoreInputError, type OpenStore } from './store.js';
import { everyField, noOptionalField, recordedRuns, sqliteRowCounts } from './test-runs.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('results store (SQLite)', () => {
  let dir: string;
  let file: string;
  let store: OpenStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dplab-store-'));
    file = join(dir, 'nested', 'dir', 'results.db');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives back the recorded runs exactly as published, and indexes them', async () => {
    const runs = recordedRuns();
    store = await openStore(file);
    expect(store.description).to.equal(`sqlite ${file}`);
    expect(await store.publish(runs)).to.deep.equal(runs.map((r) => ({ id: r.run.id, added: true })));
    for (const r of runs) expect(await store.load(r.run.id)).to.deep.equal(r);

    const index = await store.runs();
    const byStart = [...runs].sort((a, b) => a.run.started.localeCompare(b.run.started));
    expect(index.map((s) => s.id)).to.deep.equal(byStart.map((r) => r.run.id));
    for (const [i, s] of index.entries()) {
      const r = byStart[i] as RunResults;
      const { id, started, finished, host, kernel, ovsVersion, dplabCommit, topology, suites } = r.run;
      const optional = { ...(finished ? { finished } : {}), ...(ovsVersion ? { ovsVersion } : {}) };
      expect(s).to.deep.equal({
        id,
        started,
        ...optional,
        host,
        kernel,
        dplabCommit,
        topology,
        suites,
        counts: statusCounts(r.cases),
        benchmarkPoints: r.benchmarks.length,
        publishedAt: s.publishedAt,
      });
      expect(Date.parse(s.publishedAt)).to.be.closeTo(Date.now(), 60_000);
    }
    const rows = sqliteRowCounts(file);
    expect(rows.cases).to.equal(380);
    expect(rows.trials).to.equal(runs.flatMap((r) => r.benchmarks).reduce((n, p) => n + p.trials.length + (p.confirm?.trials.length ?? 0), 0));
  });

  it('keeps every optional field, and leaves absent ones absent', async () => {
    store = await openStore(file);
    await store.publish([everyField(), noOptionalField()]);
    expect(await store.load('f00001')).to.deep.equal(everyField());
    const bare = await store.load('f00002');
    expect(bare).to.deep.equal(noOptionalField());
    expect(Object.keys(bare.run)).to.have.members(Object.keys(noOptionalField().run));
  });

  it('publishes a run id once: the second time changes nothing', async () => {
    store = await openStore(file);
    await store.publish(recordedRuns());
    const [index, rows] = [await store.runs(), sqliteRowCounts(file)];
    expect(await store.publish([...recordedRuns(), everyField()])).to.deep.equal([
      { id: '641ec8', added: false },
      { id: '1c366d', added: false },
      { id: 'f00001', added: true },
    ]);
    expect((await store.runs()).filter((s) => s.id !== 'f00001')).to.deep.equal(index);
    expect(sqliteRowCounts(file).cases).to.equal((rows.cases as number) + everyField().cases.length);
  });

  it('refuses a run whose id the store holds for another run, and writes none of that publish', async () => {
    store = await openStore(file);
    await store.publish([everyField('aaaaaa')]);
    const before = sqliteRowCounts(file);
    const other = { ...noOptionalField('aaaaaa'), run: { ...noOptionalField().run, id: 'aaaaaa', host: 'lab2' } };
    const e = await rejection(store.publish([noOptionalField('bbbbbb'), other]));
    expect(e).to.be.instanceOf(StoreInputError);
    expect(e.message).to.equal(
      'run aaaaaa (host lab2, started 2026-11-25T08:00:00.000Z): the store holds another run with this id (host lab1, started 2026-11-24T19:00:00.000Z)',
    );
    expect(sqliteRowCounts(file)).to.deep.equal(before);
  });

  it('says which id it does not know', async () => {
    store = await openStore(file);
    const e = await rejection(store.load('nope00'));
    expect(e).to.be.instanceOf(StoreInputError);
    expect(e.message).to.equal('run nope00: not in the store');
  });

  it('applies its migrations once, recorded in schema_migrations', async () => {
    await (await openStore(file)).close();
    store = await openStore(file);
    const db = new DatabaseSync(file, { readOnly: true });
    expect(
      db
        .prepare('SELECT version FROM schema_migrations')
        .all()
        .map((r) => r.version),
    ).to.deep.equal([LATEST_SCHEMA]);
    db.close();
  });

  it('refuses a store a newer dplab migrated, in one line, and leaves it alone', async () => {
    await (await openStore(file)).close();
    const db = new DatabaseSync(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA + 1, 'from the future', '2030-01-01');
    db.close();
    const before = sqliteRowCounts(file);
    const e = await rejection(openStore(file));
    expect(e).to.be.instanceOf(StoreError);
    expect(e.message).to.equal(
      `sqlite ${file}: the store has schema version ${LATEST_SCHEMA + 1}, this dplab knows up to ${LATEST_SCHEMA}: use a newer dplab with it`,
    );
    expect(sqliteRowCounts(file)).to.deep.equal(before);
  });

  it('refuses a file that is not a SQLite database as a bad store path', async () => {
    const notDb = join(dir, 'notes.txt');
    writeFileSync(notDb, 'these are my notes, not a database; '.repeat(20));
    const e = await rejection(openStore(notDb));
    expect(e).to.be.instanceOf(StoreInputError);
    expect(e.message).to.equal(`sqlite ${notDb}: file is not a database`);
  });
});

describe('default store URL', () => {
  it('is $DPLAB_STORE when set', () => {
    expect(defaultStoreUrl({ DPLAB_STORE: 'postgres://dplab@db1/dplab', HOME: '/home/u' })).to.equal('postgres://dplab@db1/dplab');
  });
  it('is ~/.local/share/dplab/results.db otherwise (an empty $DPLAB_STORE counts as unset)', () => {
    expect(defaultStoreUrl({ HOME: '/home/u' })).to.equal('/home/u/.local/share/dplab/results.db');
    expect(defaultStoreUrl({ DPLAB_STORE: '', HOME: '/root' })).to.equal('/root/.local/share/dplab/results.db');
  });
});
