import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { icmp4, icmp6, tcp4, udp4, udp6 } from './frames.js';

/**
 * Expected frames are built, not patched: the builder computes IPv4 header and L4 checksums,
 * so a byte-for-byte match proves the datapath fixed up every checksum its rewrite touched.
 */
const u = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'set field', ...o });
const t4 = (o: Parameters<typeof tcp4>[0] = {}) => tcp4({ sport: 40000, dport: 80, flags: 'PA', seq: 1000, ack: 2000, payload: 'GET /', ...o });

export const setCases: CaseGroup = {
  suite: 'conformance',
  name: 'set',
  cases: [
    defineCase({
      id: 'set.eth-src',
      title: 'mod_dl_src rewrites the source MAC only',
      features: ['set.eth'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=mod_dl_src:0a:dd:00:00:aa:01,output:p2');
        await t.expectDelivery('h1', u(), { h2: [u({ src: '0a:dd:00:00:aa:01' })] });
      },
    }),
    defineCase({
      id: 'set.eth-dst',
      title: 'set_field eth_dst rewrites the destination MAC only',
      features: ['set.eth'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=set_field:0a:dd:00:00:bb:02->eth_dst,output:p2');
        await t.expectDelivery('h1', u(), { h2: [u({ dst: '0a:dd:00:00:bb:02' })] });
      },
    }),
    defineCase({
      id: 'set.eth-both-tagged',
      title: 'both MACs are rewritten on a VLAN-tagged frame, the tag untouched',
      features: ['set.eth', 'match.vlan'],
      run: async (t) => {
        await t.pipeline('in_port=p1,dl_vlan=5,actions=mod_dl_src:0a:dd:00:00:aa:01,mod_dl_dst:0a:dd:00:00:bb:02,output:p2');
        const vlans = [{ vid: 5 }];
        await t.expectDelivery('h1', u({ vlans }), { h2: [u({ vlans, src: '0a:dd:00:00:aa:01', dst: '0a:dd:00:00:bb:02' })] });
      },
    }),
    defineCase({
      id: 'set.ipv4-src-udp',
      title: 'mod_nw_src rewrites the IPv4 source and fixes the IP and UDP checksums',
      features: ['set.ipv4'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=mod_nw_src:192.0.2.77,output:p2');
        await t.expectDelivery('h1', u(), { h2: [u({ ip: { src: '192.0.2.77' } })] });
      },
    }),
    defineCase({
      id: 'set.ipv4-dst-tcp',
      title: 'set_field ip_dst rewrites the IPv4 destination and fixes the TCP checksum',
      features: ['set.ipv4'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=set_field:198.51.100.9->ip_dst,output:p2');
        await t.expectDelivery('h1', t4(), { h2: [t4({ ip: { dst: '198.51.100.9' } })] });
      },
    }),
    defineCase({
      id: 'set.ipv4-dst-icmp',
      title: 'rewriting the IPv4 destination of ICMP fixes the IP checksum and leaves ICMP alone',
      features: ['set.ipv4'],
      run: async (t) => {
        await t.pipeline('icmp,in_port=p1,actions=mod_nw_dst:10.9.9.9,output:p2');
        await t.expectDelivery('h1', icmp4({ type: 8, id: 7, seq: 1 }), { h2: [icmp4({ type: 8, id: 7, seq: 1, ip: { dst: '10.9.9.9' } })] });
      },
    }),
    defineCase({
      id: 'set.ip-tos',
      title: 'mod_nw_tos sets the DSCP bits and keeps ECN',
      features: ['set.ip_tos'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=mod_nw_tos:0xb8,output:p2');
        await t.expectDelivery('h1', u({ ip: { tos: 0x01 } }), { h2: [u({ ip: { tos: 0xb9 } })] });
      },
    }),
    defineCase({
      id: 'set.ip-dscp-field',
      title: 'set_field ip_dscp writes the DSCP of TCP traffic, keeps ECN and fixes the IP checksum (TCP has no IP fields in its sum)',
      features: ['set.ip_tos'],
      run: async (t) => {
        await t.pipeline('tcp,in_port=p1,actions=set_field:46->ip_dscp,output:p2');
        await t.expectDelivery('h1', t4({ ip: { tos: 0x02 } }), { h2: [t4({ ip: { tos: (46 << 2) | 0x02 } })] });
      },
    }),
    defineCase({
      id: 'set.ip-ttl',
      title: 'mod_nw_ttl sets the TTL and fixes the header checksum',
      features: ['set.ipv4'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=mod_nw_ttl:9,output:p2');
        await t.expectDelivery('h1', u(), { h2: [u({ ip: { ttl: 9 } })] });
      },
    }),
    defineCase({
      id: 'set.dec-ttl-ipv4',
      title: 'dec_ttl turns TTL 64 into 63 with a correct header checksum',
      features: ['dec_ttl'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=dec_ttl,output:p2');
        await t.expectDelivery('h1', u({ ip: { ttl: 64 } }), { h2: [u({ ip: { ttl: 63 } })] });
      },
    }),
    defineCase({
      id: 'set.dec-ttl-ipv6',
      title: 'dec_ttl turns hop limit 64 into 63 on IPv6',
      features: ['dec_ttl', 'match.ipv6'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=dec_ttl,output:p2');
        const f = (hlim: number) => udp6({ sport: 1, dport: 2, payload: 'hl', ip6: { hlim } });
        await t.expectDelivery('h1', f(64), { h2: [f(63)] });
      },
    }),
    defineCase({
      id: 'set.dec-ttl-expired',
      title: 'dec_ttl on TTL 1 does not forward the packet',
      features: ['dec_ttl'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=dec_ttl,output:p2');
        await t.expectDelivery('h1', u({ ip: { ttl: 1 } }), {});
      },
    }),
    defineCase({
      id: 'set.udp-dst',
      title: 'mod_tp_dst rewrites the UDP destination port and fixes the checksum',
      features: ['set.l4'],
      run: async (t) => {
        await t.pipeline('udp,in_port=p1,actions=mod_tp_dst:5353,output:p2');
        await t.expectDelivery('h1', u(), { h2: [u({ dport: 5353 })] });
      },
    }),
    defineCase({
      id: 'set.tcp-src',
      title: 'set_field tcp_src rewrites the TCP source port and fixes the checksum',
      features: ['set.l4'],
      run: async (t) => {
        await t.pipeline('tcp,in_port=p1,actions=set_field:12345->tcp_src,output:p2');
        await t.expectDelivery('h1', t4(), { h2: [t4({ sport: 12345 })] });
      },
    }),
    defineCase({
      id: 'set.udp-zero-checksum',
      title: 'a UDP/IPv4 datagram without checksum (0) keeps checksum 0 after a port rewrite',
      features: ['set.l4'],
      run: async (t) => {
        await t.pipeline('udp,in_port=p1,actions=mod_tp_src:9999,output:p2');
        await t.expectDelivery('h1', u({ zeroChecksum: true }), { h2: [u({ sport: 9999, zeroChecksum: true })] });
      },
    }),
    defineCase({
      id: 'set.nat-like',
      title: 'rewriting IPv4 source and TCP source port together yields valid checksums',
      features: ['set.ipv4', 'set.l4'],
      run: async (t) => {
        await t.pipeline('tcp,in_port=p1,actions=mod_nw_src:203.0.113.5,mod_tp_src:61000,output:p2');
        await t.expectDelivery('h1', t4(), { h2: [t4({ sport: 61000, ip: { src: '203.0.113.5' } })] });
      },
    }),
    defineCase({
      id: 'set.ipv6-src',
      title: 'set_field ipv6_src rewrites the IPv6 source and fixes the UDP checksum',
      features: ['set.ipv6'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=set_field:2001:db8::99->ipv6_src,output:p2');
        const f = (src?: string) => udp6({ sport: 1, dport: 2, payload: 'v6 set', ...(src ? { ip6: { src } } : {}) });
        await t.expectDelivery('h1', f(), { h2: [f('2001:db8::99')] });
      },
    }),
    defineCase({
      id: 'set.ipv6-dst-icmp6',
      title: 'set_field ipv6_dst on an ICMPv6 echo fixes its checksum, which covers the addresses (RFC 4443 pseudo-header)',
      features: ['set.ipv6'],
      run: async (t) => {
        await t.pipeline('icmp6,in_port=p1,actions=set_field:2001:db8::99->ipv6_dst,output:p2');
        await t.expectDelivery('h1', icmp6(), { h2: [icmp6({ ip6: { dst: '2001:db8::99' } })] });
      },
    }),
    defineCase({
      id: 'set.udp6-port',
      title: 'rewriting a UDP port over IPv6 fixes the checksum',
      features: ['set.l4', 'match.ipv6'],
      run: async (t) => {
        await t.pipeline('udp6,in_port=p1,actions=set_field:4789->udp_dst,output:p2');
        const f = (dport: number) => udp6({ sport: 1, dport, payload: 'v6 port' });
        await t.expectDelivery('h1', f(2), { h2: [f(4789)] });
      },
    }),
  ],
};
