import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/open-store.js';
import { recordedRuns } from '../store/test-runs.js';
import { UsageError } from './errors.js';
import { siteCommand } from './site.js';

describe('dplab site', () => {
  let root = '';
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'dplab-site-cli-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a store path where there is none, creating neither a store nor the site', async () => {
    const store = join(root, 'typo.db');
    const out = join(root, 'site');
    const err = await siteCommand({ store, out }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.equal(`${store}: no store there (dplab publish creates one)`);
    expect(readdirSync(root)).to.deep.equal([]);
  });

  it('refuses a store that holds no runs, leaving no site behind', async () => {
    const store = join(root, 'empty.db');
    await (await openStore(store)).close();
    const err = await siteCommand({ store, out: join(root, 'site') }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.match(/holds no runs \(dplab publish RUN_DIR\.\.\. first\)$/);
    expect(existsSync(join(root, 'site'))).to.equal(false);
  });

  it("writes the index, the trends and every run's report from what the store holds", async () => {
    const store = join(root, 'results.db');
    const runs = recordedRuns();
    const s = await openStore(store);
    await s.publish(runs);
    await s.close();
    const out = join(root, 'site');
    expect(await siteCommand({ store, out })).to.equal(0);
    expect(readdirSync(out).sort()).to.deep.equal(['index.html', 'runs', 'trends.html']);
    expect(readdirSync(join(out, 'runs')).sort()).to.deep.equal(runs.map((r) => r.run.id).sort());
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    for (const r of runs) expect(index).to.contain(`<a class="run-link" href="runs/${r.run.id}/report.html">${r.run.id}</a>`);
  });
});
