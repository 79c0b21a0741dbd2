import { setTimeout as sleep } from 'node:timers/promises';
import type { TunnelPortSpec, TunnelUnderlay } from '../../harness/datapath/datapath.js';
import { isIpv4, isIpv6, isMac } from '../../harness/packet/index.js';
import { runNames } from '../../harness/run/run-context.js';
import { exec } from '../../harness/system/exec.js';
import type { StartedTopology } from '../../topologies/topology.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';

/** Longest the userspace datapath may take to see a new address or route (it learns them over rtnetlink). */
const NATIVE_TUNNEL_WAIT_MS = 5000;

/** Polls `what` until it returns true, at most NATIVE_TUNNEL_WAIT_MS; the error shows what ovs-vswitchd last said. */
async function waitFor(label: string, what: () => Promise<string | true>): Promise<void> {
  const until = Date.now() + NATIVE_TUNNEL_WAIT_MS;
  for (;;) {
    const r = await what();
    if (r === true) return;
    if (Date.now() > until) throw new Error(`${label}: not seen by ovs-vswitchd within ${NATIVE_TUNNEL_WAIT_MS} ms (${r.replace(/\s+/g, ' ').trim()})`);
    await sleep(50);
  }
}

/** Whether native tunneling terminates tunnels addressed to `addr` (tnl/ports/show -v lists it). */
async function terminates(ovs: StartedOvsDaemons, addr: string): Promise<string | true> {
  const r = await ovs.appctl(['tnl/ports/show', '-v'], { allowFail: true });
  return r.stdout.includes(`dst=${addr},`) ? true : `tnl/ports/show -v: ${r.stdout}`;
}

/**
 * Tunnel ports and their underlay on an OVS bridge. The VTEP address sits on the bridge's own
 * (LOCAL) port: the internal device of the kernel datapath, the tap ovs-vswitchd creates for the
 * userspace one, both named like the bridge in the DUT namespace. Encapsulated frames leave the
 * switch's IP stack (kernel) or native tunneling (userspace) through LOCAL and the pipeline sends
 * them on; frames to the VTEP address come in through LOCAL the other way.
 *
 * The kernel datapath routes and resolves neighbours in the kernel (static neighbour entries);
 * the userspace datapath keeps its own route table (learnt from the kernel's over rtnetlink) and
 * neighbour cache (`tnl/neigh/set`), so both are filled and waited for.
 */
export function ovsTunnels(ovs: StartedOvsDaemons, bridge: string, datapathType: 'system' | 'netdev', topology: StartedTopology) {
  const ns = topology.dutNetns;
  const ipBatch = (lines: readonly string[], force: boolean) =>
    exec('ip', ['-n', ns, ...(force ? ['-force'] : []), '-batch', '-'], { input: lines.join('\n') + '\n', ...(force ? { allowFail: true } : {}) });
  const sysctl = (...settings: string[]) => exec('sysctl', ['-q', '-w', ...settings], { netns: ns, allowFail: true });
  const ports: string[] = [];
  let underlay = false;
  let tlv = false;
  /** The VTEP address on LOCAL, once an underlay is set. */
  let localAddr: string | undefined;

  return {
    async setUnderlay(u: TunnelUnderlay): Promise<void> {
      underlay = true;
      const [addr, plen] = u.local.split('/');
      if (!addr || !/^\d+$/.test(plen ?? '') || !(isIpv4(addr) || isIpv6(addr))) throw new Error(`underlay local '${u.local}': want ADDRESS/PREFIXLEN`);
      for (const r of u.remotes)
        if (!(isIpv4(r.ip) || isIpv6(r.ip)) || !isMac(r.mac)) throw new Error(`underlay remote ${r.ip} at ${r.mac}: not an address and a MAC`);
      if (!isMac(u.mac)) throw new Error(`underlay MAC '${u.mac}' is not a MAC`);
      const v6 = addr.includes(':');
      localAddr = addr;
      // The bridge's MAC is OVS's to set: other-config:hwaddr, which both datapaths honour.
      await ovs.vsctl(['set', 'Bridge', bridge, `other-config:hwaddr="${u.mac}"`]);
      // Nothing but the tunnel's traffic should leave LOCAL: no router solicitations, no
      // autoconfigured or link-local addresses, no duplicate address detection. The topology
      // keeps IPv6 off in its namespaces: an IPv6 underlay turns it on for LOCAL alone.
      await sysctl(
        ...Object.entries({
          disable_ipv6: v6 ? '0' : '1',
          accept_ra: '0',
          autoconf: '0',
          router_solicitations: '0',
          dad_transmits: '0',
          accept_dad: '0',
          addr_gen_mode: '1',
        }).map(([k, v]) => `net.ipv6.conf.${bridge}.${k}=${v}`),
      );
      // One `ip -batch` for the link, the address and the static neighbours (execs are slow in a guest).
      await ipBatch(
        [
          `link set ${bridge} up`,
          `addr add ${u.local} dev ${bridge}${v6 ? ' nodad' : ''}`,
          ...u.remotes.map((r) => `neigh replace ${r.ip} lladdr ${r.mac} dev ${bridge} nud permanent`),
        ],
        false,
      );
      if (datapathType === 'netdev') {
        for (const r of u.remotes) await ovs.appctl(['tnl/neigh/set', bridge, r.ip, r.mac]);
        // Native tunneling routes with ovs-vswitchd's own table and terminates tunnels addressed
        // to the IPs of the bridge's ports: wait until both know the new address.
        const net = u.remotes[0]?.ip ?? addr;
        await waitFor(`route to ${net} via ${bridge}`, async () => {
          const r = await ovs.appctl(['ovs/route/lookup', net], { allowFail: true });
          return r.code === 0 && r.stdout.includes(`dev ${bridge}`) ? true : `ovs/route/lookup ${net}: ${r.stdout}${r.stderr}`;
        });
        if (ports.length) await waitFor(`tunnel termination on ${addr}`, () => terminates(ovs, addr));
      }
    },

    async addTunnelPort(spec: TunnelPortSpec): Promise<number> {
      ports.push(spec.name);
      const opts = Object.entries(spec.options).map(([k, v]) => `options:${k}="${v}"`);
      await ovs.vsctl(['add-port', bridge, spec.name, '--', 'set', 'Interface', spec.name, `type=${spec.type}`, ...opts]);
      const [ofport, error] = (await ovs.vsctl(['get', 'Interface', spec.name, 'ofport', 'error'])).stdout.split('\n');
      if (!ofport || Number(ofport) <= 0 || (error && error !== '[]')) {
        throw new Error(`tunnel port ${spec.name} (type=${spec.type}): ofport ${ofport}, error ${error ?? ''}`);
      }
      if (spec.tlvMap?.length) {
        tlv = true;
        await ovs.ofctl(['add-tlv-map', bridge, spec.tlvMap.join(',')]);
      }
      const local = localAddr;
      if (datapathType === 'netdev' && local) await waitFor(`tunnel termination on ${local}`, () => terminates(ovs, local));
      return Number(ofport);
    },

    /**
     * Deletes the tunnel ports and the TLV map, and takes the underlay's address, neighbours and
     * MAC off LOCAL. Every step runs even if one fails; the first failure is reported.
     */
    async reset(): Promise<void> {
      const steps: (() => Promise<unknown>)[] = [];
      // The case's flows may still use the ports and the TLV map's fields: they go first (the
      // next case installs its own pipeline anyway).
      if (ports.length || tlv) steps.push(() => ovs.ofctl(['del-flows', bridge]));
      const db = [
        ...ports.flatMap((p) => ['--', '--if-exists', 'del-port', bridge, p]),
        ...(underlay ? ['--', 'remove', 'Bridge', bridge, 'other-config', 'hwaddr'] : []),
      ];
      if (db.length) steps.push(() => ovs.vsctl(db));
      if (tlv) steps.push(() => ovs.ofctl(['del-tlv-map', bridge]));
      if (underlay) {
        steps.push(
          () => ipBatch([`addr flush dev ${bridge}`, `neigh flush dev ${bridge} nud all`, `link set ${bridge} down`], true),
          () => sysctl(`net.ipv6.conf.${bridge}.disable_ipv6=1`),
        );
        if (datapathType === 'netdev') steps.push(() => ovs.appctl(['tnl/neigh/flush']));
      }
      ports.length = 0;
      underlay = tlv = false;
      localAddr = undefined;
      let first: unknown;
      for (const s of steps) await s().catch((e: unknown) => (first ??= e));
      if (first) throw first;
    },
  };
}

/** What the tunnel rows of the feature map are answered from (datapaths/ovs/features.ts). */
export interface TunnelProbe {
  readonly datapathType: 'system' | 'netdev';
  /** `ovs-vswitchd --version`'s number, e.g. `3.1.0`. */
  readonly ovsVersion: string;
  /** Whether the DUT namespace's kernel has IPv6 (an IPv6 underlay enables it on LOCAL), or why not. */
  readonly ipv6: true | string;
  /**
   * System datapath only: per OVS tunnel type, whether ovs-vswitchd could create its kernel
   * device (a probe port added and removed again), or the port's `error` column.
   */
  readonly kernelPorts: Readonly<Record<string, true | string>>;
}

/** Tunnel types whose kernel device (or datapath vport) the system datapath needs. */
export const KERNEL_TUNNEL_TYPES = ['vxlan', 'geneve', 'gre', 'ip6gre', 'erspan', 'ip6erspan', 'gtpu', 'bareudp', 'lisp', 'stt', 'srv6'] as const;

/** Probe-port options a type needs besides remote_ip=flow to be created at all. */
const PROBE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  bareudp: ['options:payload_type=mpls'],
  srv6: ['options:srv6_segs=fc00::1'],
};

/**
 * Probes what the tunnel rows need: the OVS version, IPv6 in the DUT namespace and, on the system
 * datapath, which tunnel types' kernel devices ovs-vswitchd can create (each offered type gets a
 * probe port, removed again at once).
 */
export async function probeTunnels(
  ovs: StartedOvsDaemons,
  bridge: string,
  runId: string,
  datapathType: 'system' | 'netdev',
  netns: string,
  ifaceTypes: readonly string[],
  ovsVersion: string,
): Promise<TunnelProbe> {
  // The topology turns IPv6 off in its namespaces; an IPv6 underlay turns it on for LOCAL only,
  // which needs a kernel with IPv6 (the sysctl tree exists).
  const six = await exec('sysctl', ['-n', 'net.ipv6.conf.default.disable_ipv6'], { netns, allowFail: true });
  const ipv6 =
    six.code === 0 ? true : `the DUT namespace's kernel has no IPv6 (sysctl net.ipv6.conf.default.disable_ipv6: ${six.stderr.trim() || `exit ${six.code}`})`;
  const kernelPorts: Record<string, true | string> = {};
  if (datapathType === 'system') {
    const types = KERNEL_TUNNEL_TYPES.filter((t) => ifaceTypes.includes(t));
    // Probe ports carry the run id like every device a run makes (dl<run><suffix>, 15 characters at most).
    const name = (t: string) => runNames.link(runId, `tp${types.indexOf(t as (typeof types)[number])}`);
    await ovs.vsctl(
      types.flatMap((t) => [
        '--',
        'add-port',
        bridge,
        name(t),
        '--',
        'set',
        'Interface',
        name(t),
        `type=${t}`,
        'options:remote_ip=flow',
        ...(PROBE_OPTIONS[t] ?? []),
      ]),
      60_000,
    );
    try {
      for (const t of types) {
        const [ofport, error] = (await ovs.vsctl(['get', 'Interface', name(t), 'ofport', 'error'])).stdout.split('\n');
        kernelPorts[t] = Number(ofport) > 0 && (!error || error === '[]') ? true : `probe port type=${t}: ofport ${ofport}, error ${error}`;
      }
    } finally {
      await ovs.vsctl(
        types.flatMap((t) => ['--', '--if-exists', 'del-port', bridge, name(t)]),
        60_000,
      );
    }
  }
  return { datapathType, ovsVersion, ipv6, kernelPorts };
}
