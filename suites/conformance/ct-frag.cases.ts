import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { FIREWALL, NOTHING, back4, back6, out4, out6 } from './ct.cases.js';
import { fragments4, fragments6 } from './ct-frames.js';

/**
 * IP fragments through ct(): the connection tracker reassembles a datagram before tracking it
 * (the kernel's nf_defrag, the userspace datapath's ipf), and what leaves is the datagram cut
 * exactly as it came, whatever order its fragments came in. Each datagram has its own IP ID (or
 * IPv6 fragment identification), so a fragment a case leaves behind cannot join another's.
 */

/** A payload of `size` bytes with a recognisable byte pattern. */
const pattern = (size: number, seed: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + seed) & 0xff));

/**
 * Fragment sizes: a non-last fragment carries 1400 bytes of IP payload (1420-byte IPv4, 1448-byte
 * IPv6 packets), above OVS userspace's minimum fragment sizes (ipf: 1200 for IPv4, 1280 for IPv6
 * by default) and within a 1500-byte MTU; the kernel refragments to the largest fragment it saw,
 * so equal-sized fragments come out cut exactly where they were cut.
 */
const FRAG = 1400;

export const ctFragCases: CaseGroup = {
  suite: 'conformance',
  name: 'ct-frag',
  cases: [
    // ---- IPv4 fragments ----
    defineCase({
      id: 'ct.frag-reassembled-port-match',
      title: 'a UDP datagram in two fragments is reassembled by ct(), matched on its ports, and leaves as the same two fragments',
      features: ['ct', 'ct.frag', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,udp,tp_dst=2000,actions=ct(commit),output:p2',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        // Only the first fragment carries the UDP header: a port match needs the whole datagram.
        const blocked = fragments4(out4({ dport: 2001, ip: { id: 0x1001 }, payload: pattern(1600, 1) }), [FRAG]);
        await t.expectDelivery('h1', blocked, {}, NOTHING);
        const frags = fragments4(out4({ ip: { id: 0x1002 }, payload: pattern(1600, 2) }), [FRAG]);
        await t.expectDelivery('h1', frags, { h2: frags });
      },
    }),
    defineCase({
      id: 'ct.frag-out-of-order',
      title: 'three fragments sent last-first are reassembled and leave in order',
      features: ['ct', 'ct.frag', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ip,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,udp,actions=ct(commit),output:p2',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const frags = fragments4(out4({ ip: { id: 0x1003 }, payload: pattern(2992, 3) }), [FRAG, 2 * FRAG]);
        await t.expectDelivery('h1', [...frags].reverse(), { h2: frags });
      },
    }),
    defineCase({
      id: 'ct.frag-commit-then-reply',
      title: 'a fragmented datagram committed by ct(commit) makes the reply +est',
      features: ['ct', 'ct.frag', 'recirc'],
      run: async (t) => {
        await t.pipeline(FIREWALL);
        const frags = fragments4(out4({ ip: { id: 0x1004 }, payload: pattern(1600, 4) }), [FRAG]);
        await t.expectDelivery('h1', frags, { h2: frags });
        await t.expectDelivery('h2', back4(), { h1: [back4()] });
      },
    }),
    defineCase({
      id: 'ct.frag-incomplete-held',
      title: 'a datagram missing its last fragment never leaves: ct() holds the first one',
      features: ['ct', 'ct.frag', 'recirc'],
      run: async (t) => {
        await t.pipeline(['table=0,priority=10,ip,actions=ct(table=1)', 'table=1,priority=10,ct_state=+trk,actions=output:p2'].join('\n'));
        const [first] = fragments4(out4({ ip: { id: 0x1005 }, payload: pattern(1600, 5) }), [FRAG]);
        await t.expectDelivery('h1', first!, {}, NOTHING);
        const whole = out4({ payload: 'unfragmented' });
        await t.expectDelivery('h1', whole, { h2: [whole] });
      },
    }),

    // ---- IPv6 fragments ----
    defineCase({
      id: 'ct.frag6-reassembled-port-match',
      title: 'an IPv6 UDP datagram in two fragments is reassembled by ct(), matched on its ports, and leaves as the same two fragments',
      features: ['ct', 'ct.ipv6', 'ct.frag6', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ipv6,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,udp6,tp_dst=2000,actions=ct(commit),output:p2',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        await t.expectDelivery('h1', fragments6(out6({ dport: 2001, payload: pattern(1600, 6) }), [FRAG], 0x6001), {}, NOTHING);
        const frags = fragments6(out6({ payload: pattern(1600, 7) }), [FRAG], 0x6002);
        await t.expectDelivery('h1', frags, { h2: frags });
      },
    }),
    defineCase({
      id: 'ct.frag6-out-of-order',
      title: 'three IPv6 fragments sent last-first are reassembled and leave in order',
      features: ['ct', 'ct.ipv6', 'ct.frag6', 'recirc'],
      run: async (t) => {
        await t.pipeline(
          [
            'table=0,priority=10,ipv6,actions=ct(table=1)',
            'table=1,priority=10,ct_state=+trk+new,in_port=p1,ipv6,actions=ct(commit),output:p2',
            'table=1,priority=1,actions=drop',
          ].join('\n'),
        );
        const frags = fragments6(out6({ payload: pattern(2992, 8) }), [FRAG, 2 * FRAG], 0x6003);
        await t.expectDelivery('h1', [...frags].reverse(), { h2: frags });
      },
    }),
    defineCase({
      id: 'ct.frag6-commit-then-reply',
      title: 'a fragmented IPv6 datagram committed by ct(commit) makes the reply +est',
      features: ['ct', 'ct.ipv6', 'ct.frag6', 'recirc'],
      run: async (t) => {
        await t.pipeline(FIREWALL);
        const frags = fragments6(out6({ payload: pattern(1600, 9) }), [FRAG], 0x6004);
        await t.expectDelivery('h1', frags, { h2: frags });
        await t.expectDelivery('h2', back6(), { h1: [back6()] });
      },
    }),
  ],
};
