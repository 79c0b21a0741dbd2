import { configValue, type KernelConfig } from './kernel-config.js';

/**
 * What a kernel can test, from its config: whether it boots dplab's guest, which backends can
 * run on it, and which catalogue features the kernel (rather than the datapath's own code)
 * allows on each. One table of requirements drives both the verdicts and what `dplab kernel
 * check` prints: each row names the option(s) or the version that decide, and why.
 */
export const BACKEND_IDS = ['kernel', 'afxdp', 'ebpf', 'ebpf-xdp'] as const;
export type BackendId = (typeof BACKEND_IDS)[number];
export type GuestKind = 'qemu' | 'uml';

export interface CheckContext {
  readonly config: KernelConfig;
  readonly guest: GuestKind;
  /** A modules tree is at hand, so `=m` options can be loaded. */
  readonly modules: boolean;
  /** The image is an ELF vmlinux (qemu boots it through its PVH entry), not a bzImage. */
  readonly elf?: boolean;
  /** The kernel release (`6.1.0-57-amd64`), for the version when the config's header has none. */
  readonly release?: string;
}

export type Target =
  { readonly guest: GuestKind | 'any' } | { readonly backends: readonly BackendId[] } | { readonly feature: string; readonly backends: readonly BackendId[] };

export interface Requirement {
  readonly target: Target;
  /** Each must be `=y`, or `=m` when a modules tree is at hand (unless `builtin`). */
  readonly options?: readonly string[];
  /** Needed before any module can load (or nothing would load it): `=y` only. */
  readonly builtin?: boolean;
  /** Options that must not be set. */
  readonly unset?: readonly string[];
  /** The lowest kernel version that has it. */
  readonly since?: string;
  /** No kernel has it: the `why` says where that is recorded. */
  readonly never?: boolean;
  /** The row applies only when this holds. */
  readonly when?: (c: CheckContext) => boolean;
  /** Guest rows: the guest still boots without it, with this consequence. */
  readonly degrades?: string;
  readonly why: string;
}

const EBPF: readonly BackendId[] = ['ebpf', 'ebpf-xdp'];
/** Tunnels through kernel devices: OVS's userspace datapath (afxdp) has its own. */
const TUNNELS: readonly BackendId[] = ['kernel', ...EBPF];
const conntrackIsModule = (c: CheckContext) => configValue(c.config, 'NF_CONNTRACK') === 'm';
const natIsModule = (c: CheckContext) => configValue(c.config, 'NF_NAT') === 'm';

export const REQUIREMENTS: readonly Requirement[] = [
  // Booting the guest (harness/guest/qemu.ts, initramfs-init.sh, uml.ts, guest-init.sh).
  { target: { guest: 'qemu' }, options: ['X86_64'], builtin: true, why: 'qemu-system-x86_64 boots x86_64 kernels' },
  { target: { guest: 'qemu' }, unset: ['UML'], why: 'a user-mode Linux binary does not boot in qemu: check it as uml:PATH' },
  { target: { guest: 'qemu' }, options: ['PVH'], builtin: true, when: (c) => c.elf === true, why: 'qemu boots an ELF vmlinux through its PVH entry' },
  { target: { guest: 'qemu' }, options: ['BLK_DEV_INITRD'], builtin: true, why: "dplab's initramfs loads the virtio/9p modules and mounts the root" },
  {
    target: { guest: 'qemu' },
    options: ['VIRTIO_PCI', 'VIRTIO', 'NET_9P', 'NET_9P_VIRTIO', '9P_FS'],
    why: "the root is the host's, shared over virtio-9p-pci; results come back over a second 9p share",
  },
  {
    target: { guest: 'qemu' },
    options: ['SERIAL_8250', 'SERIAL_8250_CONSOLE'],
    builtin: true,
    degrades: 'no kernel log (console=ttyS0) to name when a guest fails',
    why: 'the kernel log dplab keeps and quotes comes over the serial console',
  },
  { target: { guest: 'uml' }, options: ['UML'], builtin: true, why: 'uml: runs a user-mode Linux binary' },
  {
    target: { guest: 'uml' },
    options: ['HOSTFS'],
    builtin: true,
    why: "the root is the host's through hostfs (rootfstype=hostfs); results come back over a hostfs mount",
  },
  { target: { guest: 'any' }, options: ['DEVTMPFS'], builtin: true, why: 'the guest mounts devtmpfs on /dev (host device files are no use to it)' },
  { target: { guest: 'any' }, options: ['PROC_FS', 'SYSFS', 'TMPFS'], builtin: true, why: 'guest-init.sh mounts /proc, /sys and a tmpfs /run' },
  {
    target: { guest: 'any' },
    options: ['BINFMT_ELF', 'BINFMT_SCRIPT'],
    builtin: true,
    why: 'the first process is a shell script (guest-init.sh) running ELF programs',
  },
  {
    target: { guest: 'any' },
    options: ['UNIX'],
    builtin: true,
    why: 'Node, ovsdb-server and the eBPF agent talk over Unix sockets; the guest loads no module for them',
  },
  { target: { guest: 'any' }, options: ['NET_NS'], builtin: true, why: 'topologies put the DUT and the endpoints in network namespaces' },
  {
    target: { guest: 'any' },
    options: ['INET', 'IPV6', 'VETH'],
    why: 'veth pairs join the namespaces; frames carry IPv4 and IPv6 (guest-init.sh loads ipv6 and veth)',
  },
  {
    target: { guest: 'any' },
    options: ['OVERLAY_FS'],
    degrades: '/tmp is an empty tmpfs: host files under /tmp are not visible',
    why: 'guest-init.sh overlays /tmp so host files stay visible and writes stay in memory',
  },

  // Backends.
  { target: { backends: ['kernel'] }, options: ['OPENVSWITCH'], why: 'ovs-vswitchd datapath_type=system runs on openvswitch.ko' },
  {
    target: { backends: ['afxdp'] },
    options: ['BPF_SYSCALL', 'XDP_SOCKETS'],
    builtin: true,
    why: "OVS's type=afxdp ports are AF_XDP sockets fed by an XDP program",
  },
  { target: { backends: ['afxdp'] }, options: ['TUN'], why: "the userspace datapath's bridge port is a tap device (/dev/net/tun)" },
  { target: { backends: EBPF }, options: ['BPF_SYSCALL'], builtin: true, why: "bpf() loads the datapath's programs and maps" },
  { target: { backends: EBPF }, options: ['DEBUG_INFO_BTF'], builtin: true, why: 'the backend needs kernel BTF (/sys/kernel/btf/vmlinux)' },
  { target: { backends: EBPF }, options: ['NET_SCH_INGRESS', 'NET_CLS_BPF'], why: 'the fast path is a clsact ingress program (cls_bpf, direct action)' },
  { target: { backends: EBPF }, since: '5.17', why: 'bpf_loop (5.17) runs the mask search; misses reach the agent through a BPF ring buffer (5.8)' },

  // Features, where the kernel decides (OVS's Documentation/faq/releases.rst gives the openvswitch.ko versions).
  { target: { feature: 'ct', backends: ['kernel'] }, options: ['NF_CONNTRACK'], since: '4.3', why: "openvswitch.ko's ct() action (4.3) runs on nf_conntrack" },
  {
    target: { feature: 'ct', backends: ['kernel'] },
    options: ['NF_CONNTRACK_ZONES', 'NF_CONNTRACK_MARK', 'NF_CONNTRACK_LABELS'],
    builtin: true,
    why: 'openvswitch.ko refuses ct_zone, ct_mark and ct_label matches without them (ovs_ct_verify)',
  },
  {
    target: { feature: 'ct', backends: EBPF },
    options: ['NF_CONNTRACK', 'DEBUG_INFO_BTF'],
    since: '6.0',
    why: 'the BPF conntrack kfuncs: bpf_skb_ct_lookup/bpf_xdp_ct_lookup (5.18), bpf_*_ct_alloc and bpf_ct_insert_entry to commit (6.0)',
  },
  {
    target: { feature: 'ct', backends: EBPF },
    options: ['DEBUG_INFO_BTF_MODULES'],
    builtin: true,
    when: conntrackIsModule,
    why: 'the conntrack kfuncs of a modular nf_conntrack exist only with module BTF',
  },
  { target: { feature: 'ct.nat', backends: ['kernel'] }, options: ['NF_NAT'], since: '4.6', why: 'ct(nat) in openvswitch.ko (4.6) runs on nf_nat' },
  { target: { feature: 'ct.nat', backends: EBPF }, options: ['NF_NAT'], since: '6.1', why: 'the bpf_ct_set_nat_info kfunc (6.1)' },
  {
    target: { feature: 'ct.nat', backends: EBPF },
    options: ['DEBUG_INFO_BTF_MODULES'],
    builtin: true,
    when: natIsModule,
    why: 'the NAT kfunc of a modular nf_nat exists only with module BTF',
  },
  {
    target: { feature: 'ct.zone_limit', backends: ['kernel'] },
    options: ['NETFILTER_CONNCOUNT'],
    since: '4.18',
    why: 'OVS_CT_LIMIT in openvswitch.ko (4.18) is built only with nf_conncount',
  },
  {
    target: { feature: 'tunnel.vxlan', backends: TUNNELS },
    options: ['VXLAN'],
    since: '3.12',
    why: 'a flow-based vxlan device (OVS makes it over rtnetlink; the vport-vxlan module is only its fallback for out-of-tree modules)',
  },
  { target: { feature: 'tunnel.geneve', backends: TUNNELS }, options: ['GENEVE'], since: '3.18', why: 'a flow-based geneve device' },
  {
    target: { feature: 'tunnel.gre', backends: TUNNELS },
    options: ['NET_IPGRE_DEMUX', 'NET_IPGRE'],
    since: '3.11',
    why: 'a flow-based gretap device (ip_gre)',
  },
  { target: { feature: 'tunnel.bareudp', backends: ['kernel'] }, options: ['BAREUDP'], since: '5.7', why: 'a flow-based bareudp device (Debian builds none)' },
  ...['tunnel.lisp', 'tunnel.stt', 'tunnel.stt_tso'].map((feature): Requirement => ({
    target: { feature, backends: ['kernel'] },
    never: true,
    why: "openvswitch.ko upstream has no LISP or STT vport: they lived in OVS's out-of-tree module (OVS feature table: Linux upstream NO)",
  })),
  {
    target: { feature: 'tunnel.srv6', backends: ['kernel'] },
    never: true,
    why: 'openvswitch.ko has no SRv6 tunnel (OVS feature table: Linux upstream NO; userspace datapath only)',
  },
  {
    target: { feature: 'tunnel.srv6', backends: EBPF },
    options: ['IPV6', 'IPV6_SEG6_LWTUNNEL', 'IPV6_SEG6_BPF'],
    why: "the kernel's SRv6 encapsulation and its BPF helpers (bpf_lwt_seg6_*)",
  },
  { target: { feature: 'meter', backends: ['kernel'] }, since: '4.15', why: 'the meter action in openvswitch.ko (4.15)' },
  { target: { feature: 'check_pkt_len', backends: ['kernel'] }, since: '5.2', why: 'the check_pkt_len action in openvswitch.ko (5.2)' },
  { target: { feature: 'mpls', backends: ['kernel', ...EBPF] }, options: ['MPLS', 'NET_MPLS_GSO'], why: 'MPLS-tagged GSO packets are segmented by mpls_gso' },
  { target: { feature: 'mpls', backends: ['kernel'] }, since: '3.19', why: 'push_mpls/pop_mpls in openvswitch.ko (3.19)' },
  { target: { feature: 'recirc', backends: ['kernel'] }, since: '3.19', why: 'recirculation in openvswitch.ko (3.19)' },
];

/** A feature that builds on another: its verdict includes the other's rows. */
export const BUILDS_ON: Readonly<Record<string, string>> = { 'ct.nat': 'ct', 'ct.zone_limit': 'ct' };

export type ProblemKind = 'missing' | 'set' | 'no-modules' | 'not-builtin' | 'too-old' | 'never';

export interface Problem {
  readonly kind: ProblemKind;
  /** `CONFIG_X`, or the version comparison. */
  readonly what: string;
}

export interface Finding {
  readonly requirement: Requirement;
  readonly met: boolean;
  /** What decided a met row: `CONFIG_OPENVSWITCH=m`, `6.1.192 >= 5.17`. */
  readonly decided: readonly string[];
  readonly problems: readonly Problem[];
}

/** `6.1.192` -> [6, 1, 192]; undefined when it does not start with a version. */
function versionParts(v: string | undefined): number[] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function atLeast(v: readonly number[], since: readonly number[]): boolean {
  for (let i = 0; i < 3; i += 1) {
    if ((v[i] ?? 0) !== (since[i] ?? 0)) return (v[i] ?? 0) > (since[i] ?? 0);
  }
  return true;
}

/** The kernel version: the config header's (`6.1.192`), else the release's (`6.1.0-57-amd64` -> 6.1.0). */
export function kernelVersion(c: CheckContext): string | undefined {
  return [c.config.version, c.release].find((v) => versionParts(v)) ?? undefined;
}

function optionProblem(r: Requirement, c: CheckContext, o: string): Problem | string {
  const v = configValue(c.config, o);
  if (v === 'n') return { kind: 'missing', what: `CONFIG_${o}` };
  if (v !== 'm') return `CONFIG_${o}=${v}`;
  if (r.builtin) return { kind: 'not-builtin', what: `CONFIG_${o}` };
  if (!c.modules) return { kind: 'no-modules', what: `CONFIG_${o}` };
  return `CONFIG_${o}=m`;
}

/** One row against one kernel: met or not, what decided, what is wrong. */
export function checkRequirement(r: Requirement, c: CheckContext): Finding {
  const decided: string[] = [];
  const problems: Problem[] = [];
  for (const o of r.options ?? []) {
    const p = optionProblem(r, c, o);
    if (typeof p === 'string') decided.push(p);
    else problems.push(p);
  }
  for (const o of r.unset ?? []) {
    if (configValue(c.config, o) !== 'n') problems.push({ kind: 'set', what: `CONFIG_${o}` });
  }
  if (r.since) {
    const v = kernelVersion(c);
    const parts = versionParts(v);
    if (!parts) problems.push({ kind: 'too-old', what: `kernel version unknown (needs >= ${r.since})` });
    else if (!atLeast(parts, versionParts(r.since) as number[])) problems.push({ kind: 'too-old', what: `${v} < ${r.since}` });
    else decided.push(`${v} >= ${r.since}`);
  }
  if (r.never) problems.push({ kind: 'never', what: 'no kernel' });
  return { requirement: r, met: problems.length === 0, decided, problems };
}

export interface Verdict {
  readonly ok: boolean;
  readonly findings: readonly Finding[];
}

export interface GuestVerdict extends Verdict {
  readonly kind: GuestKind;
  /** Rows the guest boots without (with their consequence), met or not. */
  readonly optional: readonly Finding[];
  /** The optional rows not met. */
  readonly degraded: readonly Finding[];
}

export interface FeatureVerdict {
  readonly id: string;
  /** Per backend; `undefined` where the backend itself cannot run. */
  readonly backends: Readonly<Record<BackendId, Verdict | undefined>>;
}

export interface Capabilities {
  readonly version?: string;
  readonly guest: GuestVerdict;
  readonly backends: Readonly<Record<BackendId, Verdict>>;
  readonly features: readonly FeatureVerdict[];
}

function verdict(rows: readonly Requirement[], c: CheckContext): Verdict {
  const findings = rows.filter((r) => !r.when || r.when(c)).map((r) => checkRequirement(r, c));
  return { ok: findings.every((f) => f.met), findings };
}

const forGuest = (r: Requirement, kind: GuestKind) => 'guest' in r.target && (r.target.guest === kind || r.target.guest === 'any');
const forBackend = (r: Requirement, b: BackendId) => !('feature' in r.target) && 'backends' in r.target && r.target.backends.includes(b);
const forFeature = (r: Requirement, f: string, b: BackendId) => 'feature' in r.target && r.target.feature === f && r.target.backends.includes(b);

/** The features whose support the kernel decides, in table order. */
export function kernelFeatures(table: readonly Requirement[] = REQUIREMENTS): string[] {
  return [...new Set(table.flatMap((r) => ('feature' in r.target ? [r.target.feature] : [])))];
}

/** Everything `dplab kernel check` says about one kernel, from one table. */
export function kernelCapabilities(c: CheckContext, table: readonly Requirement[] = REQUIREMENTS): Capabilities {
  const guestRows = table.filter((r) => forGuest(r, c.guest));
  const hard = verdict(
    guestRows.filter((r) => !r.degrades),
    c,
  );
  const soft = verdict(
    guestRows.filter((r) => r.degrades),
    c,
  );
  const backends = Object.fromEntries(
    BACKEND_IDS.map((b) => [
      b,
      verdict(
        table.filter((r) => forBackend(r, b)),
        c,
      ),
    ]),
  ) as Record<BackendId, Verdict>;
  const features = kernelFeatures(table).map((id) => {
    const ids = [BUILDS_ON[id], id].filter((x): x is string => x !== undefined);
    const per = BACKEND_IDS.map((b) => [
      b,
      backends[b].ok
        ? verdict(
            table.filter((r) => ids.some((f) => forFeature(r, f, b))),
            c,
          )
        : undefined,
    ]);
    return { id, backends: Object.fromEntries(per) as Record<BackendId, Verdict | undefined> };
  });
  const version = kernelVersion(c);
  return {
    ...(version ? { version } : {}),
    guest: { kind: c.guest, ok: hard.ok, findings: hard.findings, optional: soft.findings, degraded: soft.findings.filter((f) => !f.met) },
    backends,
    features,
  };
}

/**
 * Why the guest cannot boot, as one clause: the missing options, then those built as modules
 * with no modules tree, then the other kinds (must be built in, set where they must not be).
 */
export function bootRefusal(g: GuestVerdict): string {
  const problems = g.findings.flatMap((f) => f.problems);
  const of = (k: ProblemKind) => [...new Set(problems.filter((p) => p.kind === k).map((p) => p.what))];
  const parts: string[] = [];
  if (of('missing').length) parts.push(`missing ${of('missing').join(', ')}`);
  if (of('set').length) parts.push(`${of('set').join(', ')} set (a user-mode Linux kernel: check it as uml:PATH)`);
  if (of('not-builtin').length) parts.push(`built as modules where they must be built in: ${of('not-builtin').join(', ')}`);
  if (of('too-old').length) parts.push(`kernel ${of('too-old').join(', ')}`);
  const extra: string[] = [];
  if (of('no-modules').length) extra.push(`built as modules but no --modules: ${of('no-modules').join(', ')}`);
  if (parts.length === 0) return extra.join('; ');
  return `${parts.join('; ')}${extra.length ? ` (${extra.join('; ')})` : ''}`;
}
