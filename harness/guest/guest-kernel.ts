import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { onTeardown } from '../run/teardown.js';
import { REPO_ROOT } from '../system/identity.js';

/**
 * A guest kernel that runs dplab inside itself: user-mode Linux (quick, for CI) or an x86_64
 * image under qemu (any kernel a user brings). Either way the guest shares the host's root
 * read-only, runs one dplab command with the same code (harness/guest/guest-init.sh), writes
 * into one host folder and powers off.
 */
export interface GuestKernelBase {
  /** The kernel's modules tree (`.../modules/<version>`, with modules.dep). */
  readonly modules: string;
  /** The kernel release, from the modules tree's name. */
  readonly version: string;
  /** How it runs, for logs and the identity: `uml 6.1.176`, `qemu-tcg 6.1.0-57-amd64`. */
  readonly label: string;
}

export interface UmlKernel extends GuestKernelBase {
  readonly kind: 'uml';
  /** The UML kernel binary. */
  readonly binary: string;
}

export interface QemuKernel extends GuestKernelBase {
  readonly kind: 'qemu';
  /** The kernel image qemu boots (bzImage, or an ELF vmlinux with a PVH note). */
  readonly image: string;
  readonly accel: 'kvm' | 'tcg';
}

export type GuestKernel = UmlKernel | QemuKernel;

export class GuestError extends Error {}

export interface GuestRun {
  /** dplab arguments for the guest, e.g. ['run', '--backend', 'kernel', ...]; no semicolons inside. */
  readonly args: readonly string[];
  /** Host folder the guest writes into (mounted writable at the same path). */
  readonly outDir: string;
  readonly timeoutMs: number;
  /** Virtual CPUs of a qemu guest (default 1); a UML guest always has one. */
  readonly cpus?: number;
  /** Called with each new line of the guest's console log, while it runs. */
  readonly onLine?: (line: string) => void;
}

export interface GuestOutcome {
  readonly exitCode: number;
  readonly seconds: number;
  readonly consoleLog: string;
}

/** How to start one guest: the program, its arguments, and what to remove afterwards. */
export interface GuestLaunch {
  readonly program: string;
  readonly args: readonly string[];
  /** Scratch paths the launch created (UML's uml_dir, qemu's initramfs). */
  readonly scratch: readonly string[];
}

/** Settings guest-init.sh reads from its environment (the kernel command line's `key=value`). */
export function guestEnvironment(k: GuestKernel, r: GuestRun): string[] {
  if (r.args.some((a) => a.includes(';') || /\s/.test(a))) throw new GuestError(`guest arguments cannot hold semicolons or blanks: ${r.args.join(' ')}`);
  return [
    `DPLAB_GUEST=${k.kind}`,
    `DPLAB_REPO=${REPO_ROOT}`,
    `DPLAB_NODE=${process.execPath}`,
    `DPLAB_OUT=${r.outDir}`,
    `DPLAB_MODULES=${k.modules}`,
    `DPLAB_ARGS=${r.args.join(';')}`,
    ...(process.env.CI ? [`CI=${process.env.CI}`] : []),
  ];
}

export const GUEST_INIT = join(REPO_ROOT, 'harness/guest/guest-init.sh');

/**
 * Boots the guest, runs the dplab command inside, and waits for it to power off. A guest that
 * panics, hangs past the timeout or returns no exit code is an error naming the kernel log's
 * last line; the guest's process group is killed either way.
 */
export async function runGuest(k: GuestKernel, r: GuestRun, l: GuestLaunch): Promise<GuestOutcome> {
  await mkdir(r.outDir, { recursive: true });
  const consoleLog = join(r.outDir, 'guest-console.log');
  const kernelLog = join(r.outDir, 'guest-kernel.log');
  await rm(join(r.outDir, 'guest-exit-code'), { force: true });
  await rm(consoleLog, { force: true });
  const started = Date.now();
  const child = spawn(l.program, l.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const klog = createWriteStream(kernelLog);
  child.stdout?.pipe(klog);
  child.stderr?.pipe(klog);
  let seen = 0;
  const tail = async () => {
    const text = await readFile(consoleLog, 'utf8').catch(() => '');
    const lines = text.slice(seen).split('\n');
    const complete = lines.slice(0, -1);
    seen += complete.reduce((n, x) => n + x.length + 1, 0);
    for (const x of complete) r.onLine?.(x);
  };
  const ticker = setInterval(() => void tail(), 1000);
  const killGroup = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      /* gone already */
    }
  };
  // The guest runs in its own process group: a signal to dplab does not reach it, so the
  // signal-driven teardown must end it.
  const forget = onTeardown(`guest ${k.version}`, async () => killGroup());
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, r.timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.on('error', () => resolve(null));
  });
  clearTimeout(timer);
  clearInterval(ticker);
  await tail();
  // UML leaves helper processes in its group when its main thread dies abnormally.
  killGroup();
  forget();
  await new Promise<void>((resolve) => klog.end(resolve));
  for (const s of l.scratch) await rm(s, { recursive: true, force: true });
  const seconds = (Date.now() - started) / 1000;
  const last = async () => (await readFile(kernelLog, 'utf8').catch(() => '')).trim().split('\n').slice(-1)[0] ?? '';
  if (timedOut) throw new GuestError(`guest ${k.version} did not finish within ${r.timeoutMs / 1000} s (console: ${consoleLog}; kernel log: ${kernelLog})`);
  const exit = await readFile(join(r.outDir, 'guest-exit-code'), 'utf8').catch(() => undefined);
  if (exit === undefined)
    throw new GuestError(`guest ${k.version} ended (${k.kind} exit ${code}) without an exit code: ${await last()} (kernel log: ${kernelLog})`);
  return { exitCode: Number(exit.trim()), seconds, consoleLog };
}
