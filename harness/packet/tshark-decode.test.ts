import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, hasCommand } from '../system/exec.js';
import { buildFrame } from './build.js';
import type { FrameSpec } from './spec.js';
import { icmpError } from './icmp-error.js';
import { parseFrame } from './parse.js';
import { writePcap } from './pcap.js';
import { buildStt, STT_FLAG, STT_PORT, sttSegments } from './tunnel-stt.js';

/**
 * One frame of each kind the builder makes, read back by Wireshark's dissectors: every field
 * the spec asked for must come out of tshark with the value asked for, its checksums (SCTP's
 * CRC32c included) judged good, and no expert error. Expected values are written as numbers
 * where tshark shows a number in whatever base (`0x0000002a`, `42`), as text where it shows
 * addresses or bytes; a field listed once per occurrence, outer header first.
 */

const ETH = { dst: '0a:dd:00:00:00:02', src: '0a:dd:00:00:00:01' } as const;
const IP4 = { src: '10.0.0.1', dst: '10.0.0.2' } as const;
const IP6 = { src: '2001:db8::1', dst: '2001:db8::2' } as const;
const UDP = { sport: 40000, dport: 40001 } as const;
const INNER = { dst: '0a:dd:00:00:00:22', src: '0a:dd:00:00:00:11', ipv4: { src: '192.168.1.1', dst: '192.168.1.2' }, udp: UDP, payload: 'inner' } as const;
const INNER_IP = { ipv4: { src: '172.16.0.1', dst: '172.16.0.2' }, udp: UDP, payload: 'gtp' } as const;
/** The outer and inner addresses of a tunnel over IPv4 carrying INNER. */
const OVER4 = { 'eth.src': [ETH.src, INNER.src], 'eth.dst': [ETH.dst, INNER.dst], 'ip.src': [IP4.src, INNER.ipv4.src], 'ip.dst': [IP4.dst, INNER.ipv4.dst] };
const OVER6 = { 'eth.src': [ETH.src, INNER.src], 'ipv6.src': [IP6.src], 'ip.src': [INNER.ipv4.src], 'ip.dst': [INNER.ipv4.dst] };

type Want = Readonly<Record<string, readonly (string | number)[]>>;
interface Case {
  readonly name: string;
  readonly frame: Buffer;
  readonly want: Want;
}
const frame = (name: string, spec: FrameSpec, want: Want): Case => ({ name, frame: buildFrame(spec), want });

const SEGMENTS = ['2001:db8::99', '2001:db8::2'];
const OFFENDING4 = buildFrame({ dst: ETH.src, src: ETH.dst, ipv4: { src: '10.0.0.2', dst: '192.0.2.9', df: true }, udp: UDP, payload: Buffer.alloc(200, 1) });
const OFFENDING6 = buildFrame({ dst: ETH.src, src: ETH.dst, ipv6: { src: '2001:db8::2', dst: '2001:db8:9::9' }, udp: UDP, payload: Buffer.alloc(200, 1) });

const CASES: Case[] = [
  frame(
    'MPLS',
    {
      ...ETH,
      mpls: {
        labels: [
          { label: 100, tc: 5, ttl: 9 },
          { label: 0xfffff, tc: 1, ttl: 200 },
        ],
      },
      ipv4: IP4,
      udp: UDP,
    },
    {
      'mpls.label': [100, 0xfffff],
      'mpls.exp': [5, 1],
      'mpls.bottom': [0, 1],
      'mpls.ttl': [9, 200],
      'ip.src': [IP4.src],
      'udp.srcport': [UDP.sport],
    },
  ),
  frame(
    'IPv4 options',
    { ...ETH, ipv4: { ...IP4, options: [{ type: 'nop' }, { type: 'routerAlert' }, { type: 'recordRoute', addresses: ['1.2.3.4'], free: 2 }] }, udp: UDP },
    { 'ip.hdr_len': [40], 'ip.opt.type': [1, 148, 7], 'ip.opt.ra': [0], 'ip.opt.ptr': [8], 'ip.rec_rt': ['1.2.3.4'], 'udp.srcport': [UDP.sport] },
  ),
  frame(
    'TCP options',
    {
      ...ETH,
      ipv4: IP4,
      tcp: {
        sport: 40000,
        dport: 80,
        flags: 'S',
        options: [
          { kind: 'mss', value: 1460 },
          { kind: 'sackPermitted' },
          { kind: 'timestamps', tsval: 7, tsecr: 9 },
          { kind: 'nop' },
          { kind: 'wscale', shift: 7 },
        ],
      },
    },
    {
      'tcp.hdr_len': [40],
      'tcp.option_kind': [2, 4, 8, 1, 3],
      'tcp.options.mss_val': [1460],
      'tcp.options.wscale.shift': [7],
      'tcp.options.timestamp.tsval': [7],
      'tcp.options.timestamp.tsecr': [9],
      'tcp.checksum.status': [1],
    },
  ),
  frame(
    'IPv6 extension header chain',
    {
      ...ETH,
      ipv6: {
        ...IP6,
        extensions: [
          { type: 'hopByHop', options: [{ type: 'routerAlert' }] },
          { type: 'srh', segments: SEGMENTS, tag: 7 },
          { type: 'fragment', id: 5 },
          { type: 'destination' },
          { type: 'ah', spi: 0x1234, seq: 3 },
        ],
      },
      udp: UDP,
      payload: 'x',
    },
    {
      'ipv6.nxt': [0],
      'ipv6.hopopts.nxt': [43],
      'ipv6.opt.router_alert': [0],
      'ipv6.routing.nxt': [44],
      'ipv6.routing.type': [4],
      'ipv6.routing.segleft': [1],
      'ipv6.routing.srh.last_entry': [1],
      'ipv6.routing.srh.tag': ['0007'],
      'ipv6.routing.srh.addr': SEGMENTS,
      'ipv6.fraghdr.nxt': [60],
      'ipv6.fraghdr.ident': [5],
      'ipv6.dstopts.nxt': [51],
      'ah.spi': [0x1234],
      'ah.sequence': [3],
      'ah.next_header': [17],
      'udp.srcport': [UDP.sport],
      // Over the final destination (segment 0), as RFC 8200 8.1 has it.
      'udp.checksum.status': [1],
    },
  ),
  frame(
    'SCTP DATA',
    { ...ETH, ipv4: IP4, sctp: { sport: 5000, dport: 6000, tag: 0xdeadbeef, chunks: [{ type: 'data', tsn: 77, streamId: 3, ppid: 46, data: 'hello' }] } },
    {
      'sctp.srcport': [5000],
      'sctp.dstport': [6000],
      'sctp.verification_tag': [0xdeadbeef],
      'sctp.chunk_type': [0],
      'sctp.data_tsn_raw': [77],
      'sctp.data_sid': [3],
      'sctp.data_payload_proto_id': [46],
      'sctp.checksum.status': [1],
    },
  ),
  frame(
    'SCTP INIT',
    { ...ETH, ipv6: IP6, sctp: { sport: 5000, dport: 6000, chunks: [{ type: 'init', initiateTag: 0x11223344, initialTsn: 9 }] } },
    {
      'sctp.verification_tag': [0],
      'sctp.chunk_type': [1],
      'sctp.init_initiate_tag': [0x11223344],
      'sctp.init_initial_tsn': [9],
      'sctp.checksum.status': [1],
    },
  ),
  {
    name: 'ICMP fragmentation needed',
    frame: icmpError(OFFENDING4, { type: 3, code: 4, mtu: 1400, from: '10.0.0.254' }),
    want: {
      'icmp.type': [3],
      'icmp.code': [4],
      'icmp.mtu': [1400],
      'ip.src': ['10.0.0.254', '10.0.0.2'],
      'ip.dst': ['10.0.0.2', '192.0.2.9'],
      'udp.srcport': [UDP.sport],
    },
  },
  {
    name: 'ICMP time exceeded',
    frame: icmpError(OFFENDING4, { type: 11, from: '10.0.0.254', quoteLength: 28 }),
    want: { 'icmp.type': [11], 'icmp.code': [0], 'ip.src': ['10.0.0.254', '10.0.0.2'], 'ip.dst': ['10.0.0.2', '192.0.2.9'], 'udp.dstport': [UDP.dport] },
  },
  {
    name: 'ICMPv6 packet too big',
    frame: icmpError(OFFENDING6, { type: 2, mtu: 1280, from: '2001:db8::fe' }),
    want: {
      'icmpv6.type': [2],
      'icmpv6.mtu': [1280],
      'ipv6.src': ['2001:db8::fe', '2001:db8::2'],
      'ipv6.dst': ['2001:db8::2', '2001:db8:9::9'],
      'udp.srcport': [UDP.sport],
    },
  },
  {
    name: 'ICMPv6 destination unreachable',
    frame: icmpError(OFFENDING6, { type: 1, code: 4 }),
    want: { 'icmpv6.type': [1], 'icmpv6.code': [4], 'ipv6.src': ['2001:db8:9::9', '2001:db8::2'], 'ipv6.dst': ['2001:db8::2', '2001:db8:9::9'] },
  },
  {
    name: 'ICMPv6 time exceeded',
    frame: icmpError(OFFENDING6, { type: 3, from: '2001:db8::fe' }),
    want: { 'icmpv6.type': [3], 'icmpv6.code': [0], 'ipv6.dst': ['2001:db8::2', '2001:db8:9::9'] },
  },
  frame(
    'VXLAN',
    { ...ETH, ipv4: IP4, vxlan: { vni: 0xabcdef, frame: INNER } },
    { ...OVER4, 'udp.dstport': [4789, UDP.dport], 'vxlan.vni': [0xabcdef], 'vxlan.flag_i': [1] },
  ),
  frame(
    'VXLAN-GBP',
    { ...ETH, ipv4: IP4, udp: { sport: 50000, dport: 4789, zeroChecksum: true }, vxlan: { vni: 5, gbp: { policyId: 0x1234, dontLearn: true }, frame: INNER } },
    {
      ...OVER4,
      // Zero ("none") outside; the inner UDP checksum is computed.
      'udp.checksum': [0, 'skip'],
      'vxlan.vni': [5],
      'vxlan.flag_g': [1],
      'vxlan.flag_d': [1],
      'vxlan.gbp': [0x1234],
    },
  ),
  frame(
    'Geneve',
    { ...ETH, ipv6: IP6, geneve: { vni: 77, options: [{ class: 0x0102, type: 0x33, critical: true, data: Buffer.alloc(8, 1) }], frame: INNER } },
    {
      ...OVER6,
      'geneve.vni': [77],
      'geneve.proto_type': [0x6558],
      'geneve.flags.critical': [1],
      'geneve.option.class': [0x0102],
      // tshark shows the type byte, critical bit included.
      'geneve.option.type': [0x80 | 0x33],
      'geneve.option.type.critical': [1],
      'udp.checksum.status': [1, 1],
    },
  ),
  frame(
    'GRE (Ethernet, C K S)',
    { ...ETH, ipv4: IP4, gre: { key: 42, seq: 9, checksumPresent: true, frame: INNER } },
    {
      ...OVER4,
      'gre.proto': [0x6558],
      'gre.key': [42],
      'gre.sequence_number': [9],
      'gre.checksum.status': [1],
    },
  ),
  frame('GRE (IP)', { ...ETH, ipv6: IP6, gre: { packet: INNER_IP } }, { 'gre.proto': [0x0800], 'ip.src': [INNER_IP.ipv4.src], 'ip.dst': [INNER_IP.ipv4.dst] }),
  frame(
    'ERSPAN type II',
    { ...ETH, ipv4: IP4, erspan: { version: 1, sessionId: 0x3ff, vlan: 12, cos: 3, index: 0xabcde, frame: INNER }, gre: { seq: 4 } },
    {
      ...OVER4,
      'gre.proto': [0x88be],
      'gre.sequence_number': [4],
      'erspan.version': [1],
      'erspan.spanid': [0x3ff],
      'erspan.vlan': [12],
      'erspan.cos': [3],
      'erspan.index': [0xabcde],
    },
  ),
  frame(
    'ERSPAN type III',
    {
      ...ETH,
      ipv6: IP6,
      erspan: { version: 2, sessionId: 0x155, vlan: 12, cos: 3, timestamp: 0x12345678, sgt: 99, hwId: 0x2a, direction: 1, granularity: 3, frame: INNER },
    },
    {
      ...OVER6,
      'gre.proto': [0x22eb],
      'erspan.version': [2],
      'erspan.spanid': [0x155],
      'erspan.vlan': [12],
      'erspan.timestamp': [0x12345678],
      'erspan.sgt': [99],
      'erspan.hw': [0x2a],
      'erspan.direction': [1],
      'erspan.gra': [3],
    },
  ),
  frame(
    'GTP-U',
    { ...ETH, ipv4: IP4, gtpu: { teid: 0x12345678, seq: 5, extensions: [{ type: 0x85, content: Buffer.from([0x00, 0x09]) }], packet: INNER_IP } },
    {
      'udp.dstport': [2152, UDP.dport],
      'gtp.message': [0xff],
      'gtp.teid': [0x12345678],
      'gtp.seq_number': [5],
      'gtp.ext_hdr.pdu_ses_con.qos_flow_id': [9],
      'gtp.length': [4 + 4 + 20 + 8 + 3],
      'ip.src': [IP4.src, INNER_IP.ipv4.src],
      'ip.dst': [IP4.dst, INNER_IP.ipv4.dst],
    },
  ),
  frame(
    'LISP',
    { ...ETH, ipv4: IP4, lisp: { iid: 0xabcdef, lsb: 1, packet: INNER_IP } },
    {
      'udp.dstport': [4341, UDP.dport],
      'lisp-data.flags.iid': [1],
      'lisp-data.flags.lsb': [1],
      'lisp-data.flags.nonce': [0],
      'lisp-data.iid': [0xabcdef],
      'lisp-data.lsb8': [1],
      'ip.src': [IP4.src, INNER_IP.ipv4.src],
    },
  ),
  frame(
    'Bareudp (MPLS in UDP, RFC 7510)',
    {
      ...ETH,
      ipv4: IP4,
      udp: { sport: UDP.sport, dport: 6635 },
      payload: buildFrame({ ...ETH, mpls: { labels: [{ label: 77, ttl: 9 }] }, ...INNER_IP }).subarray(14),
    },
    { 'udp.dstport': [6635, UDP.dport], 'mpls.label': [77], 'mpls.ttl': [9], 'mpls.bottom': [1], 'ip.src': [IP4.src, INNER_IP.ipv4.src] },
  ),
  ...sttCases(),
];

/**
 * An STT frame whole in one segment, and one cut in two (tshark reassembles them by the
 * acknowledgement number). STT is found by a heuristic, tried first (ip.try_heuristic_first). Its
 * segments' checksums are TCP's, from the builder the TCP frames above check; tshark's own STT
 * checksum check is left off: it calls every segment bad, "should be 0x0000", where its TCP
 * dissector calls the same bytes good.
 */
function sttCases(): Case[] {
  const inner = buildFrame(INNER);
  const stt = buildStt({ contextId: 0x0123456789abcdefn, flags: STT_FLAG.CSUM_VERIFIED, vlanTci: 0x1000 | 42, frame: inner });
  const segment = (seq: number, bytes: Buffer, ack: number) =>
    buildFrame({ ...ETH, ipv4: IP4, tcp: { sport: 50000, dport: STT_PORT, seq, ack, flags: 'PA', window: 0xffff }, payload: bytes });
  const [one] = sttSegments(stt, 1500);
  const two = sttSegments(stt, 40);
  const common = { 'stt.version': [0], 'stt.context_id': ['0x0123456789abcdef'], 'stt.vlan.id': [42], 'stt.vlan.v': [1], 'stt.flags.csum_verified': [1] };
  return [
    {
      name: 'STT, one segment',
      frame: segment(one?.seq ?? 0, one?.bytes ?? Buffer.alloc(0), 7),
      want: { ...common, 'stt.pkt_len': [stt.length], 'stt.seg_off': [0], 'stt.pkt_id': [7], 'ip.src': [IP4.src, INNER.ipv4.src] },
    },
    ...two.map((s, i) => ({
      name: `STT, segment ${i + 1} of ${two.length}`,
      frame: segment(s.seq, s.bytes, 8),
      want: { 'stt.pkt_len': [stt.length], 'stt.seg_off': [i * 40], 'stt.pkt_id': [8], 'ip.src': i === two.length - 1 ? [IP4.src, INNER.ipv4.src] : [IP4.src] },
    })),
  ];
}

const CHECKSUMS = ['ip', 'udp', 'tcp', 'sctp', 'gre', 'icmp', 'icmpv6'].map((p) => `${p}.checksum.status`);
const PI_ERROR = 0x00800000;

describe('frames as tshark decodes them', function () {
  let dir: string;
  let decoded: Map<string, string[]>[] = [];
  const fields = [...new Set([...CASES.flatMap((c) => Object.keys(c.want)), ...CHECKSUMS, 'sctp.checksum', '_ws.expert.severity', '_ws.expert.message'])];

  before(async function () {
    if (!(await hasCommand('tshark'))) this.skip(); // tshark is not installed here (scripts/setup.sh installs it): nothing to decode with
    dir = mkdtempSync(join(tmpdir(), 'dplab-tshark-'));
    const file = join(dir, 'frames.pcap');
    writePcap(
      file,
      CASES.map((c) => c.frame),
    );
    const prefs = [
      'sctp.checksum:CRC-32C',
      'ip.check_checksum:TRUE',
      'udp.check_checksum:TRUE',
      'tcp.check_checksum:TRUE',
      'ip.try_heuristic_first:TRUE',
    ].flatMap((p) => ['-o', p]);
    const r = await exec('tshark', ['-r', file, ...prefs, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])]);
    decoded = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => new Map(line.split('\t').map((v, i) => [fields[i] as string, v === '' ? [] : v.split('|')])));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const got = decoded[i];
      expect(got, 'tshark decoded fewer frames than were written').to.not.equal(undefined);
      for (const [field, want] of Object.entries(c.want)) {
        const values = got?.get(field) ?? [];
        // A number matches tshark's text in any base; 'skip' leaves an occurrence unchecked.
        const seen = values.map((v, k) => (want[k] === 'skip' ? 'skip' : typeof want[k] === 'number' ? Number(v) : v));
        expect(seen, `${c.name}: ${field}`).to.deep.equal(want);
      }
      for (const field of CHECKSUMS) expect(got?.get(field), `${c.name}: ${field} (1 is good)`).to.not.include('0');
      const errors = (got?.get('_ws.expert.message') ?? []).filter((_, k) => Number(got?.get('_ws.expert.severity')?.[k]) >= PI_ERROR);
      expect(errors, `${c.name}: tshark's expert errors`).to.deep.equal([]);
      // The SCTP checksum reads as tshark shows it (the wire bytes, big-endian).
      const sctp = parseFrame(c.frame).sctp;
      if (sctp) expect(Number(got?.get('sctp.checksum')?.[0])).to.equal(sctp.checksum);
    });
  });
});
