import { GuestError, type GuestKernel } from './guest-kernel.js';
import { resolveGuestKernel } from './resolve-kernel.js';

/** One kernel of a run's `--kernel` list: the host's own, or a guest booted for the run. */
export interface KernelTarget {
  /** As given: `host`, `uml:debian`, `debian:linux-image-6.12-amd64`, an image path. */
  readonly spec: string;
  /** Its short name in column ids and folders: host, uml-debian, debian-6.12-amd64, qemu-<release>. */
  readonly tag: string;
  /** Absent for the host kernel. */
  readonly guest?: GuestKernel;
}

export const HOST_KERNEL: KernelTarget = { spec: 'host', tag: 'host' };

/** Specs that take `--modules` (an image or UML binary of the user's, not a package). */
const needsModules = (spec: string) => spec !== 'host' && spec !== 'uml:debian' && !spec.startsWith('debian:');

/** A tag a column id and a folder name can carry. */
function tagOf(spec: string, k: GuestKernel | undefined): string {
  if (!k) return 'host';
  if (spec === 'uml:debian') return 'uml-debian';
  if (spec.startsWith('debian:')) return `debian-${spec.slice('debian:'.length).replace(/^linux-image-/, '')}`;
  return `${k.kind}-${k.version}`.replace(/[^A-Za-z0-9._+-]/g, '_');
}

/**
 * `--kernel host,uml:debian,debian:linux-image-6.12-amd64`: every kernel checked (and a Debian
 * one fetched) before anything starts. The first is the run's reference kernel; the kernel diff
 * compares each other one with it.
 */
export async function resolveKernels(list: string, modules: string | undefined, log: (m: string) => void = () => {}): Promise<KernelTarget[]> {
  const specs = list.split(',').map((s) => s.trim());
  if (specs.some((s) => s === '')) throw new GuestError(`--kernel ${list}: an empty kernel in the list`);
  const twice = specs.find((s, i) => specs.indexOf(s) !== i);
  if (twice) throw new GuestError(`--kernel ${list}: ${twice} given twice`);
  const withModules = specs.filter(needsModules);
  if (modules && withModules.length === 0) throw new GuestError(`--modules: only with a kernel image or uml:PATH in --kernel (${list} brings its own)`);
  // One --modules tree cannot belong to two images: validate them one run at a time.
  if (withModules.length > 1) throw new GuestError(`--kernel ${list}: ${withModules.join(' and ')} would share one --modules tree; give one image per run`);
  const targets: KernelTarget[] = [];
  for (const spec of specs) {
    const guest = spec === 'host' ? undefined : await resolveGuestKernel(spec, needsModules(spec) ? modules : undefined, log);
    const t = { spec, tag: tagOf(spec, guest), ...(guest ? { guest } : {}) };
    const clash = targets.find((x) => x.tag === t.tag);
    if (clash) throw new GuestError(`--kernel ${list}: ${clash.spec} and ${spec} are the same kernel (${t.tag})`);
    targets.push(t);
  }
  return targets;
}
