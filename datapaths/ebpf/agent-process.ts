import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/system/identity.js';
import type { RunContext } from '../../harness/run/run-context.js';
import { startReadyHelper, type ReadyHelper } from '../../harness/system/ready-helper.js';
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

/**
 * Starts dplab-ebpf-agent on the topology's DUT ports (with its XDP front end when `xdp`), its
 * stderr in the run's logs, and waits for its `ready` line; a failed start stops what it began.
 */
export async function startAgent(topology: StartedTopology, ctx: RunContext, xdp: boolean): Promise<StartedAgent> {
  const dir = join(ctx.stateDir, 'ebpf');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await mkdir(ctx.logDir, { recursive: true });
  const sock = join(dir, 'agent.sock');
  const args = ['--socket', sock, ...topology.dutPorts.flatMap((p) => ['--port', `${p.ofport}=${p.ifname}`]), ...(xdp ? ['--xdp'] : [])];
  // The XDP front end redirects into the DUT's veths: their endpoint ends need an XDP program.
  if (xdp) await attachPeerXdpPass(topology.endpoints);
  let helper: ReadyHelper | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const child = helper?.child;
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await helper?.exited;
        clearTimeout(killer);
      }
      if (xdp) await detachPeerXdpPass(topology.endpoints);
    })());
  try {
    helper = await startReadyHelper(topology.dutNetns, AGENT, args, 'ebpf agent', {
      timeoutMs: READY_TIMEOUT_MS,
      stderrLog: join(ctx.logDir, 'ebpf-agent.log'),
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { sock, stop };
}
