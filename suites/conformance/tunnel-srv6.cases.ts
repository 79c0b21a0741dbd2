import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { buildFrame, buildPacket } from '../../harness/packet/index.js';
import { H1, H2, udp4, udp6 } from './frames.js';
import { expectEncap, REMOTE, SENT_FREE, underlay, VTEP } from './tunnel-frames.js';

/**
 * SRv6 (seed 004): `type=srv6` ports, which OVS's userspace datapath has from 3.2 on
 * (lib/netdev-native-tnl.c, netdev_srv6_build_header/pop_header). An L3 tunnel: the inner IP
 * packet, without its Ethernet header, behind an outer IPv6 header and a segment routing header
 * (RFC 8754) whose segment list is the port's srv6_segs in reverse (the final segment first) and
 * whose segments left point at the first segment, the outer destination. On decapsulation OVS
 * gives the packet an Ethernet header for the OpenFlow pipeline (legacy_l3), which the pipeline
 * addresses. With Debian's OVS 3.1 these cases are unsupported, citing the version and iface_types;
 * they run once a newer OVS is on the PATH.
 */
const FINAL = 'fc00:31::99';
const inner4 = () => udp4({ sport: 1111, dport: 2222, payload: 'inner packet' });
const inner6 = () => udp6({ sport: 1111, dport: 2222, payload: 'inner packet' });
/** The IP packet of a frame (its Ethernet header cut). */
const l3 = (frame: Buffer) => frame.subarray(14);

/** The underlay rules: IPv6 from LOCAL to h2 out of p2, IPv6 from h2 to the VTEP into LOCAL. */
const UNDERLAY = [`ipv6,in_port=LOCAL,ipv6_dst=${REMOTE.h2.ip6},actions=output:p2`, `ipv6,in_port=p2,ipv6_dst=${VTEP.ip6},actions=output:LOCAL`].join('\n');

/** The encapsulated frame the VTEP sends to h2 for `packet` (IPv4: next header 4, IPv6: 41). */
function srv6Frame(
  t: CaseContext,
  o: { src: string; dst: string; srcMac: string; dstMac: string; flowLabel: number },
  segments: readonly string[],
  packet: Buffer,
): Buffer {
  const nextHeader = (packet[0] ?? 0) >> 4 === 6 ? 41 : 4;
  return buildFrame({
    src: o.srcMac,
    dst: o.dstMac,
    ipv6: {
      src: o.src,
      dst: o.dst,
      hopLimit: 64,
      flowLabel: o.flowLabel,
      extensions: [{ type: 'srh', segments: [...segments], segmentsLeft: segments.length - 1, nextHeader }],
    },
    payload: packet,
  });
}

async function srv6Port(t: CaseContext, segs: string): Promise<void> {
  await underlay(t, true);
  await t.sw.tunnelPort({ name: 'srv0', type: 'srv6', options: { remote_ip: REMOTE.h2.ip6, srv6_segs: segs } });
}

export const tunnelSrv6Cases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-srv6',
  cases: [
    defineCase({
      id: 'tunnel-srv6.encap-two-segments',
      title: 'output to an srv6 port with two segments sends IPv6 + SRH (final segment first, segments left 1) + the inner IPv4 packet to the first segment',
      features: ['tunnel.srv6'],
      run: async (t) => {
        await srv6Port(t, `${REMOTE.h2.ip6},${FINAL}`);
        await t.pipeline(`in_port=p1,ip,actions=output:srv0\n${UNDERLAY}`);
        const outer = { src: VTEP.ip6, dst: REMOTE.h2.ip6, srcMac: VTEP.mac, dstMac: t.mac('h2') };
        await expectEncap(t, inner4(), 'h2', (free) => srv6Frame(t, { ...outer, flowLabel: free.flowLabel }, [FINAL, REMOTE.h2.ip6], l3(inner4())));
      },
    }),
    defineCase({
      id: 'tunnel-srv6.encap-ipv6-inner',
      title: 'an inner IPv6 packet goes behind the SRH with next header 41, its hop limit untouched',
      features: ['tunnel.srv6', 'match.ipv6'],
      run: async (t) => {
        await srv6Port(t, REMOTE.h2.ip6);
        await t.pipeline(`in_port=p1,ipv6,actions=output:srv0\n${UNDERLAY}`);
        const outer = { src: VTEP.ip6, dst: REMOTE.h2.ip6, srcMac: VTEP.mac, dstMac: t.mac('h2') };
        await expectEncap(t, inner6(), 'h2', (free) => srv6Frame(t, { ...outer, flowLabel: free.flowLabel }, [REMOTE.h2.ip6], l3(inner6())));
      },
    }),
    defineCase({
      id: 'tunnel-srv6.decap-to-port',
      title: 'a packet from h2 to the VTEP with segments left 0 is decapsulated: the inner IPv4 packet reaches h1 in the Ethernet header the pipeline gives it',
      features: ['tunnel.srv6'],
      run: async (t) => {
        await srv6Port(t, REMOTE.h2.ip6);
        await t.pipeline(`in_port=srv0,ip,actions=mod_dl_src:${H2.mac},mod_dl_dst:${H1.mac},output:p1\n${UNDERLAY}`);
        const packet = buildPacket({ ipv4: { src: H2.ip, dst: H1.ip, ttl: 64, id: 0x4242 }, udp: { sport: 2222, dport: 1111 }, payload: 'from h2' });
        const sent = srv6Frame(
          t,
          { src: REMOTE.h2.ip6, dst: VTEP.ip6, srcMac: t.mac('h2'), dstMac: VTEP.mac, flowLabel: SENT_FREE.flowLabel },
          [VTEP.ip6],
          packet,
        );
        const delivered = buildFrame({ src: H2.mac, dst: H1.mac, ethertype: 0x0800, payload: packet });
        await t.expectDelivery('h2', sent, { h1: [delivered] });
      },
    }),
  ],
};
