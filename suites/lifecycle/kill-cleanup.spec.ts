import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afxdpDatapath } from '../../datapaths/afxdp/index.js';
import { ebpfDatapath } from '../../datapaths/ebpf/index.js';
import { exec } from '../../harness/system/exec.js';
import { leftovers } from './leftovers.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

/** Starts `dplab ARGS`, resolves with its run id once its log matches `ready` (the things to leave exist then). */
function startDplab(args: readonly string[], ready: RegExp): Promise<{ pid: number; runId: string; wait: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const wait = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dplab ${args[0]} did not get going in 90 s:\n${log}`)), 90_000);
    child.stderr.on('data', (b: Buffer) => {
      log += b.toString();
      const id = /dplab run ([0-9a-f]{6}):/.exec(log)?.[1];
      if (id && ready.test(log)) {
        clearTimeout(timer);
        resolve({ pid: child.pid as number, runId: id, wait });
      }
    });
    void wait.then((code) => reject(new Error(`dplab ${args[0]} exited (${code}) too early:\n${log}`)));
  });
}

/** Starts `dplab run`, resolves with its run id once a case has finished: the topology, daemons and XDP programs all exist then. */
function startRun(out: string, backend = 'afxdp') {
  return startDplab(['run', '--backend', backend, '--topology', 'p2p', '--out', out], new RegExp(`\\[${backend}\\] +\\d+/\\d+ `));
}

/**
 * Live processes named like dplab's helpers (dplab-gen, dplab-sink, dplab-xdp-redirect,
 * dplab-ebpf-agent, ...). Zombies are left out: a killed helper whose parent died waits for
 * PID 1 to reap it, and holds nothing.
 */
function dplabHelpers(): string[] {
  const live: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (comm.startsWith('dplab-') && state !== 'Z') live.push(`${pid} ${comm}`);
  }
  return live;
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
    expect(
      during.some((l) => l.startsWith('netns ')),
      `run ${run.runId} should hold namespaces: ${during.join(', ')}`,
    ).to.equal(true);
    expect(
      during.some((l) => l.startsWith('process ')),
      `run ${run.runId} should hold daemons: ${during.join(', ')}`,
    ).to.equal(true);

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

/** Loaded BPF programs named dp_ingress (the eBPF datapath's TC program). */
async function datapathPrograms(): Promise<number> {
  const r = await exec('bpftool', ['-j', 'prog', 'show'], { allowFail: true });
  return (JSON.parse(r.stdout || '[]') as { name?: string }[]).filter((p) => p.name === 'dp_ingress').length;
}

describe('eBPF agent killed with SIGKILL, then dplab cleanup', function () {
  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    const p = await ebpfDatapath.probe();
    if (!p.available) {
      console.log(`      skipped: ebpf: ${p.reason}`);
      this.skip();
    }
  });

  it('leaves its TC program attached; cleanup removes it with the run', async () => {
    const before = await datapathPrograms();
    const out = mkdtempSync(join(tmpdir(), 'dplab-ebpf-kill-'));
    const run = await startRun(out, 'ebpf');
    const agent = (await exec('pgrep', ['-f', `/run/dplab/${run.runId}/ebpf/agent.sock`], { allowFail: true })).stdout
      .trim()
      .split('\n')
      .map(Number)
      .filter(Boolean);
    expect(agent, 'agent pid').to.have.length(1);
    process.kill(agent[0] as number, 'SIGKILL');
    process.kill(run.pid, 'SIGKILL');
    await run.wait;
    expect(await datapathPrograms(), 'a SIGKILLed agent cannot detach its program').to.be.greaterThan(before);

    const c = spawnSync(process.execPath, [CLI, 'cleanup'], { encoding: 'utf8', timeout: 120_000 });
    expect(c.status, c.stderr).to.equal(0);
    expect(c.stdout).to.include(run.runId);
    expect(await leftovers(run.runId), 'left after cleanup').to.deep.equal([]);
    // The kernel frees a program once its last TC filter is gone with the namespace.
    let now = await datapathPrograms();
    for (let i = 0; i < 40 && now > before; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      now = await datapathPrograms();
    }
    expect(now, 'dp_ingress programs after cleanup').to.equal(before);
  });
});

describe('dplab bench killed with SIGKILL, then dplab cleanup', function () {
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  it('leaves the XDP redirect baseline helper running; cleanup finds it and every other leftover', async () => {
    const helpersBefore = dplabHelpers();
    const out = mkdtempSync(join(tmpdir(), 'dplab-bench-kill-'));
    // Killed while the ceiling baseline (a helper program holding XDP on the DUT ports) is measured.
    const run = await startDplab(['bench', '--smoke', '--backend', 'ebpf', '--out', out], /\[baseline-xdp\] xdp-redirect-\w+: benchmarking/);
    process.kill(run.pid, 'SIGKILL');
    await run.wait;
    const left = await leftovers(run.runId);
    expect(
      left.some((l) => /^process \d+ dplab-xdp-redirect$/.test(l)),
      `the baseline helper outlives a SIGKILLed run: ${left.join(', ')}`,
    ).to.equal(true);

    const c = spawnSync(process.execPath, [CLI, 'cleanup'], { encoding: 'utf8', timeout: 120_000 });
    expect(c.status, c.stderr).to.equal(0);
    expect(c.stdout).to.match(new RegExp(`process \\d+ dplab-xdp-redirect`));
    expect(await leftovers(run.runId), 'left after cleanup').to.deep.equal([]);
    expect(dplabHelpers(), 'dplab helper processes after cleanup').to.deep.equal(helpersBefore);
  });
});
