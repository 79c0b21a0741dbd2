import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GuestError } from './guest-kernel.js';

/** A kernel modules tree: `modules.dep` maps each module path to the modules it needs. */
export type ModulesDep = ReadonlyMap<string, readonly string[]>;

/** Throws unless DIR is a modules tree (has modules.dep); returns its kernel release. */
export function checkModulesTree(dir: string): string {
  if (!existsSync(join(dir, 'modules.dep'))) throw new GuestError(`--modules ${dir}: no modules.dep (not a modules tree; run depmod)`);
  return basename(dir);
}

export function parseModulesDep(text: string): ModulesDep {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    m.set(
      line.slice(0, colon),
      line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean),
    );
  }
  return m;
}

const moduleName = (path: string) =>
  basename(path)
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replace(/-/g, '_');

/**
 * The module files to load, dependencies first, for the named modules (`9p`, `virtio_pci`).
 * Names missing from modules.dep must be built in (listed in modules.builtin), else an error.
 */
export function loadOrder(dep: ModulesDep, names: readonly string[], builtin: ReadonlySet<string> = new Set()): string[] {
  const byName = new Map([...dep.keys()].map((p) => [moduleName(p), p]));
  const order: string[] = [];
  const visit = (path: string, chain: string[]) => {
    if (order.includes(path)) return;
    if (chain.includes(path)) throw new GuestError(`modules.dep: dependency cycle ${[...chain, path].join(' -> ')}`);
    for (const d of dep.get(path) ?? []) visit(d, [...chain, path]);
    order.push(path);
  };
  for (const n of names) {
    const path = byName.get(n.replace(/-/g, '_'));
    if (path) visit(path, []);
    else if (!builtin.has(n.replace(/-/g, '_'))) throw new GuestError(`kernel module ${n}: neither in modules.dep nor built in`);
  }
  return order;
}

/** The modules tree's modules.dep and its built-in module names. */
export function readModulesTree(dir: string): { dep: ModulesDep; builtin: Set<string> } {
  const builtinFile = join(dir, 'modules.builtin');
  const builtin = new Set(existsSync(builtinFile) ? readFileSync(builtinFile, 'utf8').split('\n').filter(Boolean).map(moduleName) : []);
  return { dep: parseModulesDep(readFileSync(join(dir, 'modules.dep'), 'utf8')), builtin };
}
