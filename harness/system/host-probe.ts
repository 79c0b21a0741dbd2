import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { exec, hasCommand } from './exec.js';

/** One finding of `dplab doctor`. */
export interface HostCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Tools dplab drives, and what for. */
export const TOOLS: Readonly<Record<string, string>> = {
  ip: 'network namespaces, veth, XDP attach (iproute2)',
  ethtool: 'offload settings on endpoint links',
  'ovs-vswitchd': 'OVS backends (kernel, afxdp)',
  'ovsdb-server': 'OVS backends (kernel, afxdp)',
  'ovs-vsctl': 'OVS configuration',
  'ovs-ofctl': 'OpenFlow pipelines',
  'ovs-appctl': 'datapath flow dumps and stats',
  bpftool: 'BPF feature probes and skeletons',
  clang: 'BPF programs (clang -target bpf)',
  gcc: 'dplab C helpers',
};

/**
 * What `bpftool feature probe kernel` reports: it loads tiny programs and creates tiny maps
 * to see what the running kernel accepts, so this is probed, not guessed from a version.
 */
export interface BpfFeatures {
  readonly syscall: boolean;
  readonly jit: boolean;
  readonly btf: boolean;
  readonly programTypes: ReadonlySet<string>;
  readonly mapTypes: ReadonlySet<string>;
  readonly error?: string;
}

export function parseBpftoolProbe(text: string, btf: boolean): BpfFeatures {
  const programTypes = new Set([...text.matchAll(/^eBPF program_type (\S+) is available$/gm)].map((m) => m[1] ?? ''));
  const mapTypes = new Set([...text.matchAll(/^eBPF map_type (\S+) is available$/gm)].map((m) => m[1] ?? ''));
  return {
    syscall: /^bpf\(\) syscall is available$/m.test(text),
    jit: /^JIT compiler is enabled$/m.test(text),
    btf,
    programTypes,
    mapTypes,
  };
}

let bpfCache: Promise<BpfFeatures> | undefined;

export function probeBpf(): Promise<BpfFeatures> {
  bpfCache ??= (async () => {
    const btf = existsSync('/sys/kernel/btf/vmlinux');
    if (!(await hasCommand('bpftool'))) {
      return { syscall: false, jit: false, btf, programTypes: new Set(), mapTypes: new Set(), error: 'bpftool not installed' };
    }
    const r = await exec('bpftool', ['feature', 'probe', 'kernel'], { allowFail: true, timeoutMs: 20_000 });
    const f = parseBpftoolProbe(r.stdout, btf);
    return r.code === 0 ? f : { ...f, error: r.stderr.trim().split('\n').pop() ?? `exit ${r.code}` };
  })();
  return bpfCache;
}

/** `ovs-vswitchd --version` -> `3.1.0`; undefined when it is not installed. */
export async function ovsVersion(): Promise<string | undefined> {
  const r = await exec('ovs-vswitchd', ['--version'], { allowFail: true }).catch(() => undefined);
  return r && r.code === 0 ? /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] : undefined;
}

/** AF_XDP sockets: the kernel registers their protocol as "XDP" (net/xdp/xsk.c, CONFIG_XDP_SOCKETS). */
export async function afXdpSockets(): Promise<boolean> {
  const text = await readFile('/proc/net/protocols', 'utf8').catch(() => '');
  return text.split('\n').some((l) => l.split(/\s+/)[0] === 'XDP');
}

/** openvswitch.ko: loaded (or built in), or loadable from this kernel's module tree. */
export async function openvswitchModule(): Promise<{ readonly present: boolean; readonly where: string }> {
  if (existsSync('/sys/module/openvswitch')) return { present: true, where: 'loaded' };
  const mod = await exec('modinfo', ['-F', 'filename', 'openvswitch'], { allowFail: true }).catch(() => undefined);
  const file = mod?.code === 0 ? mod.stdout.trim() : '';
  return file ? { present: true, where: `loadable (${file})` } : { present: false, where: 'not loaded, not in the module tree' };
}

/** Host checks independent of any backend. */
export async function hostChecks(): Promise<HostCheck[]> {
  const checks: HostCheck[] = [];
  const root = process.getuid?.() === 0;
  checks.push({ name: 'root', ok: root, detail: root ? 'running as root' : 'runs need root (netns, veth, BPF)' });
  checks.push({ name: 'kernel', ok: true, detail: release() });
  const bpf = await probeBpf();
  const has = (set: ReadonlySet<string>, x: string) => (set.has(x) ? 'yes' : 'no');
  checks.push({
    name: 'bpf',
    ok: bpf.syscall,
    detail:
      bpf.error ??
      `syscall ${bpf.syscall ? 'yes' : 'no'}, JIT ${bpf.jit ? 'on' : 'off'}, BTF ${bpf.btf ? 'yes' : 'no'}, ringbuf ${has(bpf.mapTypes, 'ringbuf')}`,
  });
  checks.push({ name: 'xdp', ok: bpf.programTypes.has('xdp'), detail: `program type xdp ${has(bpf.programTypes, 'xdp')}` });
  checks.push({ name: 'tc-bpf', ok: bpf.programTypes.has('sched_cls'), detail: `program type sched_cls ${has(bpf.programTypes, 'sched_cls')}` });
  const xsk = await afXdpSockets();
  checks.push({
    name: 'af_xdp',
    ok: xsk && bpf.mapTypes.has('xskmap'),
    detail: `sockets ${xsk ? 'yes' : 'no'}, map type xskmap ${has(bpf.mapTypes, 'xskmap')}`,
  });
  const ovsV = await ovsVersion();
  checks.push({ name: 'ovs', ok: ovsV !== undefined, detail: ovsV ? `Open vSwitch ${ovsV}` : 'ovs-vswitchd not installed' });
  const mod = await openvswitchModule();
  checks.push({
    name: 'openvswitch.ko',
    ok: mod.present,
    detail: mod.present ? mod.where : `absent for kernel ${release()} (kernel backend needs a guest VM)`,
  });
  for (const [tool, why] of Object.entries(TOOLS)) {
    const ok = await hasCommand(tool);
    checks.push({ name: `tool:${tool}`, ok, detail: ok ? why : `missing (needed for ${why})` });
  }
  return checks;
}
