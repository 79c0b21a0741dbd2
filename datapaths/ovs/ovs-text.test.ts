import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePacketIn13 } from './controller.js';
import { ovsFeatures } from './features.js';
import { parseMeterStats } from './groups-meters.js';
import type { TunnelProbe } from './tunnel-ports.js';
import { parseDpctlShow, parseDumpPorts, parseXdpModes } from './stats.js';

/** Sections of a recorded OVS 3.1 session (afxdp on veth), split on `### title` lines. */
const recorded = new Map(
  readFileSync(fileURLToPath(new URL('../../../datapaths/ovs/fixtures/ovs-3.1-netdev-show.txt', import.meta.url)), 'utf8')
    .split(/^### /m)
    .filter(Boolean)
    .map((s) => [s.slice(0, s.indexOf('\n')), s.slice(s.indexOf('\n') + 1)] as const),
);
const section = (t: string) => recorded.get(t) ?? '';

/** The tunnel probe of the userspace datapath on this host's OVS. */
const userspace: TunnelProbe = { datapathType: 'netdev', ovsVersion: '3.1.0', ipv6: true, kernelPorts: {} };

describe('OVS text outputs', () => {
  it('reads lookups and flow count from dpctl/show', () => {
    expect(parseDpctlShow(section('dpctl/show'))).to.deep.equal({ hits: 0, misses: 1, lost: 0, flows: 1 });
    expect(() => parseDpctlShow('ovs-vswitchd: no such datapath')).to.throw('dpctl/show: no lookups/flows lines');
  });

  it('reads the XDP mode each afxdp port really got', () => {
    expect([...parseXdpModes(section('dpctl/show'))]).to.deep.equal([
      ['dlfff003dp1', 'native'],
      ['dlfff003dp2', 'native'],
    ]);
  });

  it('reads port counters by OpenFlow port, "?" as 0, LOCAL left out', () => {
    const ports = parseDumpPorts(
      section('ovs-ofctl dump-ports'),
      new Map([
        [1, 'p1'],
        [2, 'p2'],
      ]),
    );
    expect(ports).to.deep.equal([
      { name: 'p1', ofport: 1, rxPackets: 1, rxBytes: 28, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 },
      { name: 'p2', ofport: 2, rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 1, txBytes: 42, txDropped: 0 },
    ]);
  });

  it('derives feature support from the datapath probes, with the probe as reason', () => {
    const ids = ['l2.output', 'vlan.qinq', 'ct', 'mpls', 'tunnel.srv6', 'tunnel.vxlan', 'meter', 'ct.zone_limit'];
    const f = ovsFeatures(
      {
        dpFeatures: section('dpif/show-dp-features'),
        ifaceTypes: ['afxdp', 'vxlan', 'geneve'],
        meterFeatures: 'max_meter:262144',
        ctLimits: 'not supported',
        tunnels: userspace,
      },
      ids,
    );
    expect(f['vlan.qinq']).to.deep.equal({ supported: true, how: 'Max VLAN headers: 2' });
    expect(f.ct).to.deep.equal({ supported: true, how: 'dp-features: CT state: Yes; dp-features: CT zone: Yes' });
    expect(f.mpls).to.deep.equal({ supported: true, how: 'Max MPLS depth: 3' });
    expect(f['tunnel.vxlan']?.supported).to.equal(true);
    expect(f['tunnel.srv6']).to.deep.equal({
      supported: false,
      reason: "ovs-vswitchd offers no 'srv6' interface type (iface_types: afxdp vxlan geneve); needs OVS >= 3.2, ovs-vswitchd --version: 3.1.0",
    });
    expect(f['ct.zone_limit']).to.deep.equal({ supported: false, reason: 'dpctl/ct-get-limits: not supported' });
    const single = ovsFeatures(
      { dpFeatures: 'Max VLAN headers: 1\nCT state: No\n', ifaceTypes: [], meterFeatures: 'max_meter:0', ctLimits: true, tunnels: userspace },
      ['vlan.qinq', 'ct', 'meter'],
    );
    expect(single).to.deep.equal({
      'vlan.qinq': { supported: false, reason: 'datapath probe: Max VLAN headers: 1' },
      ct: { supported: false, reason: 'datapath probe: CT state: No (conntrack)' },
      meter: { supported: false, reason: 'meter-features: max_meter:0 (the datapath has no meters)' },
    });
  });

  it('answers MPLS, QinQ, masked set and SCTP from their probe rows', () => {
    const ids = ['mpls', 'vlan.qinq', 'set.masked', 'sctp'];
    const recordedRows = ovsFeatures(
      { dpFeatures: section('dpif/show-dp-features'), ifaceTypes: [], meterFeatures: '', ctLimits: true, tunnels: userspace },
      ids,
    );
    expect(recordedRows['set.masked']).to.deep.equal({ supported: true, how: 'dp-features: Masked set action: Yes' });
    expect(recordedRows.sctp?.supported).to.equal(true);
    const old = ovsFeatures(
      { dpFeatures: 'Masked set action: No\nMax VLAN headers: 1\nMax MPLS depth: 0\n', ifaceTypes: [], meterFeatures: '', ctLimits: true, tunnels: userspace },
      ids,
    );
    expect(old.mpls).to.deep.equal({ supported: false, reason: 'datapath probe: Max MPLS depth: 0' });
    expect(old['vlan.qinq']).to.deep.equal({ supported: false, reason: 'datapath probe: Max VLAN headers: 1' });
    expect(old['set.masked']).to.deep.equal({ supported: false, reason: 'datapath probe: Masked set action: No (masked set_field)' });
  });

  it('answers recirc, check_pkt_len, clone and truncate from their dp-features rows', () => {
    const ids = ['recirc', 'check_pkt_len', 'clone', 'truncate', 'multitable', 'group.all', 'group.select', 'learn'];
    const base = { ifaceTypes: [], meterFeatures: '', ctLimits: true as const, tunnels: userspace };
    const f = ovsFeatures({ ...base, dpFeatures: section('dpif/show-dp-features') }, ids);
    expect(f.recirc).to.deep.equal({ supported: true, how: 'dp-features: Recirc: Yes' });
    expect(f.check_pkt_len).to.deep.equal({ supported: true, how: 'dp-features: Check pkt length action: Yes' });
    expect(f.clone).to.deep.equal({ supported: true, how: 'dp-features: Clone action: Yes' });
    expect(f.truncate).to.deep.equal({ supported: true, how: 'dp-features: Truncate action: Yes' });
    for (const id of ['multitable', 'group.all', 'group.select', 'learn'])
      expect(f[id], id).to.deep.equal({ supported: true, how: 'OpenFlow translation in ovs-vswitchd' });
    const old = ovsFeatures({ ...base, dpFeatures: 'Recirc: No\nClone action: No\nTruncate action: No\n' }, ['recirc', 'check_pkt_len', 'clone', 'truncate']);
    expect(old).to.deep.equal({
      recirc: { supported: false, reason: 'datapath probe: Recirc: No (recirculation)' },
      check_pkt_len: { supported: false, reason: "dpif/show-dp-features has no 'Check pkt length action' row" },
      clone: { supported: false, reason: 'datapath probe: Clone action: No (clone)' },
      truncate: { supported: false, reason: 'datapath probe: Truncate action: No (output with max_len)' },
    });
  });

  it('answers tunnel rows from iface_types, the OVS version, IPv6 and the kernel probe ports', () => {
    const ids = ['tunnel.vxlan', 'tunnel.vxlan6', 'tunnel.gre', 'tunnel.gtpu', 'tunnel.lisp', 'tunnel.bareudp', 'tunnel.srv6', 'tunnel.multi_vtep'];
    const types = ['afxdp', 'bareudp', 'erspan', 'geneve', 'gre', 'gtpu', 'internal', 'ip6erspan', 'ip6gre', 'lisp', 'stt', 'system', 'tap', 'vxlan'];
    const base = { dpFeatures: '', ifaceTypes: types, meterFeatures: '', ctLimits: true } as const;
    const u = ovsFeatures({ ...base, tunnels: userspace }, ids);
    expect(u['tunnel.vxlan']).to.deep.equal({ supported: true, how: 'iface type vxlan; userspace native tunneling (OVS 3.1.0)' });
    expect(u['tunnel.gtpu']?.supported).to.equal(true);
    expect(u['tunnel.lisp']).to.deep.equal({
      supported: false,
      reason: "iface_types offers 'lisp', but the userspace datapath has no native lisp tunneling (ovs-vswitchd 3.1.0: no header builder)",
    });
    expect(u['tunnel.bareudp']?.supported).to.equal(false);
    const k = ovsFeatures(
      {
        ...base,
        tunnels: {
          datapathType: 'system',
          ovsVersion: '3.1.0',
          ipv6: "the DUT namespace's kernel has no IPv6 (sysctl net.ipv6.conf.default.disable_ipv6: unknown key)",
          kernelPorts: {
            vxlan: true,
            gre: 'probe port type=gre: ofport -1, error "could not add network device gre"',
            gtpu: 'probe port type=gtpu: ofport -1, error x',
          },
        },
      },
      ids,
    );
    expect(k['tunnel.vxlan']).to.deep.equal({ supported: true, how: 'iface type vxlan; kernel probe port created' });
    expect(k['tunnel.vxlan6']).to.deep.equal({
      supported: false,
      reason: "IPv6 underlay: the DUT namespace's kernel has no IPv6 (sysctl net.ipv6.conf.default.disable_ipv6: unknown key)",
    });
    expect(k['tunnel.gre']).to.deep.equal({
      supported: false,
      reason: 'kernel datapath: probe port type=gre: ofport -1, error "could not add network device gre"',
    });
    expect(k['tunnel.multi_vtep']?.supported).to.equal(true);
    expect(k['tunnel.lisp']).to.deep.equal({ supported: false, reason: 'no kernel probe port of type lisp' });
  });

  it('answers the conntrack rows from dp-features, ipf-get-status and the kernel defrag modules', () => {
    const ids = ['ct', 'ct.ipv6', 'ct.nat', 'ct.nat6', 'ct.timeout', 'ct.frag', 'ct.frag6'];
    const base = { ifaceTypes: [], meterFeatures: 'max_meter:0', ctLimits: true as const, tunnels: userspace };
    const ipf = '\tFragmentation Module Status\n\t---------------------------\n\tv4 enabled: 1\n\tv6 enabled: 0\n';
    const f = ovsFeatures(
      {
        ...base,
        dpFeatures: section('dpif/show-dp-features'),
        ct: { datapathType: 'netdev', ipfStatus: ipf, kernelDefrag: { v4: 'userspace datapath', v6: 'userspace datapath' } },
      },
      ids,
    );
    expect(f['ct.ipv6']).to.deep.equal({
      supported: true,
      how: 'dp-features: CT state: Yes; dp-features: CT zone: Yes; dp-features: CT orig tuple for IPv6: Yes',
    });
    expect(f['ct.nat6']?.supported).to.equal(true);
    expect(f['ct.timeout']).to.deep.equal({
      supported: true,
      how: 'dp-features: CT state: Yes; dp-features: CT zone: Yes; dp-features: Conntrack timeout policy: Yes',
    });
    expect(f['ct.frag']).to.deep.equal({ supported: true, how: 'dp-features: CT state: Yes; dp-features: CT zone: Yes; dpctl/ipf-get-status: v4 enabled: 1' });
    expect(f['ct.frag6']).to.deep.equal({ supported: false, reason: 'dpctl/ipf-get-status: v6 enabled: 0' });
    const kernel = ovsFeatures(
      {
        ...base,
        dpFeatures: 'CT state: Yes\nCT zone: Yes\nCT state NAT: Yes\nCT orig tuple for IPv6: No\nConntrack timeout policy: No\n',
        ct: {
          datapathType: 'system',
          ipfStatus: 'error: ipf-get-status failed (Operation not supported)',
          kernelDefrag: { v4: true, v6: 'nf_defrag_ipv6 is not loaded' },
        },
      },
      ids,
    );
    expect(kernel['ct.nat']?.supported).to.equal(true);
    expect(kernel['ct.nat6']).to.deep.equal({ supported: false, reason: 'datapath probe: CT orig tuple for IPv6: No (IPv6 connection tuples)' });
    expect(kernel['ct.timeout']).to.deep.equal({ supported: false, reason: 'datapath probe: Conntrack timeout policy: No (timeout policies)' });
    expect(kernel['ct.frag']).to.deep.equal({ supported: true, how: 'dp-features: CT state: Yes; dp-features: CT zone: Yes; kernel nf_defrag_ipv4 present' });
    expect(kernel['ct.frag6']).to.deep.equal({ supported: false, reason: 'kernel datapath: nf_defrag_ipv6 is not loaded' });
    const unprobed = ovsFeatures({ ...base, dpFeatures: 'CT state: Yes\nCT zone: Yes\n' }, ['ct.frag']);
    // The Debian UML kernel (CONFIG_NF_CONNTRACK_ZONES unset): OVS still puts a zone in every ct() action.
    const noZones = ovsFeatures({ ...base, dpFeatures: 'CT state: Yes\nCT zone: No\nCT state NAT: Yes\n' }, ['ct', 'ct.nat']);
    expect(noZones.ct).to.deep.equal({ supported: false, reason: 'datapath probe: CT zone: No (conntrack zones; every ct() action carries one)' });
    expect(noZones['ct.nat']).to.deep.equal(noZones.ct);
    expect(unprobed['ct.frag']).to.deep.equal({ supported: false, reason: 'fragment reassembly not probed' });
  });

  it('answers meters, port QoS, sFlow, IPFIX and bonds from meter-features, the port type, tc modules and Sample nesting', () => {
    const ids = ['meter', 'qos.policing', 'qos.shaping', 'sflow', 'ipfix', 'bonding'];
    const base = { ifaceTypes: [], ctLimits: true as const, tunnels: userspace };
    const meterText = 'max_meter:262144 max_bands:8 max_color:0\nband_types: drop\ncapabilities: kbps pktps burst stats\n';
    const qosTypes = ['linux-htb', 'linux-hfsc', 'linux-noop'];
    const kernel = ovsFeatures(
      {
        ...base,
        dpFeatures: 'Sample nesting: 10\n',
        meterFeatures: meterText,
        qos: {
          datapathType: 'system',
          port: 'dp1',
          portType: '',
          qosTypes,
          modules: { act_police: 'loadable (act_police.ko)', sch_htb: 'built in (modules.builtin)' },
        },
      },
      ids,
    );
    expect(kernel).to.deep.equal({
      meter: { supported: true, how: 'meter-features: max_meter:262144, band_types: drop' },
      'qos.policing': { supported: true, how: 'tc ingress police on dp1: act_police loadable (act_police.ko)' },
      'qos.shaping': { supported: true, how: 'qos/show-types dp1: linux-htb; sch_htb built in (modules.builtin)' },
      sflow: { supported: true, how: 'dp-features: Sample nesting: 10 (sFlow via sample+userspace)' },
      ipfix: { supported: true, how: 'dp-features: Sample nesting: 10 (IPFIX via sample+userspace)' },
      bonding: { supported: true, how: 'bonds are ovs-vswitchd ofproto bundles over any datapath (bond/show, bond/set-active-member)' },
    });
    const noPolice = ovsFeatures(
      { ...base, dpFeatures: '', meterFeatures: meterText, qos: { datapathType: 'system', port: 'dp1', portType: '', qosTypes, modules: { sch_htb: 'x' } } },
      ['qos.policing', 'sflow'],
    );
    expect(noPolice['qos.policing']).to.deep.equal({
      supported: false,
      reason: "act_police (the tc police action ingress_policing_rate needs): not loaded, not built in, not found by the kernel's modprobe -n",
    });
    expect(noPolice.sflow).to.deep.equal({ supported: false, reason: 'datapath probe: Sample nesting: absent (sFlow)' });
    const afxdp = ovsFeatures(
      {
        ...base,
        dpFeatures: '',
        meterFeatures: 'max_meter:4\nband_types: dscp_remark\n',
        qos: { datapathType: 'netdev', port: 'dp1', portType: 'afxdp', qosTypes, modules: {} },
      },
      ['meter', 'qos.policing', 'qos.shaping'],
    );
    expect(afxdp.meter).to.deep.equal({ supported: false, reason: 'meter-features: band_types: dscp_remark (no drop band)' });
    expect(afxdp['qos.policing']?.supported).to.equal(false);
    expect(afxdp['qos.policing'])
      .to.have.property('reason')
      .that.matches(/^Interface dp1 type=afxdp: .*act_police: absent/);
    expect(afxdp['qos.shaping'])
      .to.have.property('reason')
      .that.matches(/^Interface dp1 type=afxdp: qos\/show-types lists linux-htb/);
  });

  it('reads one meter of meter-stats: its counters and its bands', () => {
    const text =
      'OFPST_METER reply (OF1.3) (xid=0x2):\nmeter:1 flow_count:1 packet_in_count:3001 byte_in_count:180060 duration:2.229s bands:\n0: packet_count:1909 byte_count:114540\n';
    expect(parseMeterStats(text, 1)).to.deep.equal({ flowCount: 1, packetsIn: 3001, bytesIn: 180060, bands: [{ packets: 1909, bytes: 114540 }] });
    expect(parseMeterStats(text, 2)).to.equal(undefined);
  });

  it('decodes an OpenFlow 1.3 packet-in with its in_port OXM', () => {
    const data = Buffer.from('0add000000020add0000000188b578', 'hex');
    const match = Buffer.from('0001000c800000040000000100000000', 'hex'); // type OXM, len 12, in_port=1, padded to 16
    const body = Buffer.concat([Buffer.from('ffffffff000f0100' + '0000000000000000', 'hex'), match, Buffer.alloc(2), data]);
    const head = Buffer.from([4, 10, 0, 0, 0, 0, 0, 7]);
    head.writeUInt16BE(8 + body.length, 2);
    expect(parsePacketIn13(Buffer.concat([head, body]))).to.deep.equal({ inPort: 1, reason: 'action', tableId: 0, data });
    expect(parsePacketIn13(head)).to.equal(undefined);
  });
});
