import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../runner/identity.js';

/**
 * Guest kernels as user-mode Linux: the quick path for running the OVS kernel datapath where the
 * host has no openvswitch module (boots in about a second). The guest shares the host's root
 * read-only and runs one dplab command with the same code (harness/guest/guest-init.sh).
 */
export interface UmlKernel {
  readonly kind: 'uml';
  /** The UML kernel binary. */
  readonly binary: string;
  /** Its modules tree (`.../modules/<version>`). */
  readonly modules: string;
  readonly version: string;
}

export class GuestError extends Error {}

const DEBIAN_UML = '/usr/bin/linux.uml';
const DEBIAN_UML_MODULES = '/usr/lib/uml/modules';

/** `uml:debian` (Debian's user-mode-linux package) or `uml:/path/to/linux` with `--modules DIR`. */
export function resolveUmlKernel(spec: string, modules?: string): UmlKernel {
  const rest = spec.slice('uml:'.length);
  const binary = rest === 'debian' ? DEBIAN_UML : rest;
  if (!existsSync(binary)) {
    throw new GuestError(`--kernel ${spec}: ${binary} not found${rest === 'debian' ? ' (apt-get install user-mode-linux)' : ''}`);
  }
  let dir = modules;
  if (!dir) {
    if (rest !== 'debian') throw new GuestError(`--kernel ${spec}: give the kernel's modules tree with --modules DIR`);
    const versions = existsSync(DEBIAN_UML_MODULES) ? readdirSync(DEBIAN_UML_MODULES) : [];
    if (versions.length !== 1) throw new GuestError(`--kernel ${spec}: expected one kernel in ${DEBIAN_UML_MODULES}, found ${versions.length}`);
    dir = join(DEBIAN_UML_MODULES, versions[0] as string);
  }
  if (!existsSync(join(dir, 'modules.dep'))) throw new GuestError(`--modules ${dir}: no modules.dep (not a modules tree)`);
  return { kind: 'uml', binary, modules: dir, version: dir.split('/').filter(Boolean).pop() as string };
}

export interface GuestRun {
  /** dplab arguments for the guest, e.g. ['run', '--backend', 'kernel', ...]; no commas inside. */
  readonly args: readonly string[];
  /** Host folder the guest writes into (mounted writable at the same path). */
  readonly outDir: string;
  readonly timeoutMs: number;
  /** Called with each new line of the guest's console log, while it runs. */
  readonly onLine?: (line: string) => void;
}

export interface GuestOutcome {
  readonly exitCode: number;
  readonly seconds: number;
  readonly consoleLog: string;
}

/**
 * Boots the kernel, runs the dplab command inside, and waits for the guest to power off.
 * A guest that panics, hangs past the timeout or returns no exit code is an error carrying the
 * console's last line; the UML process group is killed either way.
 */
export async function runInUml(k: UmlKernel, r: GuestRun): Promise<GuestOutcome> {
  if (r.args.some((a) => a.includes(',') || /\s/.test(a))) throw new GuestError(`guest arguments cannot hold commas or blanks: ${r.args.join(' ')}`);
  await mkdir(r.outDir, { recursive: true });
  const umlDir = join(r.outDir, 'uml');
  await rm(umlDir, { recursive: true, force: true });
  await mkdir(umlDir, { recursive: true });
  const consoleLog = join(r.outDir, 'guest-console.log');
  const kernelLog = join(r.outDir, 'guest-kernel.log');
  await rm(join(r.outDir, 'guest-exit-code'), { force: true });
  await rm(consoleLog, { force: true });
  const cmdline = [
    'mem=1024M', 'rootfstype=hostfs', 'rootflags=/', 'ro', `init=${join(REPO_ROOT, 'harness/guest/guest-init.sh')}`,
    `uml_dir=${umlDir}`, 'con0=fd:0,fd:1', 'con=null', 'ssl=null', 'pty.legacy_count=0',
    // These initcalls cost seconds in UML and nothing here needs them.
    'initcall_blacklist=raid6_select_algo,strp_dev_init,init_zswap',
    `DPLAB_REPO=${REPO_ROOT}`, `DPLAB_NODE=${process.execPath}`, `DPLAB_OUT=${r.outDir}`, `DPLAB_MODULES=${k.modules}`,
    `DPLAB_ARGS=${r.args.join(',')}`, ...(process.env.CI ? [`CI=${process.env.CI}`] : []),
  ];
  const started = Date.now();
  const child = spawn(k.binary, cmdline, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const klog = createWriteStream(kernelLog);
  child.stdout?.pipe(klog);
  child.stderr?.pipe(klog);
  let seen = 0;
  const tail = async () => {
    const text = await readFile(consoleLog, 'utf8').catch(() => '');
    const lines = text.slice(seen).split('\n');
    const complete = lines.slice(0, -1);
    seen += complete.reduce((n, l) => n + l.length + 1, 0);
    for (const l of complete) r.onLine?.(l);
  };
  const ticker = setInterval(() => void tail(), 1000);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      /* gone already */
    }
  }, r.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  clearInterval(ticker);
  await tail();
  // UML leaves helper processes in its group when its main thread dies abnormally.
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    /* none left */
  }
  klog.end();
  const seconds = (Date.now() - started) / 1000;
  const last = async () => ((await readFile(kernelLog, 'utf8').catch(() => '')).trim().split('\n').slice(-1)[0] ?? '');
  if (timedOut) throw new GuestError(`guest ${k.version} did not finish within ${r.timeoutMs / 1000} s (console: ${consoleLog}; kernel log: ${kernelLog})`);
  const exit = await readFile(join(r.outDir, 'guest-exit-code'), 'utf8').catch(() => undefined);
  if (exit === undefined) throw new GuestError(`guest ${k.version} ended (uml exit ${code}) without an exit code: ${await last()} (kernel log: ${kernelLog})`);
  await rm(umlDir, { recursive: true, force: true });
  return { exitCode: Number(exit.trim()), seconds, consoleLog };
}
