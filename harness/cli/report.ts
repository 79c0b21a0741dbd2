import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BrowserError, renderReportFiles } from '../../reports/browser.js';
import { renderReport } from '../../reports/html-report.js';
import { loadCatalogue } from '../features/catalogue.js';
import { loadRun } from './run-dir-arg.js';
import { EnvironmentError, EXIT, UsageError } from './errors.js';
import { prepareOutDir } from './out-arg.js';

/**
 * `dplab report DIR [DIR...]`: report.html (and report.pdf / report.png) in the run directory,
 * or, for several runs merged into one report (one column per run and backend), in --out.
 */
export async function reportCommand(dirs: readonly string[], o: { out?: string; pdf?: boolean; png?: boolean }): Promise<number> {
  if (dirs.length > 1 && !o.out) throw new UsageError('report: several run directories are merged into one report: give --out DIR');
  const runs = dirs.map(loadRun);
  const out = resolve(o.out ?? (dirs[0] as string));
  prepareOutDir(out);
  const html = join(out, 'report.html');
  await writeFile(html, renderReport(runs, loadCatalogue()));
  const written = [html];
  if (o.pdf || o.png) {
    const files = { ...(o.pdf ? { pdf: join(out, 'report.pdf') } : {}), ...(o.png ? { png: join(out, 'report.png') } : {}) };
    try {
      await renderReportFiles(html, files);
    } catch (e) {
      if (e instanceof BrowserError) throw new EnvironmentError(`report: ${e.message}`);
      throw e;
    }
    written.push(...Object.values(files));
  }
  process.stdout.write(`${written.join('\n')}\n`);
  return EXIT.ok;
}
