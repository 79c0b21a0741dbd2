import type { Datapath } from '../harness/datapath/datapath.js';
import { afxdpDatapath } from './afxdp/index.js';
import { ebpfDatapath, ebpfXdpDatapath } from './ebpf/index.js';
import { kernelDatapath } from './kernel/index.js';

/** Every backend dplab knows, in report column order. */
export const BACKENDS: readonly Datapath[] = [kernelDatapath, afxdpDatapath, ebpfDatapath, ebpfXdpDatapath];

export class UnknownBackendError extends Error {}

/** Resolves a `--backend a,b` list; an unknown id is a one-line error naming it and the known ones. */
export function resolveBackends(ids: readonly string[] | undefined): Datapath[] {
  if (!ids || ids.length === 0) return [...BACKENDS];
  return ids.map((id) => {
    const b = BACKENDS.find((x) => x.id === id);
    if (!b) throw new UnknownBackendError(`--backend: unknown backend '${id}' (known: ${BACKENDS.map((x) => x.id).join(', ')})`);
    return b;
  });
}
