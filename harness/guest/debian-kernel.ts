import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { exec } from '../system/exec.js';
import { GuestError } from './guest-kernel.js';

/**
 * Kernels to test from Debian's packages: `apt-get download` (never install) and unpack the
 * image and its modules into dplab's cache, with modules.dep built, so `--kernel
 * debian:PACKAGE` boots it in qemu. A metapackage (`linux-image-amd64`) resolves to the
 * versioned image package it depends on.
 */
export function kernelCacheDir(): string {
  const base = process.env.DPLAB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dplab');
  return join(base, 'kernels', 'debian');
}

const CachedKernel = z.object({
  requested: z.string(),
  package: z.string(),
  version: z.string(),
  release: z.string(),
  image: z.string(),
  modules: z.string(),
});
export type CachedKernel = z.infer<typeof CachedKernel>;

const PACKAGE = /^[a-z0-9][a-z0-9.+-]+$/;
const indexFile = (pkg: string) => join(kernelCacheDir(), `${pkg}.json`);

/** The cached kernel for a package name, or undefined when it was not fetched (or is gone). */
export function cachedDebianKernel(pkg: string): CachedKernel | undefined {
  if (!PACKAGE.test(pkg)) throw new GuestError(`debian:${pkg}: not a Debian package name`);
  const file = indexFile(pkg);
  if (!existsSync(file)) return undefined;
  const k = CachedKernel.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return k.success && existsSync(k.data.image) && existsSync(join(k.data.modules, 'modules.dep')) ? k.data : undefined;
}

/** `linux-image-amd64` -> `linux-image-6.1.0-57-amd64`; a versioned name stays as it is. */
async function imagePackage(pkg: string): Promise<string> {
  let name = pkg;
  for (let hop = 0; hop < 3; hop += 1) {
    const show = await exec('apt-cache', ['show', '--no-all-versions', name], { allowFail: true });
    if (show.code !== 0 || !show.stdout.trim()) throw new GuestError(`${name}: no such Debian package in the apt lists (apt-get update first?)`);
    // `linux-image-6.12-amd64` is a metapackage too: only a full release (6.12.117+deb12-amd64) is the image.
    if (/^linux-image-\d+\.\d+\.\d+/.test(name)) return name;
    const depends = /^Depends: (.*)$/m.exec(show.stdout)?.[1] ?? '';
    const next = depends
      .split(/,\s*/)
      .map((d) => d.split(/[\s|]/)[0] ?? '')
      .find((d) => d.startsWith('linux-image-'));
    if (!next) throw new GuestError(`${name}: not a kernel image package (no linux-image-* dependency)`);
    name = next;
  }
  throw new GuestError(`${pkg}: no versioned linux-image package within 3 dependencies`);
}

export async function fetchDebianKernel(pkg: string, log: (m: string) => void = () => {}): Promise<CachedKernel> {
  if (!PACKAGE.test(pkg)) throw new GuestError(`${pkg}: not a Debian package name`);
  const name = await imagePackage(pkg);
  const dir = join(kernelCacheDir(), name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    log(`fetching ${name} (apt-get download) into ${dir}`);
    await exec('apt-get', ['download', '-q', name], { cwd: dir, timeoutMs: 600_000 });
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (!deb) throw new GuestError(`apt-get download ${name}: no .deb appeared in ${dir}`);
    const version = (await exec('dpkg-deb', ['-f', join(dir, deb), 'Version'])).stdout.trim();
    const root = join(dir, 'root');
    await exec('dpkg-deb', ['-x', join(dir, deb), root], { timeoutMs: 120_000 });
    await rm(join(dir, deb));
    const image = readdirSync(join(root, 'boot')).find((f) => f.startsWith('vmlinuz-'));
    if (!image) throw new GuestError(`${name} ${version}: no boot/vmlinuz-* in the package`);
    const release = image.slice('vmlinuz-'.length);
    const modules = join(root, 'lib/modules', release);
    if (!existsSync(modules)) throw new GuestError(`${name} ${version}: no lib/modules/${release} in the package`);
    // The package's modules.dep is made at install time (by depmod); the guest's modprobe needs it.
    await exec('depmod', ['-b', root, release]);
    const k: CachedKernel = { requested: pkg, package: name, version, release, image: join(root, 'boot', image), modules };
    await writeFile(indexFile(pkg), `${JSON.stringify(k, null, 2)}\n`);
    if (name !== pkg) await writeFile(indexFile(name), `${JSON.stringify({ ...k, requested: name }, null, 2)}\n`);
    log(`${name} ${version}: kernel ${release}, image ${k.image}`);
    return k;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
