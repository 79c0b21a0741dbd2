import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { buildLisp, buildMplsStack } from '../../harness/packet/index.js';
import { H1, H2, udp4, udp6 } from './frames.js';
import { expectEncap, fromRemote, outerFrame, REMOTE, toRemote, underlay, underlayRules, udpChecksumPresent } from './tunnel-frames.js';

/**
 * The other L3 tunnels of OVS's feature table, which carry the IP (or MPLS) packet without its
 * Ethernet header, as GTP-U does: Bareudp (the kernel's bareudp device, e.g. MPLS over UDP per
 * RFC 7510, OVS's Documentation/faq/bareudp.rst) and LISP (RFC 9300 data plane; OVS's
 * out-of-tree kernel module only). Output to such a port drops the Ethernet header; a packet
 * received on one gets an Ethernet header with zero addresses (packet_type=legacy_l3), which the
 * pipeline rewrites.
 */
const inner = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'inner packet', ...o });
/** RFC 7510's port for MPLS in UDP, the one OVS's bareudp example uses. */
const MPLS_UDP = 6635;
const LISP_DATA = 4341;
/** The IP packet of an Ethernet frame. */
const l3 = (f: Buffer) => f.subarray(14);
/** One MPLS label (bottom of stack) before `packet`: push_mpls copies the IP TTL into the label. */
const mpls = (label: number, packet: Buffer, ttl = 64) => Buffer.concat([buildMplsStack({ labels: [{ label, ttl }] }), packet]);
/** The delivered form of a decapsulated packet: the pipeline gives it h1's frame addresses. */
const SET_MACS = `mod_dl_src:${H1.mac},mod_dl_dst:${H2.mac}`;

const bareudpPort = (payloadType: string) => ({
  name: 'bu0',
  type: 'bareudp',
  options: { remote_ip: REMOTE.h2.ip, payload_type: payloadType, dst_port: String(MPLS_UDP), packet_type: 'legacy_l3' },
});

export const tunnelBareudpCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-bareudp',
  cases: [
    defineCase({
      id: 'tunnel-bareudp.encap-mpls',
      title: 'push_mpls then output to a bareudp port (payload_type=mpls) sends the labelled IP packet, no Ethernet header, in IPv4/UDP 6635',
      features: ['tunnel.bareudp', 'mpls'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(bareudpPort('mpls'));
        await t.pipeline(`in_port=p1,ip,actions=push_mpls:0x8847,set_field:100->mpls_label,output:bu0\n${underlayRules({ udp: MPLS_UDP })}`);
        // The outer UDP checksum is optional over IPv4: none, or correct (the expected frame computes it).
        await expectEncap(t, inner(), 'h2', (free, got) =>
          outerFrame(toRemote(t, 'h2', { dport: MPLS_UDP, udpCsum: udpChecksumPresent(got) }), free, mpls(100, l3(inner()))),
        );
      },
    }),
    defineCase({
      id: 'tunnel-bareudp.decap-mpls',
      title: 'MPLS in UDP 6635 from the remote is matched on its label, popped and delivered as the IP frame; another label is not',
      features: ['tunnel.bareudp', 'mpls'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(bareudpPort('mpls'));
        await t.pipeline(`in_port=bu0,mpls,mpls_label=100,actions=pop_mpls:0x0800,${SET_MACS},output:p1\n${underlayRules({ udp: MPLS_UDP })}`);
        const enc = (label: number) => fromRemote(t, 'h2', { dport: MPLS_UDP }, mpls(label, l3(inner())));
        await t.expectDelivery('h2', [enc(101), enc(100)], { h1: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-bareudp.encap-ip',
      title: 'a bareudp port with payload_type=ip carries IPv4 and IPv6 packets straight after the UDP header',
      features: ['tunnel.bareudp'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(bareudpPort('ip'));
        await t.pipeline(`in_port=p1,actions=output:bu0\n${underlayRules({ udp: MPLS_UDP })}`);
        for (const f of [inner(), udp6({ sport: 1111, dport: 2222, payload: 'inner packet' })])
          await expectEncap(t, f, 'h2', (free, got) => outerFrame(toRemote(t, 'h2', { dport: MPLS_UDP, udpCsum: udpChecksumPresent(got) }), free, l3(f)));
      },
    }),
    defineCase({
      id: 'tunnel-bareudp.decap-ip-tun-src',
      title: 'an IP packet in UDP 6635 is matched on tun_src and the inner addresses and delivered with the MACs the pipeline sets',
      features: ['tunnel.bareudp'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(bareudpPort('ip'));
        await t.pipeline(`in_port=bu0,ip,tun_src=${REMOTE.h2.ip},nw_dst=${H2.ip},actions=${SET_MACS},output:p1\n${underlayRules({ udp: MPLS_UDP })}`);
        const other = inner({ ip: { dst: '10.0.0.99' } });
        const enc = (f: Buffer) => fromRemote(t, 'h2', { dport: MPLS_UDP }, l3(f));
        await t.expectDelivery('h2', [enc(other), enc(inner())], { h1: [inner()] });
      },
    }),
  ],
};

/** The LISP data header OVS's module writes: I and L set, no nonce, tun_id as instance ID, locator-status bits 1. */
const lispHeader = (iid: number) => buildLisp({ iid, lsb: 1 });

export const tunnelLispCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-lisp',
  cases: [
    defineCase({
      id: 'tunnel-lisp.encap-iid',
      title: 'output to a LISP port with key=0x123 sends the IP packet in IPv4/UDP 4341 with instance ID 0x123',
      features: ['tunnel.lisp'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'lisp0', type: 'lisp', options: { remote_ip: REMOTE.h2.ip, key: '0x123' } });
        await t.pipeline(`in_port=p1,ip,actions=output:lisp0\n${underlayRules({ udp: LISP_DATA })}`);
        await expectEncap(t, inner(), 'h2', (free, got) =>
          outerFrame(toRemote(t, 'h2', { dport: LISP_DATA, udpCsum: udpChecksumPresent(got) }), free, Buffer.concat([lispHeader(0x123), l3(inner())])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-lisp.encap-flow-iid',
      title: 'on a key=flow LISP port set_field on tun_id chooses the instance ID (its low 24 bits)',
      features: ['tunnel.lisp'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'lisp0', type: 'lisp', options: { remote_ip: REMOTE.h2.ip, key: 'flow' } });
        await t.pipeline(`in_port=p1,ip,actions=set_field:0xabcdef->tun_id,output:lisp0\n${underlayRules({ udp: LISP_DATA })}`);
        await expectEncap(t, inner(), 'h2', (free, got) =>
          outerFrame(toRemote(t, 'h2', { dport: LISP_DATA, udpCsum: udpChecksumPresent(got) }), free, Buffer.concat([lispHeader(0xabcdef), l3(inner())])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-lisp.decap-iid',
      title: 'a LISP packet with instance ID 0x123 is matched on tun_id and delivered with the MACs the pipeline sets; instance ID 0x124 is not',
      features: ['tunnel.lisp'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'lisp0', type: 'lisp', options: { remote_ip: REMOTE.h2.ip, key: 'flow' } });
        await t.pipeline(`in_port=lisp0,tun_id=0x123,ip,actions=${SET_MACS},output:p1\n${underlayRules({ udp: LISP_DATA })}`);
        const enc = (iid: number) => fromRemote(t, 'h2', { dport: LISP_DATA }, Buffer.concat([lispHeader(iid), l3(inner())]));
        await t.expectDelivery('h2', [enc(0x124), enc(0x123)], { h1: [inner()] });
      },
    }),
  ],
};
