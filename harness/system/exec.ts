import { spawn } from 'node:child_process';

/** Result of a finished child process. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface ExecOptions {
  /** Run inside this network namespace (via `ip netns exec`). */
  readonly netns?: string;
  /** Kill the child (SIGKILL) after this long; default 30 s. */
  readonly timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string | Buffer;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Resolve instead of throwing on a non-zero exit. */
  readonly allowFail?: boolean;
  /** Working directory of the child. */
  readonly cwd?: string;
}

/** A command that failed; the message is one line naming the command and its error. */
export class ExecError extends Error {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-1)[0] ?? '';
    super(`${command}: exit ${result.code}${detail ? `: ${detail}` : ''}`);
    this.name = 'ExecError';
  }
}

function commandLine(cmd: string, args: readonly string[], netns?: string): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, [...args]];
}

/** Runs a program to completion without a shell; arguments are never re-split. */
export function exec(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, argv] = commandLine(cmd, args, opts.netns);
  const shown = [file, ...argv].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      env: { ...process.env, ...opts.env },
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: ExecResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (timedOut ? `\ntimed out after ${opts.timeoutMs ?? 30_000} ms` : ''),
        code: code ?? (signal ? 128 : 1),
      };
      if (result.code !== 0 && !opts.allowFail) reject(new ExecError(shown, result));
      else resolve(result);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** True when `cmd` is an executable on PATH. */
export async function hasCommand(cmd: string): Promise<boolean> {
  const r = await exec('sh', ['-c', `command -v "$1"`, 'sh', cmd], { allowFail: true });
  return r.code === 0;
}
