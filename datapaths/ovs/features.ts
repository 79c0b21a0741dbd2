import type { FeatureMap, FeatureSupport } from '../../harness/datapath/datapath.js';
import type { CtProbe } from './conntrack.js';
import type { TunnelProbe } from './tunnel-ports.js';
import type { OvsQosProbe } from './port-qos.js';

/**
 * Feature support of an OVS-driven datapath, from what the running ovs-vswitchd reports:
 * `ovs-appctl dpif/show-dp-features BRIDGE` (its probes of the datapath) and the interface
 * types the switch offers. Features OVS's translation always provides (OpenFlow matching,
 * set-field, VLAN push/pop) are supported without a probe row.
 */
export interface OvsProbeText {
  /** Output of dpif/show-dp-features. */
  readonly dpFeatures: string;
  /** `ovs-vsctl get Open_vSwitch . iface_types`. */
  readonly ifaceTypes: readonly string[];
  /** `ovs-ofctl -O OpenFlow13 meter-features BRIDGE`. */
  readonly meterFeatures: string;
  /** Whether `ovs-appctl dpctl/ct-get-limits` worked, or its error. */
  readonly ctLimits: true | string;
  /** The connection tracker's fragment reassembly (absent: not probed, ct.frag/ct.frag6 unsupported). */
  readonly ct?: CtProbe;
  /** OVS version, IPv6 in the DUT namespace and, for the kernel datapath, its tunnel probe ports. */
  readonly tunnels: TunnelProbe;
  /** Port QoS: the port type, qos/show-types and the kernel's tc modules (qos.policing, qos.shaping). */
  readonly qos?: OvsQosProbe;
}

/**
 * Tunnel types the userspace datapath encapsulates and decapsulates itself ("native tunneling":
 * a header builder and parser in lib/netdev-vport.c and netdev-native-tnl.c), with the OVS version
 * that brought each. Other offered types (bareudp, lisp, stt) exist as ports but cannot send:
 * ofproto/trace says "native tunnel header build failed".
 */
const USERSPACE_NATIVE_TUNNELS: Readonly<Record<string, string>> = {
  vxlan: '2.4',
  geneve: '2.4',
  gre: '2.4',
  ip6gre: '2.10',
  erspan: '2.10',
  ip6erspan: '2.10',
  gtpu: '2.14',
  srv6: '3.2',
};

/** Whether dotted version `v` is at least `min`. */
function versionAtLeast(v: string, min: string): boolean {
  const a = v.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < b.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

const yes = (how: string): FeatureSupport => ({ supported: true, how });
const no = (reason: string): FeatureSupport => ({ supported: false, reason });

/** Supported when both probes say so; otherwise the first one's refusal. */
function both(a: FeatureSupport, b: FeatureSupport): FeatureSupport {
  if (!a.supported) return a;
  if (!b.supported) return b;
  return yes(`${a.how}; ${b.how}`);
}

/**
 * Whether ct() reassembles fragments: the userspace datapath when `dpctl/ipf-get-status` says
 * `v4 enabled: 1` (or v6), the kernel one when its nf_defrag module is there.
 */
function defrag(ct: CtProbe | undefined, v: 'v4' | 'v6'): FeatureSupport {
  if (!ct) return no('fragment reassembly not probed');
  if (ct.datapathType === 'system') {
    const k = ct.kernelDefrag[v];
    return k === true ? yes(`kernel nf_defrag_ip${v} present`) : no(`kernel datapath: ${k}`);
  }
  const enabled = new RegExp(`^\\s*${v} enabled: (\\S+)`, 'm').exec(ct.ipfStatus)?.[1];
  if (enabled === undefined) return no(`dpctl/ipf-get-status has no '${v} enabled' line: ${ct.ipfStatus.trim().split('\n')[0] ?? ''}`);
  return enabled === '1' ? yes(`dpctl/ipf-get-status: ${v} enabled: 1`) : no(`dpctl/ipf-get-status: ${v} enabled: ${enabled}`);
}

function row(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (.*)$`, 'm').exec(text);
  return m?.[1]?.trim();
}

/** Meters with a drop band: max_meter above 0 and `drop` among the band types. */
function meter(text: string): FeatureSupport {
  const max = Number(/max_meter:(\d+)/.exec(text)?.[1] ?? '0');
  if (max === 0) return no('meter-features: max_meter:0 (the datapath has no meters)');
  const bands = /band_types: (.*)/.exec(text)?.[1]?.trim();
  if (bands !== undefined && !bands.split(/\s+/).includes('drop')) return no(`meter-features: band_types: ${bands} (no drop band)`);
  return yes(`meter-features: max_meter:${max}${bands ? `, band_types: ${bands}` : ''}`);
}

/** sFlow and IPFIX sampling: the datapath's sample action carries the userspace upcall that exports. */
function sampling(dp: string, what: string): FeatureSupport {
  const n = Number(row(dp, 'Sample nesting') ?? '0');
  return n > 0
    ? yes(`dp-features: Sample nesting: ${n} (${what} via sample+userspace)`)
    : no(`datapath probe: Sample nesting: ${row(dp, 'Sample nesting') ?? 'absent'} (${what})`);
}

const isAfxdp = (q: OvsQosProbe) => q.portType === 'afxdp' || q.portType === 'afxdp-nonpmd';

/**
 * Ingress policing: netdev-linux installs a tc ingress filter with a police action (act_police).
 * A port whose frames an AF_XDP socket takes at XDP never reaches tc ingress.
 */
function policing(q: OvsQosProbe | undefined): FeatureSupport {
  if (!q) return no('port QoS not probed');
  if (isAfxdp(q))
    return no(
      `Interface ${q.port} type=${q.portType}: OVS polices with a tc ingress filter (act_police: ${q.modules.act_police ?? 'absent'}), which frames taken by the port's AF_XDP socket at XDP never reach`,
    );
  const police = q.modules.act_police;
  return police
    ? yes(`tc ingress police on ${q.port}: act_police ${police}`)
    : no("act_police (the tc police action ingress_policing_rate needs): not loaded, not built in, not found by the kernel's modprobe -n");
}

/** Egress shaping: QoS type linux-htb is an HTB qdisc on the port, which only the kernel's transmit path passes through. */
function shaping(q: OvsQosProbe | undefined): FeatureSupport {
  if (!q) return no('port QoS not probed');
  if (!q.qosTypes.includes('linux-htb')) return no(`qos/show-types ${q.port}: no linux-htb (${q.qosTypes.join(' ') || 'none'})`);
  if (isAfxdp(q))
    return no(
      `Interface ${q.port} type=${q.portType}: qos/show-types lists linux-htb (a tc qdisc OVS configures), but the userspace datapath transmits through the AF_XDP socket, past the qdisc`,
    );
  const htb = q.modules.sch_htb;
  return htb
    ? yes(`qos/show-types ${q.port}: linux-htb; sch_htb ${htb}`)
    : no("sch_htb (the qdisc of QoS type linux-htb): not loaded, not built in, not found by the kernel's modprobe -n");
}

export function ovsFeatures(p: OvsProbeText, catalogue: readonly string[]): FeatureMap {
  const t = p.dpFeatures;
  const flag = (name: string, feature: string): FeatureSupport => {
    const v = row(t, name);
    if (v === undefined) return no(`dpif/show-dp-features has no '${name}' row`);
    return v === 'Yes' ? yes(`dp-features: ${name}: Yes`) : no(`datapath probe: ${name}: ${v} (${feature})`);
  };
  const vlans = Number(row(t, 'Max VLAN headers') ?? '0');
  // ovs-vswitchd 3.1 puts a zone attribute (OVS_CT_ATTR_ZONE) in every datapath ct() action,
  // zone 0 included, so a kernel datapath built without CONFIG_NF_CONNTRACK_ZONES ("CT zone: No")
  // refuses them all ("Unknown conntrack attr (2)", flow put EINVAL): no ct() works there.
  const ctBase = both(flag('CT state', 'conntrack'), flag('CT zone', 'conntrack zones; every ct() action carries one'));
  const tn = p.tunnels;
  /**
   * A tunnel type works when ovs-vswitchd offers it (iface_types) and the datapath can carry it:
   * the kernel one when ovs-vswitchd could create its device (probe port), the userspace one when
   * its native tunneling has the type in this OVS version. IPv6 underlays need IPv6 as well.
   */
  const tunnel = (type: string, v6 = false): FeatureSupport => {
    if (!p.ifaceTypes.includes(type)) {
      const since = USERSPACE_NATIVE_TUNNELS[type];
      const ver = since && !versionAtLeast(tn.ovsVersion, since) ? `; needs OVS >= ${since}, ovs-vswitchd --version: ${tn.ovsVersion}` : '';
      return no(`ovs-vswitchd offers no '${type}' interface type (iface_types: ${p.ifaceTypes.join(' ')})${ver}`);
    }
    if (v6 && tn.ipv6 !== true) return no(`IPv6 underlay: ${tn.ipv6}`);
    if (tn.datapathType === 'netdev') {
      const since = USERSPACE_NATIVE_TUNNELS[type];
      if (!since)
        return no(
          `iface_types offers '${type}', but the userspace datapath has no native ${type} tunneling (ovs-vswitchd ${tn.ovsVersion}: no header builder)`,
        );
      if (!versionAtLeast(tn.ovsVersion, since))
        return no(`userspace native ${type} tunneling needs OVS >= ${since} (ovs-vswitchd --version: ${tn.ovsVersion})`);
      return yes(`iface type ${type}; userspace native tunneling (OVS ${tn.ovsVersion})`);
    }
    const k = tn.kernelPorts[type];
    if (k === undefined) return no(`no kernel probe port of type ${type}`);
    return k === true ? yes(`iface type ${type}; kernel probe port created`) : no(`kernel datapath: ${k}`);
  };
  const map: Record<string, FeatureSupport> = {
    'vlan.qinq': vlans >= 2 ? yes(`Max VLAN headers: ${vlans}`) : no(`datapath probe: Max VLAN headers: ${vlans}`),
    ct: ctBase,
    'ct.nat': both(ctBase, flag('CT state NAT', 'NAT')),
    'ct.ipv6': both(ctBase, flag('CT orig tuple for IPv6', 'IPv6 connection tuples')),
    'ct.nat6': both(both(ctBase, flag('CT state NAT', 'NAT')), flag('CT orig tuple for IPv6', 'IPv6 connection tuples')),
    'ct.timeout': both(ctBase, flag('Conntrack timeout policy', 'timeout policies')),
    'ct.frag': both(ctBase, defrag(p.ct, 'v4')),
    'ct.frag6': both(ctBase, defrag(p.ct, 'v6')),
    'ct.zone_limit': p.ctLimits === true ? yes('dpctl/ct-get-limits works') : no(`dpctl/ct-get-limits: ${p.ctLimits}`),
    check_pkt_len: flag('Check pkt length action', 'check_pkt_len'),
    recirc: flag('Recirc', 'recirculation'),
    'dp.ufid': flag('Ufid', 'UFID'),
    // No dp-features row: the datapath type (dpctl/show) decides. openvswitch.ko checks each
    // action against the key on put (flow_netlink.c); dpif-netdev takes them as given.
    'dp.validate':
      p.tunnels.datapathType === 'system'
        ? yes('system datapath: openvswitch.ko validates actions against the flow key on put')
        : no(
            `${p.tunnels.datapathType} datapath: dpif-netdev puts flows without validating their actions against the key (releases.rst: Validate flow actions: N/A for userspace)`,
          ),
    clone: flag('Clone action', 'clone'),
    truncate: flag('Truncate action', 'output with max_len'),
    mpls:
      Number(row(t, 'Max MPLS depth') ?? '0') > 0
        ? yes(`Max MPLS depth: ${row(t, 'Max MPLS depth')}`)
        : no(`datapath probe: Max MPLS depth: ${row(t, 'Max MPLS depth') ?? 'absent'}`),
    'set.masked': flag('Masked set action', 'masked set_field'),
    // No dp-features row: both datapaths match and set SCTP ports (releases.rst second table,
    // "SCTP flows": Linux 3.12, userspace YES); openvswitch.ko's set_sctp recomputes the CRC32c.
    sctp: yes('no probe row: SCTP flows in the kernel module (Linux 3.12+) and the userspace datapath (releases.rst)'),
    meter: meter(p.meterFeatures),
    'qos.policing': policing(p.qos),
    'qos.shaping': shaping(p.qos),
    sflow: sampling(t, 'sFlow'),
    ipfix: sampling(t, 'IPFIX'),
    bonding: yes('bonds are ovs-vswitchd ofproto bundles over any datapath (bond/show, bond/set-active-member)'),
    'tunnel.vxlan': tunnel('vxlan'),
    'tunnel.vxlan6': tunnel('vxlan', true),
    'tunnel.geneve': tunnel('geneve'),
    'tunnel.geneve6': tunnel('geneve', true),
    'tunnel.gre': tunnel('gre'),
    'tunnel.gre6': tunnel('ip6gre', true),
    'tunnel.erspan': tunnel('erspan'),
    'tunnel.erspan6': tunnel('ip6erspan', true),
    'tunnel.gtpu': tunnel('gtpu'),
    'tunnel.srv6': tunnel('srv6', true),
    'tunnel.bareudp': tunnel('bareudp'),
    'tunnel.lisp': tunnel('lisp'),
    'tunnel.stt': tunnel('stt'),
    'tunnel.stt_tso': tunnel('stt'),
    // The probe port is a flow-based one (remote_ip=flow): what several VTEPs through one port need.
    'tunnel.multi_vtep': tunnel('vxlan'),
    'dp.flow_put': yes('ovs-appctl dpctl/add-flow, dpctl/del-flow, dpctl/dump-flows'),
    'dp.miss_key': yes('upcall keys from the dpif/dpif_netdev debug log'),
  };
  return Object.fromEntries(catalogue.map((id) => [id, map[id] ?? yes('OpenFlow translation in ovs-vswitchd')]));
}
