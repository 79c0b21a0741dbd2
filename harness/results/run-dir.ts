import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseResults, type RunResults } from './results.js';

/** A path that is not a run directory dplab can publish: one line naming it and what is wrong. */
export class RunDirError extends Error {}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** The results of a run directory, validated (schema version first, then every field). */
export function readRunDir(dir: string): RunResults {
  try {
    if (!statSync(dir).isDirectory()) throw new RunDirError(`${dir}: not a directory`);
  } catch (e) {
    if (e instanceof RunDirError) throw e;
    throw new RunDirError(`${dir}: ${code(e) === 'ENOENT' ? 'no such directory' : `cannot read it (${code(e)})`}`);
  }
  const file = join(dir, 'results.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RunDirError(code(e) === 'ENOENT' ? `${dir}: no results.json (not a run directory)` : `${file}: cannot read it (${code(e)})`);
  }
  try {
    return parseResults(text, file);
  } catch (e) {
    // JSON.parse quotes the text near the fault, newlines included: keep the error one line.
    throw new RunDirError((e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' '));
  }
}
