import { GuestError, runGuest, type GuestKernel, type GuestOutcome, type GuestRun } from './guest-kernel.js';
import { cachedDebianKernel, fetchDebianKernel } from './debian-kernel.js';
import { qemuLaunch, resolveQemuKernel } from './qemu.js';
import { resolveUmlKernel, umlLaunch } from './uml.js';

/**
 * `--kernel` values: `uml:debian` / `uml:PATH` (user-mode Linux), `debian:PACKAGE` (a Debian
 * kernel package, fetched into the cache on first use as `dplab kernel fetch` does, booted in
 * qemu) or a kernel image PATH (qemu, with `--modules DIR`).
 */
export async function resolveGuestKernel(spec: string, modules?: string, log: (m: string) => void = () => {}): Promise<GuestKernel> {
  if (spec.startsWith('uml:')) return resolveUmlKernel(spec, modules);
  if (spec.startsWith('debian:')) {
    if (modules) throw new GuestError(`--modules: not with --kernel ${spec} (the package brings its modules)`);
    const pkg = spec.slice('debian:'.length);
    const k = cachedDebianKernel(pkg) ?? (await fetchDebianKernel(pkg, log));
    return resolveQemuKernel(k.image, k.modules, spec);
  }
  return resolveQemuKernel(spec, modules);
}

export async function runInGuest(k: GuestKernel, r: GuestRun): Promise<GuestOutcome> {
  return runGuest(k, r, k.kind === 'uml' ? await umlLaunch(k, r) : await qemuLaunch(k, r));
}
