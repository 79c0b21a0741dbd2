import { expect } from 'chai';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { buildFrame, buildStt, diffFrames, parseStt, STT_HEADER_LEN, STT_PORT, sttSegments, type SttSegment } from '../../harness/packet/index.js';
import { udp4 } from './frames.js';
import { REMOTE, SENT_FREE, underlay, VTEP } from './tunnel-frames.js';

/**
 * STT (draft-davie-stt-08), OVS's out-of-tree kernel module only: the Ethernet frame behind an
 * 18-byte STT header, sent as TCP-like segments to port 7471 that are never acknowledged. Each
 * segment's sequence number is the STT frame's length << 16 | the segment's offset, and the
 * acknowledgement number identifies the STT frame, so the receiver reassembles ("STT TSO": the
 * sender hands one large TCP-like packet to segmentation offload). OVS carries tun_id as the
 * context ID.
 *
 * What the sender chooses and a case therefore reads from the capture: the TCP source port (a
 * flow hash), the acknowledgement number (a frame counter), each segment's IPv4 ID, the segment
 * size (from the path MTU), and the STT header's checksum flags, L4 offset and MSS, which
 * describe the checksum state of the frame as the sender's kernel held it. Everything else is
 * compared byte for byte.
 */
const TCP_PA = 0x18;
const small = () => udp4({ sport: 1111, dport: 2222, payload: 'stt inner frame' });
/** A frame of the full 1500-byte MTU: with the outer headers and STT's 18 bytes, more than one 1500-byte underlay packet holds. */
const mtuFrame = () => udp4({ sport: 1111, dport: 2222, payload: Buffer.alloc(1500 - 28, 0x5a) });

/** One STT segment between the switch's VTEP and h2. */
function sttSegment(
  t: CaseContext,
  dir: 'to-h2' | 'from-h2',
  f: { readonly sport: number; readonly ack: number; readonly ipId: number },
  seg: SttSegment,
): Buffer {
  const [vtep, remote] = [
    { mac: VTEP.mac, ip: VTEP.ip },
    { mac: t.mac('h2'), ip: REMOTE.h2.ip },
  ];
  const [from, to] = dir === 'to-h2' ? [vtep, remote] : [remote, vtep];
  return buildFrame({
    src: from.mac,
    dst: to.mac,
    ipv4: { src: from.ip, dst: to.ip, ttl: 64, id: f.ipId, df: true },
    tcp: { sport: f.sport, dport: STT_PORT, seq: seg.seq, ack: f.ack, flags: TCP_PA, window: 0xffff },
    payload: seg.bytes,
  });
}

/** The TCP fields of a captured segment: source port, sequence and acknowledgement numbers, IPv4 ID, and its payload. */
function segmentOf(f: Buffer): { sport: number; seq: number; ack: number; ipId: number; payload: Buffer } {
  const ihl = ((f[14] ?? 0x45) & 0x0f) * 4;
  const tcp = 14 + ihl;
  const doff = ((f[tcp + 12] ?? 0x50) >> 4) * 4;
  return { sport: f.readUInt16BE(tcp), seq: f.readUInt32BE(tcp + 4), ack: f.readUInt32BE(tcp + 8), ipId: f.readUInt16BE(18), payload: f.subarray(tcp + doff) };
}

/**
 * Sends `inner` from h1 and expects at h2 the STT frame of `contextId` around it, whole or in
 * segments: every segment byte for byte as the switch's VTEP would send it, with one source port
 * and one acknowledgement number, offsets from 0 without gap, and the frame's length in each.
 */
async function expectSttEncap(t: CaseContext, inner: Buffer, contextId: bigint): Promise<void> {
  const got = await t.send('h1', inner, { listen: ['h1', 'h2'], expectCount: 1, waitMs: 3000 });
  expect(got.get('h1') ?? [], 'frames back at h1').to.deep.equal([]);
  const frames = got.get('h2') ?? [];
  expect(frames.length, 'STT segments at h2').to.be.at.least(1);
  const segs = frames.map((frame) => ({ frame, ...segmentOf(frame) })).sort((a, b) => (a.seq & 0xffff) - (b.seq & 0xffff));
  const first = segs[0] as (typeof segs)[number];
  const head = parseStt(first.payload);
  if (typeof head === 'string') throw new Error(`first STT segment at h2: ${head}`);
  const h = head.header;
  t.note(
    `free fields: tcp sport ${first.sport}, ack 0x${first.ack.toString(16)}, STT flags 0x${h.flags.toString(16)}, l4 offset ${h.l4Offset}, mss ${h.mss}; ${segs.length} segment(s)`,
  );
  const stt = buildStt({ contextId, flags: h.flags, l4Offset: h.l4Offset, mss: h.mss, frame: inner });
  let offset = 0;
  for (const [i, s] of segs.entries()) {
    expect(s.seq & 0xffff, `segment ${i + 1}: offset`).to.equal(offset);
    const bytes = stt.subarray(offset, offset + s.payload.length);
    const want = sttSegment(t, 'to-h2', { sport: first.sport, ack: first.ack, ipId: s.ipId }, { seq: ((stt.length << 16) | offset) >>> 0, bytes });
    expect(diffFrames(want, s.frame), `segment ${i + 1} at h2`).to.deep.equal([]);
    offset += s.payload.length;
  }
  expect(offset, 'bytes of the STT frame at h2').to.equal(stt.length);
}

/** The STT frame of `contextId` around `inner`, as h2 sends it in segments of at most `max` bytes (frame id `ack`). */
function fromH2(t: CaseContext, inner: Buffer, contextId: bigint, ack: number, max = 1400): Buffer[] {
  const stt = buildStt({ contextId, frame: inner });
  return sttSegments(stt, max).map((s, i) => sttSegment(t, 'from-h2', { sport: SENT_FREE.sport, ack, ipId: SENT_FREE.ipId + i }, s));
}

const sttPort = (key: string) => ({ name: 'stt0', type: 'stt', options: { remote_ip: REMOTE.h2.ip, key } });
/** The underlay rules for STT: TCP port 7471 between LOCAL and h2 on p2. */
const UNDERLAY = [
  `tcp,in_port=LOCAL,nw_dst=${REMOTE.h2.ip},tp_dst=${STT_PORT},actions=output:p2`,
  `tcp,in_port=p2,nw_dst=${VTEP.ip},tp_dst=${STT_PORT},actions=output:LOCAL`,
].join('\n');

export const tunnelSttCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-stt',
  cases: [
    defineCase({
      id: 'tunnel-stt.encap-context-id',
      title: 'output to an STT port with key=0x1234 sends the frame behind an STT header (version 0, context ID 0x1234) in IPv4/TCP 7471 with PSH and ACK',
      features: ['tunnel.stt'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(sttPort('0x1234'));
        await t.pipeline(`in_port=p1,actions=output:stt0\n${UNDERLAY}`);
        await expectSttEncap(t, small(), 0x1234n);
      },
    }),
    defineCase({
      id: 'tunnel-stt.encap-flow-key',
      title: 'on a key=flow STT port set_field on tun_id chooses the 64-bit context ID',
      features: ['tunnel.stt'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(sttPort('flow'));
        await t.pipeline(`in_port=p1,actions=set_field:0x0123456789abcdef->tun_id,output:stt0\n${UNDERLAY}`);
        await expectSttEncap(t, small(), 0x0123456789abcdefn);
      },
    }),
    defineCase({
      id: 'tunnel-stt.decap-context-id',
      title: 'an STT frame from h2 with context ID 0x1234 is matched on tun_id and its inner frame delivered byte for byte; context ID 0x1235 is not',
      features: ['tunnel.stt'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(sttPort('flow'));
        await t.pipeline(`in_port=stt0,tun_id=0x1234,actions=output:p1\n${UNDERLAY}`);
        await t.expectDelivery('h2', [...fromH2(t, small(), 0x1235n, 1), ...fromH2(t, small(), 0x1234n, 2)], { h1: [small()] });
      },
    }),
  ],
};

export const tunnelSttTsoCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-stt-tso',
  cases: [
    defineCase({
      id: 'tunnel-stt-tso.encap-mtu-frame',
      title: 'a 1514-byte frame out of an STT port leaves as one STT frame longer than the underlay MTU, cut into segments that reassemble to it',
      features: ['tunnel.stt_tso'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(sttPort('0x77'));
        await t.pipeline(`in_port=p1,actions=output:stt0\n${UNDERLAY}`);
        const f = mtuFrame();
        expect(f.length + STT_HEADER_LEN + 40, 'the STT packet exceeds the 1500-byte underlay MTU').to.be.above(1500);
        await expectSttEncap(t, f, 0x77n);
      },
    }),
    defineCase({
      id: 'tunnel-stt-tso.decap-reassembly',
      title: 'a 1514-byte frame that h2 sends as two STT segments is reassembled and delivered whole',
      features: ['tunnel.stt_tso'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(sttPort('flow'));
        await t.pipeline(`in_port=stt0,tun_id=0x77,actions=output:p1\n${UNDERLAY}`);
        const segs = fromH2(t, mtuFrame(), 0x77n, 9);
        expect(segs.length, 'segments sent').to.equal(2);
        await t.expectDelivery('h2', segs, { h1: [mtuFrame()] });
      },
    }),
    defineCase({
      id: 'tunnel-stt-tso.decap-out-of-order',
      title: 'segments of two STT frames, interleaved and each frame last segment first, are told apart by their acknowledgement number and both delivered',
      features: ['tunnel.stt_tso'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort(sttPort('flow'));
        await t.pipeline(`in_port=stt0,tun_id=0x77,actions=output:p1\n${UNDERLAY}`);
        const a = mtuFrame();
        const b = udp4({ sport: 3333, dport: 4444, payload: Buffer.alloc(1400, 0xa5) });
        const [a1, a2] = fromH2(t, a, 0x77n, 21, 1000);
        const [b1, b2] = fromH2(t, b, 0x77n, 22, 1000);
        await t.expectDelivery('h2', [a2, b2, a1, b1] as Buffer[], { h1: [a, b] });
      },
    }),
  ],
};
