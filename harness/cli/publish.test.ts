import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { LATEST_SCHEMA } from '../store/schema.js';
import { FIXTURES, sqliteRowCounts } from '../store/test-runs.js';
import { UsageError } from './errors.js';
import { publishCommand } from './publish.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));

/** publishCommand with what it prints to stdout captured. */
async function publish(dirs: readonly string[], store: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  try {
    return { code: await publishCommand(dirs, { store }), stdout };
  } finally {
    process.stdout.write = write;
  }
}

describe('dplab publish', function () {
  this.timeout(60_000);
  let root: string;
  let mainJob: string;
  let benchSmoke: string;
  const runDir = (name: string, fixture: string): string => {
    const d = join(root, name);
    mkdirSync(d);
    copyFileSync(fixture, join(d, 'results.json'));
    return d;
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dplab-publish-'));
    mainJob = runDir('main-job', FIXTURES[0] as string);
    benchSmoke = runDir('bench-smoke', FIXTURES[1] as string);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('prints a line per run and the store; publishing again changes nothing', async () => {
    const store = join(root, 'store', 'results.db');
    expect(await publish([mainJob, benchSmoke], store)).to.deep.equal({
      code: 0,
      stdout: `published 641ec8 (380 cases, 81 benchmark points)\npublished 1c366d (0 cases, 38 benchmark points)\nstore: sqlite ${store}\n`,
    });
    const rows = sqliteRowCounts(store);
    expect(await publish([benchSmoke, mainJob], store)).to.deep.equal({
      code: 0,
      stdout: `1c366d already in the store\n641ec8 already in the store\nstore: sqlite ${store}\n`,
    });
    expect(sqliteRowCounts(store)).to.deep.equal(rows);
  });

  const bad: [string, () => string, string][] = [
    ['a missing directory', () => join(root, 'gone'), 'no such directory'],
    ['a file', () => FIXTURES[0] as string, 'not a directory'],
    ['a directory without results.json', () => (mkdirSync(join(root, 'empty')), join(root, 'empty')), 'no results.json'],
    [
      'invalid JSON',
      () => (mkdirSync(join(root, 'cut')), writeFileSync(join(root, 'cut', 'results.json'), '{"schemaVersion": 1,'), join(root, 'cut')),
      'not JSON',
    ],
    [
      'an unknown schemaVersion',
      () => (mkdirSync(join(root, 'v9')), writeFileSync(join(root, 'v9', 'results.json'), '{"schemaVersion": 9}'), join(root, 'v9')),
      'schemaVersion 9 is not supported',
    ],
  ];
  for (const [what, make, reason] of bad) {
    it(`refuses ${what} among good run directories, naming it, and writes nothing`, async () => {
      const store = join(root, 'store.db');
      await publish([mainJob], store);
      const before = sqliteRowCounts(store);
      const path = make();
      const e = await publish([benchSmoke, path], store).then(
        () => expect.fail('published'),
        (err: unknown) => err as Error,
      );
      expect(e).to.be.instanceOf(UsageError);
      expect(e.message).to.satisfy((m: string) => m.startsWith(path) && m.includes(reason) && !m.includes('\n'));
      expect(sqliteRowCounts(store)).to.deep.equal(before);
      // Nor is a store made for nothing.
      await publish([path], join(root, 'new', 'store.db')).catch(() => undefined);
      expect(existsSync(join(root, 'new'))).to.equal(false);
    });
  }

  it('exits 2 on a bad run directory and 3 on a store of a newer schema, with one line each', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const store = join(root, 'store.db');
    const bad = cli('publish', mainJob, root, '--store', store);
    expect([bad.status, bad.stderr, bad.stdout]).to.deep.equal([2, `dplab: ${root}: no results.json (not a run directory)\n`, '']);

    expect(cli('publish', mainJob, '--store', store).status).to.equal(0);
    const db = new DatabaseSync(store);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA + 1, 'next', '2030-01-01');
    db.close();
    const newer = cli('publish', benchSmoke, '--store', store);
    expect([newer.status, newer.stderr]).to.deep.equal([
      3,
      `dplab: sqlite ${store}: the store has schema version ${LATEST_SCHEMA + 1}, this dplab knows up to ${LATEST_SCHEMA}: use a newer dplab with it\n`,
    ]);
  });
});
