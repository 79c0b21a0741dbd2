import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { udp4 } from './frames.js';
import { expectEncap, fromRemote, geneveHeader, outerFrame, REMOTE, toRemote, underlay, underlayRules, UDP_PORT } from './tunnel-frames.js';

/**
 * Geneve (RFC 8926) over IPv4 and IPv6, after OVS's system-traffic "datapath - ping over geneve
 * tunnel" and "datapath - flow resubmit with geneve option": VNI, options mapped to
 * tun_metadata0 (class 0xffff, type 0x80, 4 bytes) and IPv6 underlays.
 */
const inner = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'geneve inner', ...o });
const gnv = UDP_PORT.geneve;
const TLV = '{class=0xffff,type=0x80,len=4}->tun_metadata0';
const opt = (v: number) => {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(v >>> 0);
  return { cls: 0xffff, type: 0x80, data };
};

export const tunnelGeneveCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-geneve',
  cases: [
    defineCase({
      id: 'tunnel-geneve.encap-fixed',
      title: 'output to a Geneve port with a fixed remote and key wraps the frame in IPv4/UDP 6081/Geneve (no options, protocol 0x6558) with that VNI',
      features: ['tunnel.geneve'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gnv0', type: 'geneve', options: { remote_ip: REMOTE.h2.ip, key: '0x123' } });
        await t.pipeline(`in_port=p1,actions=output:gnv0\n${underlayRules({ udp: gnv })}`);
        await expectEncap(t, inner(), 'h2', (free) => outerFrame(toRemote(t, 'h2', { dport: gnv }), free, Buffer.concat([geneveHeader(0x123), inner()])));
      },
    }),
    defineCase({
      id: 'tunnel-geneve.encap-option',
      title: 'set_field on tun_metadata0 adds the mapped Geneve option (class 0xffff, type 0x80) with its value',
      features: ['tunnel.geneve'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gnv0', type: 'geneve', options: { remote_ip: 'flow', key: 'flow' }, tlvMap: [TLV] });
        await t.pipeline(
          `in_port=p1,actions=set_field:${REMOTE.h2.ip}->tun_dst,set_field:0x77->tun_id,set_field:0xdeadbeef->tun_metadata0,output:gnv0\n${underlayRules({ udp: gnv })}`,
        );
        await expectEncap(t, inner(), 'h2', (free) =>
          outerFrame(toRemote(t, 'h2', { dport: gnv }), free, Buffer.concat([geneveHeader(0x77, [opt(0xdeadbeef)]), inner()])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-geneve.decap-fixed-key',
      title: 'a Geneve port with key=0x123 delivers the inner frame of VNI 0x123 byte for byte and drops VNI 0x124',
      features: ['tunnel.geneve'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gnv0', type: 'geneve', options: { remote_ip: REMOTE.h2.ip, key: '0x123' } });
        await t.pipeline(`in_port=gnv0,actions=output:p1\n${underlayRules({ udp: gnv })}`);
        const enc = (vni: number) => fromRemote(t, 'h2', { dport: gnv }, Buffer.concat([geneveHeader(vni), inner()]));
        await t.expectDelivery('h2', [enc(0x124), enc(0x123)], { h1: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-geneve.decap-match-option',
      title: 'tun_metadata0 matches the value of a received Geneve option: 0x11223344 goes to p1, 0x55667788 to p3, none matches neither',
      features: ['tunnel.geneve'],
      endpoints: 3,
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gnv0', type: 'geneve', options: { remote_ip: 'flow', key: 'flow' }, tlvMap: [TLV] });
        await t.pipeline(
          [
            `in_port=gnv0,tun_id=0x9,tun_metadata0=0x11223344,actions=output:p1`,
            `in_port=gnv0,tun_id=0x9,tun_metadata0=0x55667788,actions=output:p3`,
            underlayRules({ udp: gnv }),
          ].join('\n'),
        );
        const enc = (opts: ReturnType<typeof opt>[]) => fromRemote(t, 'h2', { dport: gnv }, Buffer.concat([geneveHeader(9, opts), inner()]));
        // 0x99 matches no rule (sent first: delivered, it would arrive before the expected ones).
        await t.expectDelivery('h2', [enc([opt(0x99)]), enc([opt(0x11223344)]), enc([opt(0x55667788)])], { h1: [inner()], h3: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-geneve.decap-option-after-optionless',
      title: 'a frame without the Geneve option, dropped first, does not hide the option of the next frame: that one is matched on tun_metadata0 and delivered',
      features: ['tunnel.geneve'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gnv0', type: 'geneve', options: { remote_ip: 'flow', key: 'flow' }, tlvMap: [TLV] });
        await t.pipeline([`in_port=gnv0,tun_id=0x9,tun_metadata0=0x11223344,actions=output:p1`, underlayRules({ udp: gnv })].join('\n'));
        const enc = (opts: ReturnType<typeof opt>[]) => fromRemote(t, 'h2', { dport: gnv }, Buffer.concat([geneveHeader(9, opts), inner()]));
        // First alone, so that its datapath flow is in place when the second frame comes.
        await t.expectDelivery('h2', enc([]), {});
        await t.expectDelivery('h2', enc([opt(0x11223344)]), { h1: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-geneve6.encap-fixed',
      title: 'a Geneve port with an IPv6 remote wraps the frame in IPv6 (hop limit 64)/UDP 6081/Geneve',
      features: ['tunnel.geneve6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'gnv0', type: 'geneve', options: { remote_ip: REMOTE.h2.ip6, key: '0x456' } });
        await t.pipeline(`in_port=p1,actions=output:gnv0\n${underlayRules({ udp: gnv, v6: true })}`);
        await expectEncap(t, inner(), 'h2', (free) =>
          outerFrame(toRemote(t, 'h2', { v6: true, dport: gnv, udpCsum: true }), free, Buffer.concat([geneveHeader(0x456), inner()])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-geneve6.decap-match-ipv6-src',
      title: 'over IPv6, tun_ipv6_src and tun_id are matched on a flow-based Geneve port and the inner frame delivered byte for byte',
      features: ['tunnel.geneve6'],
      endpoints: 3,
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'gnv0', type: 'geneve', options: { remote_ip: 'flow', key: 'flow' } });
        await t.pipeline(
          [
            `in_port=gnv0,tun_id=0x456,tun_ipv6_src=${REMOTE.h2.ip6},actions=output:p1`,
            `in_port=gnv0,tun_id=0x457,tun_ipv6_src=${REMOTE.h3.ip6},actions=output:p1`,
            underlayRules({ udp: gnv, v6: true }),
          ].join('\n'),
        );
        const enc = (vni: number) => fromRemote(t, 'h2', { v6: true, dport: gnv }, Buffer.concat([geneveHeader(vni), inner()]));
        await t.expectDelivery('h2', [enc(0x457), enc(0x456)], { h1: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-geneve6.encap-ttl-option',
      title: 'over IPv6, options:ttl sets the outer hop limit and tun_metadata0 the Geneve option',
      features: ['tunnel.geneve6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'gnv0', type: 'geneve', options: { remote_ip: 'flow', key: 'flow', ttl: '17' }, tlvMap: [TLV] });
        await t.pipeline(
          `in_port=p1,actions=set_field:${REMOTE.h2.ip6}->tun_ipv6_dst,set_field:0x5->tun_id,set_field:0x0a0b0c0d->tun_metadata0,output:gnv0\n${underlayRules({ udp: gnv, v6: true })}`,
        );
        await expectEncap(t, inner(), 'h2', (free) =>
          outerFrame(toRemote(t, 'h2', { v6: true, dport: gnv, udpCsum: true, ttl: 17 }), free, Buffer.concat([geneveHeader(5, [opt(0x0a0b0c0d)]), inner()])),
        );
      },
    }),
  ],
};
