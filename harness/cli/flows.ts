import { readFileSync } from 'node:fs';
import { formatOfctlFlow } from '../openflow/format.js';
import { parseOfctlFlows } from '../openflow/parse.js';
import { EXIT, UsageError } from './errors.js';

/**
 * `dplab flows check FILE [--ports p1,p2]`: validates an ovs-ofctl rule file as the harness
 * will read it, printing each rule in canonical form (ports numbered 1.. in the given order).
 */
export async function flowsCheckCommand(file: string, o: { ports?: string[] }): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const names = o.ports ?? ['p1', 'p2', 'p3'];
  const ports = Object.fromEntries(names.map((n, i) => [n, i + 1]));
  let rules;
  try {
    rules = parseOfctlFlows(text, { source: file, ports });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  for (const r of rules) process.stdout.write(`${formatOfctlFlow(r)}\n`);
  return EXIT.ok;
}
