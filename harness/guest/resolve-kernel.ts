import { GuestError, runGuest, type GuestKernel, type GuestOutcome, type GuestRun } from './guest-kernel.js';
import { cachedDebianKernel } from './debian-kernel.js';
import { qemuLaunch, resolveQemuKernel } from './qemu.js';
import { resolveUmlKernel, umlLaunch } from './uml.js';

/**
 * `--kernel` values: `uml:debian` / `uml:PATH` (user-mode Linux), `debian:PACKAGE` (a Debian
 * kernel package fetched with `dplab kernel fetch`, booted in qemu) or a kernel image PATH
 * (qemu, with `--modules DIR`).
 */
export function resolveGuestKernel(spec: string, modules?: string): GuestKernel {
  if (spec.startsWith('uml:')) return resolveUmlKernel(spec, modules);
  if (spec.startsWith('debian:')) {
    if (modules) throw new GuestError(`--modules: not with --kernel ${spec} (the package brings its modules)`);
    const k = cachedDebianKernel(spec.slice('debian:'.length));
    if (!k) throw new GuestError(`--kernel ${spec}: not fetched yet (dplab kernel fetch ${spec.slice('debian:'.length)})`);
    return resolveQemuKernel(k.image, k.modules, spec);
  }
  return resolveQemuKernel(spec, modules);
}

export function runInGuest(k: GuestKernel, r: GuestRun): Promise<GuestOutcome> {
  return runGuest(k, r, (g, run) => (g.kind === 'uml' ? umlLaunch(g, run) : qemuLaunch(g, run)));
}
