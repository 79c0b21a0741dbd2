import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { cachedDebianKernel, fetchDebianKernel } from '../guest/debian-kernel.js';
import { GuestError } from '../guest/guest-kernel.js';
import {
  BACKEND_IDS,
  BUILDS_ON,
  bootRefusal,
  kernelCapabilities,
  type BackendId,
  type Capabilities,
  type Finding,
  type GuestKind,
  type Problem,
  type Verdict,
} from '../guest/kernel-capabilities.js';
import { findKernelConfig, type KernelConfig } from '../guest/kernel-config.js';
import { checkModulesTree } from '../guest/modules-dep.js';
import { resolveUmlKernel } from '../guest/uml.js';
import { ExecError } from '../system/exec.js';
import { EnvironmentError, EXIT, UsageError } from './errors.js';

/** `dplab kernel fetch PACKAGE`: a Debian kernel into the cache, for `--kernel debian:PACKAGE`. */
export async function kernelFetchCommand(pkg: string): Promise<number> {
  if (process.getuid?.() !== 0) throw new EnvironmentError('kernel fetch: must run as root (apt-get download, depmod)');
  try {
    const k = await fetchDebianKernel(pkg, (m) => process.stderr.write(`kernel fetch: ${m}\n`));
    process.stdout.write(`${k.package} ${k.version} ${k.release}\n  image   ${k.image}\n  modules ${k.modules}\nuse: dplab run --kernel debian:${pkg}\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof GuestError || e instanceof ExecError) throw new EnvironmentError(`kernel fetch: ${e.message}`);
    throw e;
  }
}

/** Debian's user-mode-linux package keeps its kernel's config among its docs. */
const DEBIAN_UML_CONFIGS = ['/usr/share/doc/user-mode-linux/config.gz', '/usr/share/doc/user-mode-linux/config'];

interface CheckTarget {
  readonly image: string;
  readonly guest: GuestKind;
  readonly modules?: string;
  readonly release?: string;
  readonly extra: readonly string[];
}

function existingImage(spec: string, path: string): string {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`kernel check: ${spec}: no kernel image at ${path}`);
  return path;
}

/** IMAGE as `--kernel` takes it: uml:debian, uml:PATH, debian:PACKAGE (fetched when not cached) or a path. */
async function checkTarget(spec: string, modules: string | undefined): Promise<CheckTarget> {
  try {
    if (spec === 'uml:debian') {
      const k = resolveUmlKernel(spec, modules);
      return { image: k.binary, guest: 'uml', modules: k.modules, release: k.version, extra: DEBIAN_UML_CONFIGS };
    }
    if (spec.startsWith('debian:')) {
      if (modules) throw new UsageError(`kernel check: --modules: not with ${spec} (the package brings its modules)`);
      const pkg = spec.slice('debian:'.length);
      const k = cachedDebianKernel(pkg) ?? (await fetchDebianKernel(pkg, (m) => process.stderr.write(`kernel fetch: ${m}\n`)));
      return { image: existingImage(spec, k.image), guest: 'qemu', modules: k.modules, release: k.release, extra: [] };
    }
    const uml = spec.startsWith('uml:');
    const image = existingImage(spec, uml ? spec.slice('uml:'.length) : spec);
    const release = modules ? checkModulesTree(modules) : undefined;
    return { image, guest: uml ? 'uml' : 'qemu', ...(modules ? { modules, release } : {}), extra: [] };
  } catch (e) {
    if (e instanceof GuestError) throw new UsageError(`kernel check: ${e.message}`);
    if (e instanceof ExecError) throw new EnvironmentError(`kernel fetch: ${e.message}`);
    throw e;
  }
}

function isElf(path: string): boolean {
  const b = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, b, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
}

const describeProblem = (p: Problem): string =>
  ({
    missing: `${p.what} not set`,
    set: `${p.what} set`,
    'no-modules': `${p.what}=m and no modules tree`,
    'not-builtin': `${p.what}=m, must be built in`,
    'too-old': `kernel ${p.what}`,
    never: 'no kernel has it',
  })[p.kind];

/** A row that failed, as `CONFIG_X not set: why`. */
const whyNot = (f: Finding) => `${f.problems.map(describeProblem).join(', ')}: ${f.requirement.why}`;

function backendLines(caps: Capabilities): string[] {
  return BACKEND_IDS.map((b) => {
    const v = caps.backends[b];
    const detail = v.ok
      ? v.findings.flatMap((f) => f.decided).join(' ')
      : v.findings
          .filter((f) => !f.met)
          .map(whyNot)
          .join('; ');
    return `  ${b.padEnd(9)} ${v.ok ? 'yes' : 'no '}  ${detail}`;
  });
}

/** A feature's failed rows on one backend; those of the feature it builds on as `needs ct (above)`. */
function featureWhyNot(id: string, b: BackendId, v: Verdict | undefined): string[] {
  if (!v || v.ok) return [];
  const failed = v.findings.filter((x) => !x.met);
  const own = failed.filter((x) => 'feature' in x.requirement.target && x.requirement.target.feature === id);
  return [`  ${id} on ${b}: ${[...own.map(whyNot), ...(own.length < failed.length ? [`needs ${BUILDS_ON[id]} (above)`] : [])].join('; ')}`];
}

function featureLines(caps: Capabilities): string[] {
  const width = Math.max(...caps.features.map((f) => f.id.length), 'feature'.length) + 2;
  const cell = (v: Verdict | undefined) => (v === undefined ? '-' : v.ok ? 'yes' : 'no');
  const lines = [`  ${'feature'.padEnd(width)}${BACKEND_IDS.map((b) => b.padEnd(10)).join('')}`.trimEnd()];
  for (const f of caps.features) lines.push(`  ${f.id.padEnd(width)}${BACKEND_IDS.map((b) => cell(f.backends[b]).padEnd(10)).join('')}`.trimEnd());
  const why = caps.features.flatMap((f) => BACKEND_IDS.flatMap((b) => featureWhyNot(f.id, b, f.backends[b])));
  return [...lines, ...(why.length ? ['why not:', ...why] : [])];
}

function guestLine(caps: Capabilities): string[] {
  const asModules = [...caps.guest.findings, ...caps.guest.optional].flatMap((f) => f.decided.filter((d) => d.endsWith('=m')).map((d) => d.slice(0, -2)));
  return [
    `guest: boots (${caps.guest.kind})${asModules.length ? `; loads from the modules tree: ${asModules.join(' ')}` : ''}`,
    ...caps.guest.degraded.map((f) => `  but ${f.problems.map(describeProblem).join(', ')}: ${f.requirement.degrades}`),
  ];
}

function textReport(t: CheckTarget, config: KernelConfig, caps: Capabilities): string {
  return [
    `kernel ${caps.version ?? 'version unknown'}${config.arch ? ` (${config.arch})` : ''}${t.release ? `, release ${t.release}` : ''}: ${t.image}`,
    `config: ${config.source.path} (${config.source.how})`,
    `modules: ${t.modules ?? 'none (=m options cannot load)'}`,
    ...guestLine(caps),
    'backends:',
    ...backendLines(caps),
    "features the kernel decides (yes: this kernel allows it, the datapath's own support shows at run time; -: the backend cannot run):",
    ...featureLines(caps),
  ].join('\n');
}

const plain = (v: Verdict) => ({
  ok: v.ok,
  decided: v.findings.flatMap((f) => f.decided),
  problems: v.findings.flatMap((f) => f.problems.map((p) => ({ ...p, why: f.requirement.why }))),
});

const guestPlain = (g: Verdict) => {
  const { ok: boots, ...rest } = plain(g);
  return { boots, ...rest };
};

function jsonReport(spec: string, t: CheckTarget, config: KernelConfig, caps: Capabilities): unknown {
  return {
    image: spec,
    path: t.image,
    ...(t.release ? { release: t.release } : {}),
    version: caps.version ?? null,
    arch: config.arch ?? null,
    config: config.source,
    modules: t.modules ?? null,
    guest: {
      kind: caps.guest.kind,
      ...guestPlain(caps.guest),
      degraded: caps.guest.degraded.map((f) => ({ problems: f.problems, consequence: f.requirement.degrades })),
    },
    backends: Object.fromEntries(BACKEND_IDS.map((b) => [b, plain(caps.backends[b])])),
    features: caps.features.map((f) => ({
      id: f.id,
      backends: Object.fromEntries(BACKEND_IDS.map((b) => [b, f.backends[b] ? plain(f.backends[b] as Verdict) : null])),
    })),
  };
}

/**
 * `dplab kernel check IMAGE [--modules DIR]`: from the kernel's config, whether it boots dplab's
 * guest and which backends and features it can test, each with the option(s) that decide.
 * Exit 2 (one line) when it cannot boot the guest, the image is not there or no config is found.
 */
export async function kernelCheckCommand(spec: string, o: { modules?: string; json?: boolean }): Promise<number> {
  const t = await checkTarget(spec, o.modules);
  const { config, looked } = await findKernelConfig({ image: t.image, ...(t.modules ? { modules: t.modules } : {}), extra: t.extra });
  if (!config) throw new UsageError(`kernel check: no kernel config for ${spec}: looked for ${looked.join(', ')}`);
  const caps = kernelCapabilities({ config, guest: t.guest, modules: Boolean(t.modules), elf: isElf(t.image), ...(t.release ? { release: t.release } : {}) });
  if (o.json) process.stdout.write(`${JSON.stringify(jsonReport(spec, t, config, caps), null, 2)}\n`);
  if (!caps.guest.ok) throw new UsageError(`kernel check: ${spec} cannot boot dplab's guest: ${bootRefusal(caps.guest)}`);
  if (!o.json) process.stdout.write(`${textReport(t, config, caps)}\n`);
  return EXIT.ok;
}
