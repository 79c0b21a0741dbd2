import { expect } from 'chai';
import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { diffFrames } from '../../harness/packet/index.js';
import { H1, H2, udp4 } from './frames.js';
import {
  expectEncap,
  freeFieldsOf,
  fromRemote,
  gtpuHeader,
  outerFrame,
  REMOTE,
  toRemote,
  underlay,
  underlayRules,
  UDP_PORT,
  udpChecksumPresent,
  vxlanHeader,
} from './tunnel-frames.js';

/**
 * VXLAN over IPv6, several VTEPs through one flow-based port (remote_ip=flow), and GTP-U (an L3
 * tunnel: the IP packet travels without its Ethernet header), after OVS's system-traffic
 * "datapath - ping over vxlan6 tunnel", "datapath - ping over gtpu tunnel" and
 * "datapath - multiple VTEPs" style tests.
 */
const inner = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'inner frame', ...o });
const vx = UDP_PORT.vxlan;
const gtp = UDP_PORT.gtpu;
/** The IP packet of an Ethernet frame (what an L3 tunnel carries). */
const l3 = (f: Buffer) => f.subarray(14);

export const tunnelVxlan6Cases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-vxlan6',
  cases: [
    defineCase({
      id: 'tunnel-vxlan6.encap-fixed',
      title: 'a VXLAN port with an IPv6 remote wraps the frame in IPv6 (hop limit 64)/UDP 4789/VXLAN with that VNI',
      features: ['tunnel.vxlan6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: REMOTE.h2.ip6, key: '600' } });
        await t.pipeline(`in_port=p1,actions=output:vx0\n${underlayRules({ udp: vx, v6: true })}`);
        await expectEncap(t, inner(), 'h2', (free) =>
          outerFrame(toRemote(t, 'h2', { v6: true, dport: vx, udpCsum: true }), free, Buffer.concat([vxlanHeader(600), inner()])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-vxlan6.encap-flow',
      title: 'on a flow-based VXLAN port set_field on tun_ipv6_dst and tun_id choose the IPv6 remote and the VNI',
      features: ['tunnel.vxlan6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' } });
        await t.pipeline(
          `in_port=p1,actions=set_field:${REMOTE.h2.ip6}->tun_ipv6_dst,set_field:0x10203->tun_id,output:vx0\n${underlayRules({ udp: vx, v6: true })}`,
        );
        await expectEncap(t, inner(), 'h2', (free) =>
          outerFrame(toRemote(t, 'h2', { v6: true, dport: vx, udpCsum: true }), free, Buffer.concat([vxlanHeader(0x10203), inner()])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-vxlan6.decap-fixed-key',
      title: 'a VXLAN port with an IPv6 remote and key=600 delivers the inner frame of VNI 600 byte for byte and drops VNI 601',
      features: ['tunnel.vxlan6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: REMOTE.h2.ip6, key: '600' } });
        await t.pipeline(`in_port=vx0,actions=output:p1\n${underlayRules({ udp: vx, v6: true })}`);
        const enc = (vni: number) => fromRemote(t, 'h2', { v6: true, dport: vx }, Buffer.concat([vxlanHeader(vni), inner()]));
        await t.expectDelivery('h2', [enc(601), enc(600)], { h1: [inner()] });
      },
    }),
  ],
};

export const tunnelMultiVtepCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-multi-vtep',
  cases: [
    defineCase({
      id: 'tunnel-multi-vtep.encap-per-flow-remote',
      title: 'one remote_ip=flow port reaches two VTEPs: set_field on tun_dst sends each flow to its own remote, with its own VNI',
      features: ['tunnel.multi_vtep', 'tunnel.vxlan'],
      endpoints: 3,
      run: async (t) => {
        await underlay(t, false, ['h2', 'h3']);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' } });
        await t.pipeline(
          [
            `udp,in_port=p1,tp_dst=2222,actions=set_field:${REMOTE.h2.ip}->tun_dst,set_field:2->tun_id,output:vx0`,
            `udp,in_port=p1,tp_dst=3333,actions=set_field:${REMOTE.h3.ip}->tun_dst,set_field:3->tun_id,output:vx0`,
            underlayRules({ udp: vx, remotes: ['h2', 'h3'] }),
          ].join('\n'),
        );
        const a = inner();
        const b = inner({ dport: 3333 });
        await expectEncap(t, a, 'h2', (free) => outerFrame(toRemote(t, 'h2', { dport: vx }), free, Buffer.concat([vxlanHeader(2), a])));
        await expectEncap(t, b, 'h3', (free) => outerFrame(toRemote(t, 'h3', { dport: vx }), free, Buffer.concat([vxlanHeader(3), b])));
      },
    }),
    defineCase({
      id: 'tunnel-multi-vtep.encap-replicate',
      title: 'one frame output twice through one flow-based port with different tun_dst reaches both VTEPs',
      features: ['tunnel.multi_vtep', 'tunnel.vxlan'],
      endpoints: 3,
      run: async (t) => {
        await underlay(t, false, ['h2', 'h3']);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' } });
        await t.pipeline(
          [
            `in_port=p1,actions=set_field:7->tun_id,set_field:${REMOTE.h2.ip}->tun_dst,output:vx0,set_field:${REMOTE.h3.ip}->tun_dst,output:vx0`,
            underlayRules({ udp: vx, remotes: ['h2', 'h3'] }),
          ].join('\n'),
        );
        const got = await t.send('h1', inner(), { expectCount: 2 });
        expect(got.get('h1') ?? [], 'frames back at h1').to.deep.equal([]);
        for (const r of ['h2', 'h3'] as const) {
          const frames = got.get(r) ?? [];
          expect(frames.length, `encapsulated frames at ${r}`).to.equal(1);
          const f = frames[0] as Buffer;
          const want = outerFrame(toRemote(t, r, { dport: vx }), freeFieldsOf(f), Buffer.concat([vxlanHeader(7), inner()]));
          expect(diffFrames(want, f), `encapsulated frame at ${r}`).to.deep.equal([]);
        }
      },
    }),
    defineCase({
      id: 'tunnel-multi-vtep.decap-by-source',
      title: 'frames from two VTEPs into one flow-based port are told apart by tun_src: h2 to p1, h3 to p2',
      features: ['tunnel.multi_vtep', 'tunnel.vxlan'],
      endpoints: 3,
      run: async (t) => {
        await underlay(t, false, ['h2', 'h3']);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' } });
        await t.pipeline(
          [
            `in_port=vx0,tun_src=${REMOTE.h2.ip},tun_id=9,actions=output:p1`,
            `in_port=vx0,tun_src=${REMOTE.h3.ip},tun_id=9,actions=output:p2`,
            underlayRules({ udp: vx, remotes: ['h2', 'h3'] }),
          ].join('\n'),
        );
        const a = inner();
        const b = inner({ payload: 'from h3' });
        await t.expectDelivery('h2', fromRemote(t, 'h2', { dport: vx }, Buffer.concat([vxlanHeader(9), a])), { h1: [a] });
        await t.expectDelivery('h3', fromRemote(t, 'h3', { dport: vx }, Buffer.concat([vxlanHeader(9), b])), { h2: [b] });
      },
    }),
  ],
};

export const tunnelGtpuCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-gtpu',
  cases: [
    defineCase({
      id: 'tunnel-gtpu.encap-teid',
      title: 'output to a GTP-U port sends the IP packet without its Ethernet header in IPv4/UDP 2152/GTP-U G-PDU with TEID = key',
      features: ['tunnel.gtpu'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gtp0', type: 'gtpu', options: { remote_ip: REMOTE.h2.ip, key: '0x1234' } });
        await t.pipeline(`in_port=p1,actions=output:gtp0\n${underlayRules({ udp: gtp })}`);
        const p = l3(inner());
        // The outer UDP checksum is optional over IPv4: none, or correct (the expected frame computes it).
        await expectEncap(t, inner(), 'h2', (free, got) =>
          outerFrame(toRemote(t, 'h2', { dport: gtp, udpCsum: udpChecksumPresent(got) }), free, Buffer.concat([gtpuHeader(0x1234, p.length), p])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-gtpu.encap-flow-teid',
      title: 'on a key=flow GTP-U port set_field on tun_id chooses the TEID',
      features: ['tunnel.gtpu'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gtp0', type: 'gtpu', options: { remote_ip: REMOTE.h2.ip, key: 'flow' } });
        await t.pipeline(`in_port=p1,actions=set_field:0xcafe0001->tun_id,output:gtp0\n${underlayRules({ udp: gtp })}`);
        const p = l3(inner());
        // The outer UDP checksum is optional over IPv4: none, or correct (the expected frame computes it).
        await expectEncap(t, inner(), 'h2', (free, got) =>
          outerFrame(toRemote(t, 'h2', { dport: gtp, udpCsum: udpChecksumPresent(got) }), free, Buffer.concat([gtpuHeader(0xcafe0001, p.length), p])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-gtpu.decap-teid',
      title:
        'a received G-PDU with TEID 0x1234 is matched on tun_id and tun_gtpu_msgtype and its IP packet delivered with the MACs the pipeline sets; TEID 0x1235 is not',
      features: ['tunnel.gtpu'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gtp0', type: 'gtpu', options: { remote_ip: REMOTE.h2.ip, key: 'flow' } });
        await t.pipeline(
          `in_port=gtp0,tun_id=0x1234,tun_gtpu_msgtype=255,actions=mod_dl_src:${H1.mac},mod_dl_dst:${H2.mac},output:p1\n${underlayRules({ udp: gtp })}`,
        );
        const p = l3(inner());
        const enc = (teid: number) => fromRemote(t, 'h2', { dport: gtp }, Buffer.concat([gtpuHeader(teid, p.length), p]));
        await t.expectDelivery('h2', [enc(0x1235), enc(0x1234)], { h1: [inner()] });
      },
    }),
  ],
};
