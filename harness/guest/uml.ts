import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GUEST_INIT, GuestError, guestEnvironment, type GuestLaunch, type GuestRun, type UmlKernel } from './guest-kernel.js';
import { checkModulesTree } from './modules-dep.js';

/**
 * User-mode Linux: the quick path for running the OVS kernel datapath where the host has no
 * openvswitch module (boots in about a second). The host root is the guest's root through hostfs.
 */
const DEBIAN_UML = '/usr/bin/linux.uml';
const DEBIAN_UML_MODULES = '/usr/lib/uml/modules';

/** `uml:debian` (Debian's user-mode-linux package) or `uml:/path/to/linux` with `--modules DIR`. */
export function resolveUmlKernel(spec: string, modules?: string): UmlKernel {
  const rest = spec.slice('uml:'.length);
  const binary = rest === 'debian' ? DEBIAN_UML : rest;
  if (!existsSync(binary)) {
    throw new GuestError(`--kernel ${spec}: ${binary} not found${rest === 'debian' ? ' (apt-get install user-mode-linux)' : ''}`);
  }
  let dir = modules;
  if (!dir) {
    if (rest !== 'debian') throw new GuestError(`--kernel ${spec}: give the kernel's modules tree with --modules DIR`);
    const versions = existsSync(DEBIAN_UML_MODULES) ? readdirSync(DEBIAN_UML_MODULES) : [];
    if (versions.length !== 1) throw new GuestError(`--kernel ${spec}: expected one kernel in ${DEBIAN_UML_MODULES}, found ${versions.length}`);
    dir = join(DEBIAN_UML_MODULES, versions[0] as string);
  }
  const version = checkModulesTree(dir);
  return { kind: 'uml', binary, modules: dir, version, label: `uml ${version}` };
}

export async function umlLaunch(k: UmlKernel, r: GuestRun): Promise<GuestLaunch> {
  const umlDir = join(r.outDir, 'uml');
  await rm(umlDir, { recursive: true, force: true });
  await mkdir(umlDir, { recursive: true });
  const args = [
    'mem=1024M',
    'rootfstype=hostfs',
    'rootflags=/',
    'ro',
    `init=${GUEST_INIT}`,
    `uml_dir=${umlDir}`,
    'con0=fd:0,fd:1',
    'con=null',
    'ssl=null',
    'pty.legacy_count=0',
    // These initcalls cost seconds in UML and nothing here needs them.
    'initcall_blacklist=raid6_select_algo,strp_dev_init,init_zswap',
    ...guestEnvironment(k, r),
  ];
  return { program: k.binary, args, scratch: [umlDir] };
}
