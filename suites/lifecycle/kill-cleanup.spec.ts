import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afxdpDatapath } from '../../datapaths/afxdp/index.js';
import { leftovers } from './leftovers.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

/** Starts `dplab run`, resolves with its run id once cases are running. */
function startRun(out: string): Promise<{ pid: number; runId: string; wait: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'run', '--backend', 'afxdp', '--topology', 'p2p', '--out', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wait = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run did not reach its cases in 60 s:\n${log}`)), 60_000);
    child.stderr.on('data', (b: Buffer) => {
      log += b.toString();
      const id = /dplab run ([0-9a-f]{6}):/.exec(log)?.[1];
      // Kill once a case has finished: the topology, daemons and XDP programs all exist then.
      if (id && /\[afxdp\] +\d+\/\d+ /.test(log)) {
        clearTimeout(timer);
        resolve({ pid: child.pid as number, runId: id, wait });
      }
    });
    void wait.then((code) => reject(new Error(`run exited (${code}) before its cases:\n${log}`)));
  });
}

describe('dplab run killed with SIGKILL, then dplab cleanup', function () {
  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    const p = await afxdpDatapath.probe();
    if (!p.available) {
      console.log(`      skipped: afxdp: ${p.reason}`);
      this.skip();
    }
  });

  it('leaves namespaces, links and daemons that cleanup then removes completely', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dplab-kill-'));
    const run = await startRun(out);
    const during = await leftovers(run.runId);
    expect(during.some((l) => l.startsWith('netns ')), `run ${run.runId} should hold namespaces: ${during.join(', ')}`).to.equal(true);
    expect(during.some((l) => l.startsWith('process ')), `run ${run.runId} should hold daemons: ${during.join(', ')}`).to.equal(true);

    process.kill(run.pid, 'SIGKILL');
    await run.wait;
    expect(await leftovers(run.runId), 'a SIGKILLed run cannot clean up after itself').to.not.deep.equal([]);

    const c = spawnSync(process.execPath, [CLI, 'cleanup'], { encoding: 'utf8', timeout: 120_000 });
    expect(c.status, c.stderr).to.equal(0);
    expect(c.stdout).to.include(run.runId);
    expect(await leftovers(run.runId), 'left after cleanup').to.deep.equal([]);
  });

  it('does not touch a live run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dplab-live-'));
    const run = await startRun(out);
    try {
      const c = spawnSync(process.execPath, [CLI, 'cleanup'], { encoding: 'utf8', timeout: 120_000 });
      expect(c.status, c.stderr).to.equal(0);
      expect(await leftovers(run.runId), 'the live run keeps its namespaces').to.not.deep.equal([]);
    } finally {
      process.kill(run.pid, 'SIGTERM');
      await run.wait;
    }
    expect(await leftovers(run.runId), 'SIGTERM teardown leaves nothing').to.deep.equal([]);
  });
});
