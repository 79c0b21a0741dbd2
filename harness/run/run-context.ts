import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** A run id: six lowercase hex digits, carried by every name a run creates. */
export const RUN_ID_PATTERN = /^[0-9a-f]{6}$/;

/** Root of per-run state (pid files, sockets) on the host; `dplab cleanup` scans it. */
export const STATE_ROOT = process.env.DPLAB_STATE_ROOT ?? '/run/dplab';

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

/**
 * Names of everything a run creates. Network namespaces are `dplab-<id>-<role>`;
 * links are `dl<id><suffix>` so they fit IFNAMSIZ (15 chars) with a suffix of up to 7.
 */
export const runNames = {
  netns: (runId: string, role: string): string => `dplab-${runId}-${role}`,
  link: (runId: string, suffix: string): string => {
    const name = `dl${runId}${suffix}`;
    if (name.length > 15) throw new Error(`link name '${name}' exceeds 15 characters (suffix '${suffix}' too long)`);
    return name;
  },
  netnsPattern: /^dplab-([0-9a-f]{6})-[a-z0-9]+$/,
  linkPattern: /^dl([0-9a-f]{6})[a-z0-9]+$/,
};

/** What every part of a run gets: its identity and where to put state and logs. */
export interface RunContext {
  readonly runId: string;
  /** Host-side state for this run (pid files, sockets): `${STATE_ROOT}/${runId}`. */
  readonly stateDir: string;
  /** The run's output directory (results, logs). */
  readonly outDir: string;
  /** Where daemons and helpers write their logs: `${outDir}/logs`. */
  readonly logDir: string;
  /** Progress and diagnostics for the person watching. */
  log(message: string): void;
}

/** The context of run `runId` writing into `outDir`: state under STATE_ROOT, logs in `outDir/logs`. */
export function runContext(runId: string, outDir: string, log: (message: string) => void = () => undefined): RunContext {
  return { runId, stateDir: join(STATE_ROOT, runId), outDir, logDir: join(outDir, 'logs'), log };
}
