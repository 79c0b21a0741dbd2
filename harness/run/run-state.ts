import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseJson } from '../text/json-schema.js';
import { RUN_ID_PATTERN, STATE_ROOT, type RunContext } from './run-context.js';

/**
 * Who owns a run: `${STATE_ROOT}/<id>/owner.json` names the dplab process (pid and its start
 * time, so a recycled pid is not mistaken for the owner). `dplab cleanup` treats a run whose
 * owner is gone as dead and removes what it left.
 */
const RunOwnerSchema = z.strictObject({
  runId: z.string(),
  pid: z.number().int().positive(),
  /** Start time of the owner in clock ticks since boot (/proc/PID/stat field 22). */
  startTime: z.number().int().nonnegative(),
  started: z.string(),
  outDir: z.string(),
});
export type RunOwner = z.infer<typeof RunOwnerSchema>;

/** Start time of a process (clock ticks since boot), or undefined when it does not exist. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/**
 * Every process a run starts carries the run id in its environment: set while the run is
 * registered, so helpers, daemons and guest kernels inherit it and `dplab cleanup` finds them
 * after a SIGKILL, whatever their command line.
 */
export const RUN_ENV = 'DPLAB_RUN_ID';

export async function registerRun(ctx: RunContext): Promise<void> {
  process.env[RUN_ENV] = ctx.runId;
  await mkdir(ctx.stateDir, { recursive: true, mode: 0o700 });
  const owner: RunOwner = {
    runId: ctx.runId,
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? 0,
    started: new Date().toISOString(),
    outDir: ctx.outDir,
  };
  await writeFile(join(ctx.stateDir, 'owner.json'), `${JSON.stringify(owner, null, 2)}\n`);
}

export async function unregisterRun(ctx: RunContext): Promise<void> {
  if (process.env[RUN_ENV] === ctx.runId) delete process.env[RUN_ENV];
  await rm(ctx.stateDir, { recursive: true, force: true });
}

export async function readOwner(runId: string): Promise<RunOwner | undefined> {
  try {
    const file = join(STATE_ROOT, runId, 'owner.json');
    return parseJson(RunOwnerSchema, await readFile(file, 'utf8'), file);
  } catch {
    return undefined;
  }
}

/** True when the run's owner process is still the one that registered it. */
export function ownerAlive(owner: RunOwner | undefined): boolean {
  if (!owner) return false;
  return processStartTime(owner.pid) === owner.startTime;
}

/** Run ids with a state directory. */
export async function registeredRuns(): Promise<string[]> {
  try {
    return (await readdir(STATE_ROOT)).filter((d) => RUN_ID_PATTERN.test(d)).sort();
  } catch {
    return [];
  }
}
