#!/usr/bin/env node
// The size rules eslint applies to TypeScript, for dplab's C and BPF sources: no file over 600
// lines, no function over 100. Functions are found the kernel-style way they are written here:
// a body opens with `{` alone at the start of a line and closes with `}` alone.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const MAX_FILE = 600;
const MAX_FUNCTION = 100;
const files = execFileSync('git', ['ls-files', '*.c', '*.h'], { encoding: 'utf8' }).split('\n').filter(Boolean);
const problems = [];
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.length > MAX_FILE) problems.push(`${file}: ${lines.length} lines (at most ${MAX_FILE})`);
  let open;
  for (const [i, line] of lines.entries()) {
    if (line === '{') open = i;
    else if (line === '}' && open !== undefined) {
      const length = i - open - 1;
      if (length > MAX_FUNCTION) problems.push(`${file}:${open}: ${(lines[open - 1] ?? '').trim()} is ${length} lines (at most ${MAX_FUNCTION})`);
      open = undefined;
    }
  }
}
for (const p of problems) process.stderr.write(`${p}\n`);
process.exit(problems.length > 0 ? 1 : 0);
