import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec, type ExecResult } from '../../harness/system/exec.js';

/**
 * A private ovsdb-server + ovs-vswitchd pair for one run and backend: own database, sockets,
 * pid files and logs under `dir` (inside the run's state directory), never the system's OVS.
 * ovs-vswitchd runs inside the DUT namespace so it sees the DUT ports; the OVS_* environment
 * points ovs-vsctl/ofctl/appctl at this instance.
 */
export interface OvsDaemonOptions {
  /** Directory for the database, sockets and pid files, e.g. `/run/dplab/<id>/ovs-afxdp`. */
  readonly dir: string;
  /** Network namespace for ovs-vswitchd. */
  readonly netns: string;
  /** Where the daemons' log files go. */
  readonly logDir: string;
  /** Log file name prefix, e.g. `afxdp`. */
  readonly tag: string;
}

export interface StartedOvsDaemons {
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly vswitchdLog: string;
  vsctl(args: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  ofctl(args: readonly string[]): Promise<ExecResult>;
  appctl(args: readonly string[], opts?: { allowFail?: boolean }): Promise<ExecResult>;
  stop(): Promise<void>;
}

const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

async function pidOf(dir: string, daemon: string): Promise<number | undefined> {
  const text = await readFile(join(dir, `${daemon}.pid`), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!pid) return undefined;
  // Only a process started for this directory is ours to stop.
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmd.includes(dir) ? pid : undefined;
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function stopDaemon(dir: string, daemon: string, pid: number | undefined, env: Record<string, string>, graceful: string[]): Promise<void> {
  if (pid === undefined || !(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(dir)) return;
  await exec('ovs-appctl', ['-t', join(dir, `${daemon}.ctl`), ...graceful], { env, allowFail: true, timeoutMs: 10_000 });
  if (await waitGone(pid, 5000)) return;
  process.kill(pid, 'SIGTERM');
  if (await waitGone(pid, 2000)) return;
  process.kill(pid, 'SIGKILL');
  await waitGone(pid, 2000);
}

export async function startOvsDaemons(o: OvsDaemonOptions): Promise<StartedOvsDaemons> {
  await rm(o.dir, { recursive: true, force: true });
  await mkdir(o.dir, { recursive: true });
  await mkdir(o.logDir, { recursive: true });
  const env = { OVS_RUNDIR: o.dir, OVS_DBDIR: o.dir, OVS_LOGDIR: o.logDir, OVS_SYSCONFDIR: o.dir, OVS_PKGDATADIR: '/usr/share/openvswitch' };
  const db = join(o.dir, 'conf.db');
  const dbSock = join(o.dir, 'db.sock');
  const vswitchdLog = join(o.logDir, `ovs-vswitchd-${o.tag}.log`);
  // Pids are read once the daemons are up, so stopping never depends on the state directory,
  // which a signal-driven teardown may already be removing.
  const pids: { ovsdb?: number; vswitchd?: number } = {};
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      pids.vswitchd ??= await pidOf(o.dir, 'ovs-vswitchd');
      pids.ovsdb ??= await pidOf(o.dir, 'ovsdb-server');
      await stopDaemon(o.dir, 'ovs-vswitchd', pids.vswitchd, env, ['exit', '--cleanup']);
      await stopDaemon(o.dir, 'ovsdb-server', pids.ovsdb, env, ['exit']);
    })());
  try {
    await exec('ovsdb-tool', ['create', db, OVS_SCHEMA], { env });
    await exec(
      'ovsdb-server',
      [
        db,
        `--remote=punix:${dbSock}`,
        `--pidfile=${join(o.dir, 'ovsdb-server.pid')}`,
        `--unixctl=${join(o.dir, 'ovsdb-server.ctl')}`,
        '--detach',
        `--log-file=${join(o.logDir, `ovsdb-server-${o.tag}.log`)}`,
      ],
      { env },
    );
    pids.ovsdb = await pidOf(o.dir, 'ovsdb-server');
    const vsctl = (args: readonly string[], timeoutMs = 20_000) => exec('ovs-vsctl', [`--db=unix:${dbSock}`, '--timeout=15', ...args], { env, timeoutMs });
    await vsctl(['--no-wait', 'init']);
    await exec(
      'ovs-vswitchd',
      [
        `unix:${dbSock}`,
        `--pidfile=${join(o.dir, 'ovs-vswitchd.pid')}`,
        `--unixctl=${join(o.dir, 'ovs-vswitchd.ctl')}`,
        '--detach',
        `--log-file=${vswitchdLog}`,
      ],
      { env, netns: o.netns, timeoutMs: 30_000 },
    );
    pids.vswitchd = await pidOf(o.dir, 'ovs-vswitchd');
    return {
      dir: o.dir,
      env,
      vswitchdLog,
      vsctl,
      ofctl: (args) => exec('ovs-ofctl', [...args], { env, timeoutMs: 20_000 }),
      appctl: (args, opts = {}) =>
        exec('ovs-appctl', ['-t', join(o.dir, 'ovs-vswitchd.ctl'), ...args], { env, timeoutMs: 20_000, ...(opts.allowFail ? { allowFail: true } : {}) }),
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
