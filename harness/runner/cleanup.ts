import { setTimeout as sleep } from 'node:timers/promises';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../system/exec.js';
import { RUN_ID_PATTERN, runNames, STATE_ROOT } from '../run/run-context.js';
import { ownerAlive, readOwner, registeredRuns, RUN_ENV } from '../run/run-state.js';
import { containerRunIds, removeRunContainers } from '../traffic/trex/trex-server.js';

/** Where dplab pins BPF objects of a run (eBPF backends): `${BPFFS_ROOT}/dplab-<id>`. */
export const BPFFS_ROOT = '/sys/fs/bpf';

export interface CleanupReport {
  /** Run id -> what was removed, e.g. `netns dplab-a1b2c3-dut`, `process 812 ovs-vswitchd`. */
  readonly removed: Map<string, string[]>;
  /** Runs left alone because their owner is alive. */
  readonly live: Map<string, number>;
}

/**
 * The processes a run started and left: those whose environment carries the run id (every helper,
 * daemon and guest kernel inherits it), whose command line names the run's state directory
 * (daemons started before the marker existed), or that live in one of the run's namespaces.
 */
export async function runProcesses(runId: string): Promise<{ pid: number; name: string }[]> {
  const marker = `${join(STATE_ROOT, runId)}/`;
  const envMarker = `${RUN_ENV}=${runId}`;
  const inNetns = new Set<number>();
  const ns = await exec('ip', ['netns', 'list'], { allowFail: true });
  for (const name of ns.stdout.split('\n').map((l) => l.split(' ')[0] ?? '')) {
    if (!name.startsWith(`dplab-${runId}-`)) continue;
    const pids = await exec('ip', ['netns', 'pids', name], { allowFail: true });
    for (const pid of pids.stdout.split('\n').filter(Boolean)) inNetns.add(Number(pid));
  }
  const out: { pid: number; name: string }[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (!cmd) continue; // gone, or a kernel thread
    const env = await readFile(`/proc/${d}/environ`, 'utf8').catch(() => '');
    if (!cmd.includes(marker) && !env.split('\0').includes(envMarker) && !inNetns.has(Number(d))) continue;
    out.push({ pid: Number(d), name: (cmd.split('\0')[0] ?? '').split('/').pop() ?? '' });
  }
  return out;
}

async function runIdsOnHost(): Promise<Set<string>> {
  const ids = new Set(await registeredRuns());
  const ns = await exec('ip', ['netns', 'list'], { allowFail: true });
  for (const l of ns.stdout.split('\n')) {
    const m = runNames.netnsPattern.exec(l.split(' ')[0] ?? '');
    if (m?.[1]) ids.add(m[1]);
  }
  const links = await exec('ip', ['-o', 'link', 'show'], { allowFail: true });
  for (const l of links.stdout.split('\n')) {
    const m = runNames.linkPattern.exec((l.split(': ')[1] ?? '').split('@')[0] ?? '');
    if (m?.[1]) ids.add(m[1]);
  }
  // Daemons whose state directory is already gone still name it on their command line; every
  // helper carries the run id in its environment.
  const marker = new RegExp(`${STATE_ROOT.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/([0-9a-f]{6})/`);
  const envMarker = new RegExp(`(?:^|\0)${RUN_ENV}=([0-9a-f]{6})(?:\0|$)`);
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const m =
      marker.exec(await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '')) ?? envMarker.exec(await readFile(`/proc/${d}/environ`, 'utf8').catch(() => ''));
    if (m?.[1]) ids.add(m[1]);
  }
  for (const d of await readdir(BPFFS_ROOT).catch(() => [] as string[])) {
    const m = /^dplab-([0-9a-f]{6})$/.exec(d);
    if (m?.[1]) ids.add(m[1]);
  }
  for (const id of await containerRunIds()) if (RUN_ID_PATTERN.test(id)) ids.add(id);
  return ids;
}

/** Removes everything a dead run left: its daemons (by PID), namespaces, links, BPF pins and state. */
async function cleanRun(runId: string): Promise<string[]> {
  const removed: string[] = [];
  const procs = await runProcesses(runId);
  for (const p of procs) {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  for (let i = 0; i < 20 && (await runProcesses(runId)).length > 0; i += 1) await sleep(100);
  for (const p of await runProcesses(runId)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  removed.push(...procs.map((p) => `process ${p.pid} ${p.name}`));
  const ns = await exec('ip', ['netns', 'list'], { allowFail: true });
  for (const name of ns.stdout.split('\n').map((l) => l.split(' ')[0] ?? '')) {
    if (!name.startsWith(`dplab-${runId}-`)) continue;
    // Deleting a namespace removes its veth ends (and their peers) and XDP programs with them.
    await exec('ip', ['netns', 'del', name], { allowFail: true });
    removed.push(`netns ${name}`);
  }
  const links = await exec('ip', ['-o', 'link', 'show'], { allowFail: true });
  for (const l of links.stdout.split('\n')) {
    const name = (l.split(': ')[1] ?? '').split('@')[0] ?? '';
    if (!name.startsWith(`dl${runId}`)) continue;
    const r = await exec('ip', ['link', 'del', name], { allowFail: true });
    if (r.code === 0) removed.push(`link ${name}`);
  }
  // A TRex server container the run started (labelled with the run id).
  for (const name of await removeRunContainers(runId)) removed.push(`container ${name}`);
  const pin = join(BPFFS_ROOT, `dplab-${runId}`);
  if (
    await readdir(pin).then(
      () => true,
      () => false,
    )
  ) {
    await rm(pin, { recursive: true, force: true });
    removed.push(`bpf pins ${pin}`);
  }
  const state = join(STATE_ROOT, runId);
  if (
    await readdir(state).then(
      () => true,
      () => false,
    )
  ) {
    await rm(state, { recursive: true, force: true });
    removed.push(`state ${state}`);
  }
  return removed;
}

/** Cleans every dead run on this host (or just `only`), leaving live runs alone. */
export async function cleanupRuns(only?: string): Promise<CleanupReport> {
  if (only !== undefined && !RUN_ID_PATTERN.test(only)) throw new Error(`--run ${only}: not a run id (six hex digits)`);
  const removed = new Map<string, string[]>();
  const live = new Map<string, number>();
  const ids = only ? new Set([only]) : await runIdsOnHost();
  for (const id of [...ids].sort()) {
    const owner = await readOwner(id);
    if (owner && ownerAlive(owner)) {
      live.set(id, owner.pid);
      continue;
    }
    const r = await cleanRun(id);
    if (r.length > 0) removed.set(id, r);
  }
  return { removed, live };
}
