import type { CaseStatus } from './results.js';

/** Where a run reports progress: a line per step, so logs of CI runs read like the terminal. */
export interface Progress {
  info(message: string): void;
  caseDone(backend: string, index: number, total: number, id: string, status: CaseStatus, ms: number, reason: string): void;
}

const COLORS: Record<CaseStatus, string> = {
  pass: '\x1b[32m',
  fail: '\x1b[31m',
  error: '\x1b[31m',
  timeout: '\x1b[31m',
  unsupported: '\x1b[33m',
  skipped: '\x1b[90m',
};

/** Progress on a stream; colours only on a terminal. */
export function streamProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const color = stream.isTTY === true;
  return {
    info: (m) => stream.write(`${m}\n`),
    caseDone: (backend, i, n, id, status, ms, reason) => {
      const s = color ? `${COLORS[status]}${status}\x1b[0m` : status;
      const why = status === 'pass' ? '' : ` - ${reason}`;
      stream.write(`[${backend}] ${String(i).padStart(String(n).length)}/${n} ${id} ${s} (${Math.round(ms)} ms)${why}\n`);
    },
  };
}

export const silentProgress: Progress = { info: () => undefined, caseDone: () => undefined };
