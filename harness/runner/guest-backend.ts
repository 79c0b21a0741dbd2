import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CaseGroup } from '../conformance/case.js';
import { GuestError, type GuestKernel } from '../guest/guest-kernel.js';
import { runInGuest } from '../guest/resolve-kernel.js';
import { backendIdentity, guestIdentity } from '../results/backend-identity.js';
import { parseResults, type BackendIdentity, type CaseResult } from '../results/results.js';
import type { RunContext } from '../run/run-context.js';
import type { TopologyDefinition } from '../../topologies/topology.js';
import { notRun } from './case-runner.js';
import type { Progress } from '../results/progress.js';

export interface GuestPlan {
  readonly guest: GuestKernel;
  readonly backendId: string;
  readonly topology: TopologyDefinition;
  readonly suites: readonly string[];
  readonly groups: readonly CaseGroup[];
  readonly caseText?: string;
  readonly timeoutMs?: number;
}

/** How long a guest may run: DPLAB_GUEST_TIMEOUT_S, default 45 minutes. */
export function guestTimeoutMs(): number {
  const s = Number(process.env.DPLAB_GUEST_TIMEOUT_S);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 45 * 60_000;
}

/**
 * Runs one backend's cases inside a guest kernel with the same dplab code, then takes the
 * guest's results in: its cases, and the backend identity with the guest kernel's version.
 */
export async function runBackendInGuest(
  p: GuestPlan,
  ctx: RunContext,
  progress: Progress,
): Promise<{ identity: BackendIdentity; cases: CaseResult[]; ovsVersion?: string }> {
  const out = join(ctx.outDir, `guest-${p.backendId}`);
  const guestRun = join(out, 'run');
  // Built-in topologies by name (the guest's working directory is the repository).
  const topology = p.topology.source.startsWith('topologies/') ? p.topology.spec.name : resolve(p.topology.source);
  const args = [
    'run',
    '--backend',
    p.backendId,
    '--topology',
    topology,
    '--suite',
    p.suites.join(','),
    '--out',
    guestRun,
    ...(p.caseText ? ['--case', p.caseText] : []),
  ];
  const where = p.guest.label;
  progress.info(`[${p.backendId}] running in a guest kernel (${where}); console in ${out}`);
  try {
    const r = await runInGuest(p.guest, { args, outDir: out, timeoutMs: p.timeoutMs ?? guestTimeoutMs(), onLine: (l) => progress.info(`  guest| ${l}`) });
    const text = await readFile(join(guestRun, 'results.json'), 'utf8').catch(() => undefined);
    if (text === undefined) throw new GuestError(`guest dplab exited ${r.exitCode} without results (console: ${r.consoleLog})`);
    const results = parseResults(text, join(guestRun, 'results.json'));
    const inner = results.run.backends.find((b) => b.id === p.backendId);
    const identity = guestIdentity(inner, p.backendId, { label: where, kind: p.guest.kind, kernel: results.run.kernel });
    progress.info(`[${p.backendId}] guest finished in ${r.seconds.toFixed(1)} s`);
    return {
      identity,
      cases: results.cases.filter((c) => c.backend === p.backendId),
      ...(results.run.ovsVersion ? { ovsVersion: results.run.ovsVersion } : {}),
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    progress.info(`[${p.backendId}] guest error: ${msg}`);
    return {
      identity: backendIdentity(p.backendId, { backend: p.backendId, available: false, versions: { guest: where }, reason: `guest kernel run failed: ${msg}` }),
      cases: notRun(p.groups, p.backendId, 'error', `guest kernel run failed: ${msg.split('\n')[0]}`, (c) => !p.caseText || c.id.includes(p.caseText)),
    };
  }
}
