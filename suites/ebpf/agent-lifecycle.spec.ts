import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentClient } from '../../datapaths/ebpf/agent-client.js';
import { AGENT, ebpfDatapath } from '../../datapaths/ebpf/index.js';
import { startReadyHelper } from '../../harness/system/ready-helper.js';
import { newRunId, runContext, runNames, type RunContext } from '../../harness/run/run-context.js';
import { registerRun, unregisterRun } from '../../harness/run/run-state.js';
import { REPO_ROOT } from '../../harness/system/identity.js';
import { exec, type ExecResult } from '../../harness/system/exec.js';
import { PKTIO } from '../../harness/traffic/conformance-io.js';
import { leftovers } from '../lifecycle/leftovers.js';

/** XDP_PASS in section `xdp`: the foreign XDP program, and (under a protocol no test sends) the foreign TC filter. */
const PASS = join(REPO_ROOT, 'build/ebpf/pass.bpf.o');
/** A broadcast frame of ethertype 0x88b6 (IEEE local experimental), 60 bytes. */
const FRAME = `${'ff'.repeat(6)}020000000001${'88b6'}${'00'.repeat(46)}`;

interface RunningAgent {
  readonly sock: string;
  readonly exit: Promise<number | null>;
  stderr(): string;
}

interface Filter {
  readonly pref: number;
  readonly handle: string;
  readonly prog: string;
}

/**
 * The agent on ports of its own namespace, against what others put there before it: a clsact
 * qdisc with a filter, an XDP program. It must remove what it created and only that.
 */
describe('ebpf agent: start, failure and SIGTERM teardown remove only what the agent created', function () {
  let ctx: RunContext;
  let ns: string;
  const children: ChildProcess[] = [];
  let sockets = 0;

  const inNs = (cmd: string, args: string[]): Promise<ExecResult> => exec(cmd, args, { netns: ns });

  /** A veth pair in the namespace, both ends up: [port, peer]. */
  async function vethPair(tag: string): Promise<[string, string]> {
    const port = runNames.link(ctx.runId, `a${tag}`);
    const peer = runNames.link(ctx.runId, `b${tag}`);
    await exec('ip', ['-n', ns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', peer]);
    for (const l of [port, peer]) await exec('ip', ['-n', ns, 'link', 'set', l, 'up']);
    return [port, peer];
  }

  async function hasClsact(ifname: string): Promise<boolean> {
    const qdiscs = JSON.parse((await inNs('tc', ['-j', 'qdisc', 'show', 'dev', ifname])).stdout) as { kind: string }[];
    return qdiscs.some((q) => q.kind === 'clsact');
  }

  /** The ingress filters (none when there is no clsact qdisc). */
  async function ingressFilters(ifname: string): Promise<Filter[]> {
    const r = await exec('tc', ['-j', 'filter', 'show', 'dev', ifname, 'ingress'], { netns: ns, allowFail: true });
    if (r.code !== 0) return [];
    const rows = JSON.parse(r.stdout || '[]') as { pref: number; options?: { handle?: string; prog?: { name?: string } } }[];
    return rows.filter((f) => f.options).map((f) => ({ pref: f.pref, handle: f.options?.handle ?? '', prog: f.options?.prog?.name ?? '' }));
  }

  async function xdpProgram(ifname: string): Promise<{ id: number; name: string } | undefined> {
    const [link] = JSON.parse((await exec('ip', ['-j', '-n', ns, 'link', 'show', 'dev', ifname])).stdout) as {
      xdp?: { prog?: { id: number; name: string } };
    }[];
    return link?.xdp?.prog;
  }

  function newSocket(): string {
    sockets += 1;
    return join(ctx.stateDir, `agent${sockets}.sock`);
  }

  /** Starts the agent and waits for its `ready` line, as the backend does. */
  async function startAgent(ports: string[], ...extra: string[]): Promise<RunningAgent> {
    const sock = newSocket();
    const args = ['--socket', sock, ...ports.flatMap((p, i) => ['--port', `${i + 1}=${p}`]), ...extra];
    const h = await startReadyHelper(ns, AGENT, args, 'dplab-ebpf-agent', { timeoutMs: 15_000 });
    children.push(h.child);
    const exit = new Promise<number | null>((r) => (h.child.exitCode !== null ? r(h.child.exitCode) : h.child.once('exit', (code) => r(code))));
    return { sock, exit, stderr: h.stderr };
  }

  async function sigterm(agent: RunningAgent): Promise<number | null> {
    const child = children.find((c) => c.spawnargs.includes(agent.sock));
    child?.kill('SIGTERM');
    return agent.exit;
  }

  /** Runs the agent to its exit (a started agent that serves instead is killed after 15 s). */
  function runAgent(args: string[]): Promise<ExecResult> {
    return exec(AGENT, args, { netns: ns, allowFail: true, timeoutMs: 15_000 });
  }

  const lines = (text: string): string[] => text.trim().split('\n').filter(Boolean);

  before(async function () {
    if (process.getuid?.() !== 0 || !existsSync(AGENT) || !existsSync(PASS) || !(await ebpfDatapath.probe()).available) this.skip();
    const runId = newRunId();
    ctx = runContext(runId, mkdtempSync(join(tmpdir(), `dplab-agent-lifecycle-${runId}-`)));
    // Registered, so that a `dplab cleanup` elsewhere leaves this live run alone.
    await registerRun(ctx);
    ns = runNames.netns(runId, 'agent');
    await exec('ip', ['netns', 'add', ns]);
  });

  after(async function () {
    if (!ctx) return;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await exec('ip', ['netns', 'del', ns], { allowFail: true });
    await unregisterRun(ctx);
    rmSync(ctx.outDir, { recursive: true, force: true });
    expect(await leftovers(ctx.runId)).to.deep.equal([]);
  });

  it('leaves a clsact qdisc and a filter that were there before it: it serves, exits 0 on SIGTERM and removes only its own filter', async () => {
    const [port, peer] = await vethPair('1');
    await inNs('tc', ['qdisc', 'add', 'dev', port, 'clsact']);
    await inNs('tc', ['filter', 'add', 'dev', port, 'ingress', 'protocol', '0x88b5', 'pref', '7', 'bpf', 'obj', PASS, 'sec', 'xdp']);
    const foreign = await ingressFilters(port);
    expect(foreign, 'the foreign filter').to.have.length(1);

    const agent = await startAgent([port]);
    const running = await ingressFilters(port);
    expect(running.map((f) => f.prog).sort(), 'filters while the agent runs').to.deep.equal(['dp_ingress', 'xdp_pass']);
    const client = await AgentClient.connect(agent.sock);
    try {
      expect((await client.command('ports'))[0]).to.match(new RegExp(`^port 1 ${port} \\d+ xdp=none$`));
      // A frame from the peer reaches the agent's filter behind the foreign one: one miss upcall.
      await exec(PKTIO, ['inject', '--if', peer], { netns: ns, input: `${FRAME}\n` });
      let stats: string[] = [];
      for (let i = 0; i < 50 && !stats.includes('upcalls: 1'); i += 1) {
        if (i) await sleep(100);
        stats = await client.command('stats');
      }
      expect(stats, 'agent stats after one frame').to.include('upcalls: 1');
    } finally {
      client.close();
    }

    expect(await sigterm(agent), agent.stderr()).to.equal(0);
    expect(await hasClsact(port), 'the clsact qdisc that was there before').to.equal(true);
    expect(await ingressFilters(port), 'ingress filters after the agent').to.deep.equal(foreign);
  });

  it('removes the clsact qdiscs it added: none is left after SIGTERM', async () => {
    const ports = await vethPair('2');
    for (const p of ports) expect(await hasClsact(p), `${p} before`).to.equal(false);
    const agent = await startAgent(ports);
    for (const p of ports) expect(await hasClsact(p), `${p} while the agent runs`).to.equal(true);
    expect(await sigterm(agent), agent.stderr()).to.equal(0);
    for (const p of ports) expect(await hasClsact(p), `${p} after the agent`).to.equal(false);
  });

  it('refuses --xdp on a port that already runs an XDP program: exit 1, one line naming the XDP step and the port, that program kept, nothing of its own left', async () => {
    // The foreign program on the second port: the first gets the agent's XDP and TC, to be undone.
    const [port, peer] = await vethPair('3');
    await exec('ip', ['-n', ns, 'link', 'set', 'dev', peer, 'xdpgeneric', 'obj', PASS, 'sec', 'xdp']);
    const foreign = await xdpProgram(peer);
    expect(foreign?.name, 'the foreign XDP program').to.equal('xdp_pass');

    const r = await runAgent(['--socket', newSocket(), '--port', `1=${port}`, '--port', `2=${peer}`, '--xdp']);
    expect(r.code, r.stderr).to.equal(1);
    expect(lines(r.stderr), 'stderr').to.have.length(1);
    expect(lines(r.stderr)[0]).to.match(new RegExp(`^dplab-ebpf-agent: XDP on ${peer}: `));

    expect(await xdpProgram(peer), 'the foreign XDP program after the agent').to.deep.equal(foreign);
    expect(await xdpProgram(port), 'XDP on the port the agent attached first').to.equal(undefined);
    for (const p of [port, peer]) {
      expect(await hasClsact(p), `clsact on ${p}`).to.equal(false);
      expect(await ingressFilters(p), `filters on ${p}`).to.deep.equal([]);
    }
  });

  it('exits 2 with one line for a missing interface or a bad argument', async () => {
    const missing = runNames.link(ctx.runId, 'none');
    const cases: [string[], RegExp][] = [
      [['--socket', newSocket(), '--port', `1=${missing}`], new RegExp(`^dplab-ebpf-agent: --port 1=${missing}: no interface ${missing} here$`)],
      [['--socket', newSocket(), '--port', 'x'], /^dplab-ebpf-agent: --port x: expected N=IFNAME with N in 1\.\.63$/],
      [['--bogus'], /^dplab-ebpf-agent: --bogus: unknown option or missing value \(usage: dplab-ebpf-agent --socket PATH /],
    ];
    for (const [args, message] of cases) {
      const r = await runAgent(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(lines(r.stderr), args.join(' ')).to.have.length(1);
      expect(lines(r.stderr)[0]).to.match(message);
    }
  });
});
