import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunDir, RunDirError } from './run-dir.js';
import { FIXTURES, recordedRuns } from '../store/test-runs.js';

/** Each way a path can fail to be a run directory, as the one line publish prints. */
describe('run directories to publish', () => {
  const root = mkdtempSync(join(tmpdir(), 'dplab-rundir-'));
  const dir = (name: string, results?: string): string => {
    const d = join(root, name);
    mkdirSync(d);
    if (results !== undefined) writeFileSync(join(d, 'results.json'), results);
    return d;
  };
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reads a run directory into its validated results', () => {
    const d = dir('good');
    copyFileSync(FIXTURES[0] as string, join(d, 'results.json'));
    expect(readRunDir(d)).to.deep.equal(recordedRuns()[0]);
  });

  const bad: [string, () => string, (p: string) => string][] = [
    ['a path that does not exist', () => join(root, 'absent'), (p) => `${p}: no such directory`],
    [
      'a file, not a directory',
      () => {
        const f = join(root, 'file');
        writeFileSync(f, '{}');
        return f;
      },
      (p) => `${p}: not a directory`,
    ],
    ['a directory without results.json', () => dir('empty'), (p) => `${p}: no results.json (not a run directory)`],
    [
      'results.json that is not JSON (one line, though JSON.parse quotes the newlines)',
      () => dir('broken', '{\n"schemaVersion": 1,\n'),
      (p) => `${p}/results.json: not JSON: `,
    ],
    [
      'an unknown schemaVersion',
      () => dir('future', JSON.stringify({ schemaVersion: 2, run: {} })),
      (p) => `${p}/results.json: schemaVersion 2 is not supported (expected 1)`,
    ],
    [
      'a field that does not validate',
      () => dir('odd', JSON.stringify({ ...recordedRuns()[1], cases: [{ id: 'x' }] })),
      (p) => `${p}/results.json: cases.0.title: `,
    ],
  ];
  for (const [what, make, message] of bad) {
    it(`refuses ${what}, naming the path`, () => {
      const p = make();
      expect(() => readRunDir(p))
        .to.throw(RunDirError)
        .that.satisfies((e: Error) => e.message.startsWith(message(p)) && !e.message.includes('\n'));
    });
  }
});
