import { cleanupRuns } from '../runner/cleanup.js';
import { EXIT, UsageError } from './errors.js';

/** `dplab cleanup [--run ID]`: removes what killed runs left; prints each item by run id. */
export async function cleanupCommand(o: { run?: string }): Promise<number> {
  if (process.getuid?.() !== 0) throw new UsageError('cleanup: must run as root');
  let report;
  try {
    report = await cleanupRuns(o.run);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  for (const [id, pid] of report.live) process.stdout.write(`run ${id}: live (owner pid ${pid}), left alone\n`);
  for (const [id, items] of report.removed) process.stdout.write(`run ${id}: removed ${items.join(', ')}\n`);
  if (report.removed.size === 0) process.stdout.write('nothing to clean up\n');
  return EXIT.ok;
}
