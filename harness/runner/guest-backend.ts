import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CaseGroup } from '../conformance/case.js';
import { GuestError } from '../guest/guest-kernel.js';
import type { KernelTarget } from '../guest/kernel-list.js';
import { runInGuest } from '../guest/resolve-kernel.js';
import { backendIdentity, guestIdentity } from '../results/backend-identity.js';
import { parseResults, type BackendIdentity, type CaseResult } from '../results/results.js';
import type { RunContext } from '../run/run-context.js';
import type { TopologyDefinition } from '../../topologies/topology.js';
import { notRun } from './case-runner.js';
import type { Progress } from '../results/progress.js';

export interface GuestPlan {
  readonly kernel: KernelTarget;
  readonly backendIds: readonly string[];
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
 * Runs every backend's cases inside one guest kernel with the same dplab code, then takes the
 * guest's results in: its cases, and each backend's identity with the guest kernel's version.
 * What the guest kernel lacks shows as the guest's own probes say (skipped, unsupported).
 */
export async function runBackendsInGuest(
  p: GuestPlan,
  ctx: RunContext,
  progress: Progress,
): Promise<{ identities: BackendIdentity[]; cases: CaseResult[]; ovsVersion?: string }> {
  const guest = p.kernel.guest;
  if (!guest) throw new Error(`${p.kernel.spec}: not a guest kernel`);
  const out = join(ctx.outDir, `guest-${p.kernel.tag}`);
  const guestRun = join(out, 'run');
  // Built-in topologies by name (the guest's working directory is the repository).
  const topology = p.topology.source.startsWith('topologies/') ? p.topology.spec.name : resolve(p.topology.source);
  const args = [
    'run',
    '--backend',
    p.backendIds.join(','),
    '--topology',
    topology,
    '--suite',
    p.suites.join(','),
    '--out',
    guestRun,
    ...(p.caseText ? ['--case', p.caseText] : []),
  ];
  const where = guest.label;
  const tag = `[${p.kernel.tag}]`;
  progress.info(`${tag} running ${p.backendIds.join(', ')} in a guest kernel (${where}); console in ${out}`);
  try {
    const r = await runInGuest(guest, { args, outDir: out, timeoutMs: p.timeoutMs ?? guestTimeoutMs(), onLine: (l) => progress.info(`  guest| ${l}`) });
    const text = await readFile(join(guestRun, 'results.json'), 'utf8').catch(() => undefined);
    if (text === undefined) throw new GuestError(`guest dplab exited ${r.exitCode} without results (console: ${r.consoleLog})`);
    const results = parseResults(text, join(guestRun, 'results.json'));
    progress.info(`${tag} guest finished in ${r.seconds.toFixed(1)} s`);
    return {
      identities: p.backendIds.map((id) =>
        guestIdentity(
          results.run.backends.find((b) => b.id === id),
          id,
          { label: where, kind: guest.kind, kernel: results.run.kernel },
        ),
      ),
      cases: results.cases.filter((c) => p.backendIds.includes(c.backend)),
      ...(results.run.ovsVersion ? { ovsVersion: results.run.ovsVersion } : {}),
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    progress.info(`${tag} guest error: ${msg}`);
    return {
      identities: p.backendIds.map((id) =>
        backendIdentity(id, { backend: id, available: false, versions: { guest: where }, reason: `guest kernel run failed: ${msg}` }),
      ),
      cases: p.backendIds.flatMap((id) =>
        notRun(p.groups, id, 'error', `guest kernel run failed: ${msg.split('\n')[0]}`, (c) => !p.caseText || c.id.includes(p.caseText)),
      ),
    };
  }
}
