import type { FeatureMap, FeatureSupport } from '../../harness/datapath/datapath.js';

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
}

const yes = (how: string): FeatureSupport => ({ supported: true, how });
const no = (reason: string): FeatureSupport => ({ supported: false, reason });

function row(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (.*)$`, 'm').exec(text);
  return m?.[1]?.trim();
}

export function ovsFeatures(p: OvsProbeText, catalogue: readonly string[]): FeatureMap {
  const t = p.dpFeatures;
  const flag = (name: string, feature: string): FeatureSupport => {
    const v = row(t, name);
    if (v === undefined) return no(`dpif/show-dp-features has no '${name}' row`);
    return v === 'Yes' ? yes(`dp-features: ${name}: Yes`) : no(`datapath probe: ${name}: ${v} (${feature})`);
  };
  const vlans = Number(row(t, 'Max VLAN headers') ?? '0');
  const tunnel = (type: string): FeatureSupport =>
    p.ifaceTypes.includes(type) ? yes(`iface type ${type}`) : no(`ovs-vswitchd offers no '${type}' interface type (iface_types: ${p.ifaceTypes.join(' ')})`);
  const map: Record<string, FeatureSupport> = {
    'vlan.qinq': vlans >= 2 ? yes(`Max VLAN headers: ${vlans}`) : no(`datapath probe: Max VLAN headers: ${vlans}`),
    ct: flag('CT state', 'conntrack'),
    'ct.nat': flag('CT state NAT', 'NAT'),
    'ct.zone_limit': p.ctLimits === true ? yes('dpctl/ct-get-limits works') : no(`dpctl/ct-get-limits: ${p.ctLimits}`),
    check_pkt_len: flag('Check pkt length action', 'check_pkt_len'),
    recirc: flag('Recirc', 'recirculation'),
    mpls:
      Number(row(t, 'Max MPLS depth') ?? '0') > 0
        ? yes(`Max MPLS depth: ${row(t, 'Max MPLS depth')}`)
        : no(`datapath probe: Max MPLS depth: ${row(t, 'Max MPLS depth') ?? 'absent'}`),
    meter:
      Number(/max_meter:(\d+)/.exec(p.meterFeatures)?.[1] ?? '0') > 0
        ? yes(`meter-features: ${/max_meter:\d+/.exec(p.meterFeatures)?.[0]}`)
        : no('meter-features: max_meter:0 (the datapath has no meters)'),
    'tunnel.vxlan': tunnel('vxlan'),
    'tunnel.geneve': tunnel('geneve'),
    'tunnel.gre': tunnel('gre'),
    'tunnel.srv6': tunnel('srv6'),
    'dp.flow_put': yes('ovs-appctl dpctl/add-flow, dpctl/del-flow, dpctl/dump-flows'),
    'dp.miss_key': yes('upcall keys from the dpif/dpif_netdev debug log'),
  };
  return Object.fromEntries(catalogue.map((id) => [id, map[id] ?? yes('OpenFlow translation in ovs-vswitchd')]));
}
