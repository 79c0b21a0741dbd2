import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/runner/identity.js';
import type { RunContext } from '../../harness/run/run-context.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { attachPeerXdpPass, detachPeerXdpPass } from '../../topologies/veth-xdp-pass.js';

export const AGENT = join(REPO_ROOT, 'build/bin/dplab-ebpf-agent');
const READY_TIMEOUT_MS = 15_000;

/** The agent process of a run, serving its control socket in the DUT namespace. */
export interface StartedAgent {
  readonly sock: string;
  /** SIGTERM (SIGKILL after 5 s), then the peers' XDP pass programs off. Safe to call twice. */
  stop(): Promise<void>;
}

function waitReady(child: ChildProcess, log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`ebpf agent not ready in ${READY_TIMEOUT_MS} ms (log ${log})`)), READY_TIMEOUT_MS);
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes(': ready on ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ebpf agent exited (${code}): ${err.trim().split('\n').slice(-1)[0] ?? ''}`));
    });
  });
}

/**
 * Starts dplab-ebpf-agent on the topology's DUT ports (with its XDP front end when `xdp`), its
 * stderr in the run's logs, and waits until it serves; a failed start stops what it began.
 */
export async function startAgent(topology: StartedTopology, ctx: RunContext, xdp: boolean): Promise<StartedAgent> {
  const dir = join(ctx.stateDir, 'ebpf');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await mkdir(ctx.logDir, { recursive: true });
  const sock = join(dir, 'agent.sock');
  const logFile = join(ctx.logDir, 'ebpf-agent.log');
  const args = ['netns', 'exec', topology.dutNetns, AGENT, '--socket', sock, ...topology.dutPorts.flatMap((p) => ['--port', `${p.ofport}=${p.ifname}`]), ...(xdp ? ['--xdp'] : [])];
  // The XDP front end redirects into the DUT's veths: their endpoint ends need an XDP program.
  if (xdp) await attachPeerXdpPass(topology.endpoints);
  const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.pipe(createWriteStream(logFile));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      if (xdp) await detachPeerXdpPass(topology.endpoints);
    })());
  try {
    await waitReady(child, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return { sock, stop };
}
