import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchmarksCsv, casesCsv } from './csv.js';
import { junitXml } from './junit.js';
import { renderReport } from './html-report.js';
import { loadCatalogue } from '../harness/features/catalogue.js';
import { RunResultsSchema, type RunResults } from '../harness/results/results.js';

/**
 * Writes results.json, results.csv, junit.xml, report.html (and benchmarks.csv when there are
 * points) into a run directory.
 */
export async function writeRunOutputs(dir: string, results: RunResults): Promise<string[]> {
  // Validate what we write with the same schema readers use, so a bad field fails here, not in `dplab report`.
  RunResultsSchema.parse(results);
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['results.json', `${JSON.stringify(results, null, 2)}\n`],
    ['results.csv', casesCsv(results)],
    ['junit.xml', junitXml(results)],
    ['report.html', renderReport([results], loadCatalogue())],
  ];
  if (results.benchmarks.length > 0) files.push(['benchmarks.csv', benchmarksCsv(results)]);
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
