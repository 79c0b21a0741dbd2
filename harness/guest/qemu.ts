import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../system/identity.js';
import { exec } from '../system/exec.js';
import { GUEST_INIT, GuestError, guestEnvironment, type GuestLaunch, type GuestRun, type QemuKernel } from './guest-kernel.js';
import { checkModulesTree, loadOrder, readModulesTree } from './modules-dep.js';

/**
 * Any x86_64 kernel image under qemu (KVM when /dev/kvm exists, TCG otherwise): the path for
 * validating a new kernel. A small initramfs loads the virtio/9p modules, mounts the host root
 * read-only over 9p and hands over to guest-init.sh on it; results come back over a second,
 * writable 9p share of the run's guest folder.
 */
const QEMU = '/usr/bin/qemu-system-x86_64';
const BUSYBOX = '/bin/busybox';
const INITRAMFS_INIT = join(REPO_ROOT, 'harness/guest/initramfs-init.sh');
/** What the initramfs needs to reach the 9p root; the rest loads from the root itself. */
const ROOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p'];
const DECOMPRESS: Readonly<Record<string, string>> = { xz: 'xz -dc', zst: 'zstd -dc', gz: 'gzip -dc' };

/**
 * KVM only where the CPU has hardware virtualization (vmx/svm): a /dev/kvm without it (a
 * software KVM such as kvm_pvm, which runs only kernels built as its guests) makes qemu abort
 * when it sets the vCPU's MSRs, before the guest starts. Anything else runs under TCG.
 */
export function qemuAccel(kvmDevice: boolean, cpuinfo: string): 'kvm' | 'tcg' {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? [];
  return kvmDevice && (flags.includes('vmx') || flags.includes('svm')) ? 'kvm' : 'tcg';
}

function hostAccel(): 'kvm' | 'tcg' {
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // No /proc/cpuinfo: no way to tell, so TCG.
  }
  return qemuAccel(existsSync('/dev/kvm'), cpuinfo);
}

export function resolveQemuKernel(image: string, modules: string | undefined, spec = image): QemuKernel {
  if (!existsSync(image)) throw new GuestError(`--kernel ${spec}: ${image} not found`);
  if (!modules) throw new GuestError(`--kernel ${spec}: give the kernel's modules tree with --modules DIR (…/lib/modules/<release>)`);
  const version = checkModulesTree(modules);
  if (!existsSync(QEMU)) throw new GuestError(`--kernel ${spec}: ${QEMU} not found (apt-get install qemu-system-x86)`);
  const accel = hostAccel();
  return { kind: 'qemu', image, modules, version, accel, label: `qemu-${accel} ${version}` };
}

/** Builds the initramfs: busybox (static), /init and the root-mount modules in load order. */
async function buildInitramfs(k: QemuKernel, dir: string): Promise<string> {
  const { dep, builtin } = readModulesTree(k.modules);
  const order = loadOrder(dep, ROOT_MODULES, builtin);
  const stage = join(dir, 'stage');
  await mkdir(join(stage, 'bin'), { recursive: true });
  await mkdir(join(stage, 'modules'), { recursive: true });
  const bb = await exec('ldd', [BUSYBOX], { allowFail: true });
  if (!/not a dynamic executable/.test(bb.stdout + bb.stderr)) throw new GuestError(`${BUSYBOX} is not statically linked (apt-get install busybox-static)`);
  await copyFile(BUSYBOX, join(stage, 'bin/busybox'));
  await copyFile(INITRAMFS_INIT, join(stage, 'init'));
  for (const [i, m] of order.entries()) {
    const to = join(stage, 'modules', `${String(i).padStart(2, '0')}-${basename(m).replace(/\.ko\.(xz|zst|gz)$/, '.ko')}`);
    const compressed = /\.ko\.(xz|zst|gz)$/.exec(m)?.[1];
    // busybox insmod takes plain ELF only; Debian's 6.12 packages ship .ko.xz (CONFIG_MODULE_COMPRESS_XZ).
    if (compressed) await exec('sh', ['-c', `${DECOMPRESS[compressed]} <"$1" >"$2"`, 'sh', join(k.modules, m), to]);
    else await copyFile(join(k.modules, m), to);
  }
  const out = join(dir, 'initramfs.cpio');
  await exec('sh', ['-c', `cd "${stage}" && chmod 755 init bin/busybox && find . | cpio -o -H newc --quiet > "${out}"`]);
  await rm(stage, { recursive: true, force: true });
  return out;
}

/**
 * TCG runs several vCPUs in turn on one host thread: with one thread per vCPU, a 6.12 guest
 * oopsed on an int3 in bpf_dispatcher_xdp_func while XDP programs came and went (the kernel
 * patches that code live while the other vCPU runs it, and that vCPU ran the stale translation).
 * In turn, each vCPU still gets its share, so generator and datapath keep a CPU each.
 */
export function tcgThreads(cpus: number): 'single' | 'multi' {
  return cpus > 1 ? 'single' : 'multi';
}

export async function qemuLaunch(k: QemuKernel, r: GuestRun): Promise<GuestLaunch> {
  const scratch = join(r.outDir, 'qemu');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const initrd = await buildInitramfs(k, scratch);
  const append = ['console=ttyS0', 'panic=-1', 'quiet', 'loglevel=4', `DPLAB_INIT=${GUEST_INIT}`, ...guestEnvironment(k, r)].join(' ');
  const args = [
    '-nodefaults',
    '-nic',
    'none',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    // microvm without ACPI hung at mount; q35 boots. More CPUs gave cases no speed-up under TCG;
    // benchmarks ask for two (GuestRun.cpus).
    '-machine',
    'q35',
    ...(k.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', `tcg,thread=${tcgThreads(r.cpus ?? 1)}`, '-cpu', 'max']),
    '-smp',
    String(r.cpus ?? 1),
    '-m',
    '1024',
    '-kernel',
    k.image,
    '-initrd',
    initrd,
    '-append',
    append,
    '-fsdev',
    'local,id=root,path=/,readonly=on,security_model=none,multidevs=remap',
    '-device',
    'virtio-9p-pci,fsdev=root,mount_tag=hostroot',
    '-fsdev',
    `local,id=out,path=${r.outDir},security_model=none`,
    '-device',
    'virtio-9p-pci,fsdev=out,mount_tag=dplabout',
  ];
  return { program: QEMU, args, scratch: [scratch] };
}
