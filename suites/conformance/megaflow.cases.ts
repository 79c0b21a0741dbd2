import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { internetChecksum } from '../../harness/packet/checksum.js';
import { icmp4, tcp4, udp4, udp6 } from './frames.js';

/**
 * A datapath caches the slow path's verdict as a megaflow: the flow key it extracted, masked
 * by what the pipeline looked at. A malformed or unusual frame must not leave a megaflow that
 * gives well-formed frames of the same family another verdict than the pipeline's. Each case
 * sends the odd frame first (its own fate is only noted: the pipeline may forward or drop it),
 * then well-formed frames that the pipeline forwards, and one it drops, and checks both.
 */

const ETH = 14;

/** Sets the IPv4 total length of a frame and refreshes the header checksum (so only the length is odd). */
function withIpv4TotalLength(frame: Buffer, totalLength: number): Buffer {
  const f = Buffer.from(frame);
  f.writeUInt16BE(totalLength, ETH + 2);
  f.writeUInt16BE(0, ETH + 10);
  f.writeUInt16BE(internetChecksum(f.subarray(ETH, ETH + 20)), ETH + 10);
  return f;
}

/** The frame cut to `l4Bytes` bytes of its IPv4 payload, with a total length that says so. */
function cutIpv4Payload(frame: Buffer, l4Bytes: number): Buffer {
  return withIpv4TotalLength(frame.subarray(0, ETH + 20 + l4Bytes), 20 + l4Bytes);
}

/** Sends the odd frame and notes what came out, then asserts the pipeline's verdicts on well-formed frames. */
async function oddThenWellFormed(t: CaseContext, odd: Buffer, forwarded: readonly Buffer[], dropped: readonly Buffer[]): Promise<void> {
  // Time for the odd frame's upcall to install its megaflow before the well-formed frames come.
  const got = await t.send('h1', odd, { listen: ['h2'], waitMs: 400 });
  t.note(`odd frame: ${got.get('h2')?.length ?? 0} frame(s) reached h2`);
  await t.expectDelivery('h1', [...forwarded, ...dropped], { h2: forwarded }, { listen: ['h2'] });
}

const tcpTo = (dport: number) => tcp4({ sport: 40000, dport, flags: 'PA', seq: 1, ack: 1, payload: 'well-formed' });
const udpTo = (dport: number) => udp4({ sport: 1111, dport, payload: 'well-formed' });

export const megaflowCases: CaseGroup = {
  suite: 'conformance',
  name: 'megaflow',
  cases: [
    defineCase({
      id: 'megaflow.truncated-tcp-then-tcp',
      title: 'after a TCP frame cut inside its header (IPv4 length consistent), well-formed TCP is still forwarded by `tcp`',
      features: ['megaflow', 'match.l4'],
      run: async (t) => {
        await t.pipeline('priority=10,tcp,in_port=p1,actions=output:p2');
        await oddThenWellFormed(t, cutIpv4Payload(tcpTo(80), 10), [tcpTo(80), tcpTo(443)], [udpTo(80)]);
      },
    }),
    defineCase({
      id: 'megaflow.cut-tcp-frame-then-tcp',
      title: 'after a TCP frame cut short on the wire (its IPv4 total length runs past the frame), well-formed TCP is still forwarded by `tcp`',
      features: ['megaflow', 'match.l4'],
      run: async (t) => {
        await t.pipeline('priority=10,tcp,in_port=p1,actions=output:p2');
        await oddThenWellFormed(t, tcpTo(80).subarray(0, ETH + 20 + 10), [tcpTo(80), tcpTo(443)], [udpTo(80)]);
      },
    }),
    defineCase({
      id: 'megaflow.truncated-tcp-then-port-rule',
      title: 'after a TCP frame cut inside its header, the port rules still decide: port 80 forwarded, 22 dropped',
      features: ['megaflow', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['priority=20,tcp,in_port=p1,tp_dst=80,actions=output:p2', 'priority=10,tcp,in_port=p1,actions=drop'].join('\n'));
        await oddThenWellFormed(t, cutIpv4Payload(tcpTo(80), 6), [tcpTo(80)], [tcpTo(22)]);
      },
    }),
    defineCase({
      id: 'megaflow.truncated-udp-then-udp',
      title: 'after a UDP frame with 4 bytes of header, well-formed UDP to the forwarded port still passes and others drop',
      features: ['megaflow', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['priority=20,udp,in_port=p1,tp_dst=53,actions=output:p2', 'priority=10,udp,in_port=p1,actions=drop'].join('\n'));
        await oddThenWellFormed(t, cutIpv4Payload(udpTo(53), 4), [udpTo(53)], [udpTo(54)]);
      },
    }),
    defineCase({
      id: 'megaflow.ipv4-length-past-frame-then-udp',
      title: 'after an IPv4 frame whose total length runs past the frame, well-formed UDP still gets the port rules',
      features: ['megaflow', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['priority=20,udp,in_port=p1,tp_dst=53,actions=output:p2', 'priority=10,ip,in_port=p1,actions=drop'].join('\n'));
        await oddThenWellFormed(t, withIpv4TotalLength(udpTo(53), 1000), [udpTo(53)], [udpTo(54)]);
      },
    }),
    defineCase({
      id: 'megaflow.later-fragment-then-udp',
      title: 'after a later IPv4 fragment (no L4 header), unfragmented UDP still gets the port rules',
      features: ['megaflow', 'match.ip_frag', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['priority=20,udp,in_port=p1,tp_dst=53,actions=output:p2', 'priority=10,ip,in_port=p1,actions=drop'].join('\n'));
        const later = udp4({ sport: 1111, dport: 53, payload: 'later fragment', ip: { fragOffset: 4, id: 99 } });
        await oddThenWellFormed(t, later, [udpTo(53)], [udpTo(54)]);
      },
    }),
    defineCase({
      id: 'megaflow.truncated-icmp-then-icmp',
      title: 'after an ICMP frame of 1 byte (type only), echo requests are still forwarded and echo replies dropped',
      features: ['megaflow', 'match.icmp'],
      run: async (t) => {
        await t.pipeline(['priority=20,icmp,in_port=p1,icmp_type=8,actions=output:p2', 'priority=10,ip,in_port=p1,actions=drop'].join('\n'));
        const echo = icmp4({ type: 8, id: 1, seq: 1 });
        await oddThenWellFormed(t, cutIpv4Payload(echo, 1), [echo], [icmp4({ type: 0, id: 1, seq: 1 })]);
      },
    }),
    defineCase({
      id: 'megaflow.cut-ipv6-hop-by-hop-then-udp6',
      title: 'after an IPv6 frame whose hop-by-hop header is cut, well-formed UDPv6 still gets the port rules',
      features: ['megaflow', 'match.ipv6', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['priority=20,udp6,in_port=p1,tp_dst=53,actions=output:p2', 'priority=10,ipv6,in_port=p1,actions=drop'].join('\n'));
        const good = (dport: number) => udp6({ sport: 1111, dport, payload: 'well-formed' });
        // Next header 0 (hop-by-hop) and a payload length of 4: the extension header is cut.
        const cut = Buffer.from(good(53).subarray(0, ETH + 40 + 4));
        cut.writeUInt16BE(4, ETH + 4);
        cut[ETH + 6] = 0;
        await oddThenWellFormed(t, cut, [good(53)], [good(54)]);
      },
    }),
  ],
};
