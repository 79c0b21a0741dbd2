import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePacketIn13 } from './controller.js';
import { ovsFeatures } from './features.js';
import { parseDpctlShow, parseDumpPorts, parseXdpModes } from './stats.js';

/** Sections of a recorded OVS 3.1 session (afxdp on veth), split on `### title` lines. */
const recorded = new Map(
  readFileSync(fileURLToPath(new URL('../../../datapaths/ovs/fixtures/ovs-3.1-netdev-show.txt', import.meta.url)), 'utf8')
    .split(/^### /m)
    .filter(Boolean)
    .map((s) => [s.slice(0, s.indexOf('\n')), s.slice(s.indexOf('\n') + 1)] as const),
);
const section = (t: string) => recorded.get(t) ?? '';

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
      { dpFeatures: section('dpif/show-dp-features'), ifaceTypes: ['afxdp', 'vxlan', 'geneve'], meterFeatures: 'max_meter:262144', ctLimits: 'not supported' },
      ids,
    );
    expect(f['vlan.qinq']).to.deep.equal({ supported: true, how: 'Max VLAN headers: 2' });
    expect(f.ct).to.deep.equal({ supported: true, how: 'dp-features: CT state: Yes' });
    expect(f.mpls).to.deep.equal({ supported: true, how: 'Max MPLS depth: 3' });
    expect(f['tunnel.vxlan']?.supported).to.equal(true);
    expect(f['tunnel.srv6']).to.deep.equal({ supported: false, reason: "ovs-vswitchd offers no 'srv6' interface type (iface_types: afxdp vxlan geneve)" });
    expect(f['ct.zone_limit']).to.deep.equal({ supported: false, reason: 'dpctl/ct-get-limits: not supported' });
    const single = ovsFeatures({ dpFeatures: 'Max VLAN headers: 1\nCT state: No\n', ifaceTypes: [], meterFeatures: 'max_meter:0', ctLimits: true }, [
      'vlan.qinq',
      'ct',
      'meter',
    ]);
    expect(single).to.deep.equal({
      'vlan.qinq': { supported: false, reason: 'datapath probe: Max VLAN headers: 1' },
      ct: { supported: false, reason: 'datapath probe: CT state: No (conntrack)' },
      meter: { supported: false, reason: 'meter-features: max_meter:0 (the datapath has no meters)' },
    });
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
