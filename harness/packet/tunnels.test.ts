import { expect } from 'chai';
import fc from 'fast-check';
import { buildFrame, FrameSpecError } from './build.js';
import type { FrameSpec } from './spec.js';
import { diffFrames } from './diff.js';
import { parseFrame } from './parse.js';
import { buildStt, parseStt, STT_HEADER_LEN, sttSegments } from './tunnel-stt.js';

const ETH = { dst: '0a:dd:00:00:00:02', src: '0a:dd:00:00:00:01' } as const;
const IP4 = { src: '172.31.1.1', dst: '172.31.1.2' } as const;
const IP6 = { src: 'fc00:31::1', dst: 'fc00:31::2' } as const;
const INNER: FrameSpec = {
  dst: '0a:dd:00:00:00:22',
  src: '0a:dd:00:00:00:11',
  vlans: [{ vid: 5 }],
  ipv4: { src: '10.0.0.1', dst: '10.0.0.2' },
  udp: { sport: 40000, dport: 40001 },
  payload: 'inner',
};
const INNER_IP = { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' }, tcp: { sport: 40000, dport: 80, flags: 'S' } } as const;

/** The inner frame's fields a round trip must keep. */
function expectInner(p: ReturnType<typeof parseFrame>): void {
  expect(p.inner?.eth).to.deep.include({ dst: INNER.dst, src: INNER.src });
  expect(p.inner?.eth?.vlans.map((v) => v.vid)).to.deep.equal([5]);
  expect(p.inner?.ipv4).to.include({ src: '10.0.0.1', dst: '10.0.0.2' });
  expect(p.inner?.udp).to.include({ sport: 40000, dport: 40001 });
  expect(p.inner?.payload.toString()).to.equal('inner');
  expect([p.truncated, p.badChecksums]).to.deep.equal([undefined, []]);
}

describe('tunnels: build -> parse round trips', () => {
  it('VXLAN: UDP 4789, I flag, 24-bit VNI, the inner frame parsed; the payload is the inner frame', () => {
    const f = buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 0xabcdef, frame: INNER } });
    const p = parseFrame(f);
    expect(p.udp).to.include({ sport: 4789, dport: 4789 });
    expect(p.vxlan).to.deep.equal({ flags: 0x08, vni: 0xabcdef });
    expect(p.payload.equals(buildFrame(INNER))).to.equal(true);
    expectInner(p);
  });

  it('VXLAN-GBP sets G with the policy id and D/A bits; the outer UDP may send checksum 0 over IPv4', () => {
    const f = buildFrame({
      ...ETH,
      ipv4: IP4,
      udp: { sport: 50000, dport: 4789, zeroChecksum: true },
      vxlan: { vni: 1, gbp: { policyId: 0x1234, dontLearn: true }, frame: INNER },
    });
    const p = parseFrame(f);
    expect(p.udp).to.include({ sport: 50000, checksum: 0 });
    expect(p.vxlan).to.deep.equal({ flags: 0x88, vni: 1, gbp: { policyId: 0x1234, dontLearn: true, applied: false } });
    expectInner(p);
  });

  it('Geneve: option length computed, C from a critical option, options as TLVs, over IPv6', () => {
    const options = [
      { class: 0x0102, type: 0x33, critical: true, data: Buffer.alloc(8, 1) },
      { class: 0xffff, type: 1 },
    ];
    const p = parseFrame(buildFrame({ ...ETH, ipv6: IP6, geneve: { vni: 77, oam: true, options, frame: INNER } }));
    expect(p.udp).to.include({ dport: 6081 });
    expect(p.geneve).to.deep.include({ version: 0, optionsLength: 4, oam: true, critical: true, protocol: 0x6558, vni: 77 });
    expect(p.geneve?.options).to.deep.equal([
      { class: 0x0102, type: 0x33, critical: true, length: 2, data: Buffer.alloc(8, 1) },
      { class: 0xffff, type: 1, critical: false, length: 0, data: Buffer.alloc(0) },
    ]);
    expectInner(p);
  });

  it('Geneve carrying an IP packet takes its ethertype as protocol', () => {
    const p = parseFrame(buildFrame({ ...ETH, ipv4: IP4, geneve: { vni: 2, packet: INNER_IP } }));
    expect(p.geneve?.protocol).to.equal(0x86dd);
    expect(p.inner?.ipv6).to.include({ dst: '2001:db8::2' });
    expect(p.inner?.tcp).to.include({ dport: 80 });
  });

  it('GRE: Ethernet (0x6558) with key, sequence and a computed checksum; IP (0x0800) plain', () => {
    const p = parseFrame(buildFrame({ ...ETH, ipv4: IP4, gre: { key: 42, seq: 9, checksumPresent: true, frame: INNER } }));
    expect(p.ipv4?.protocol).to.equal(47);
    expect(p.gre).to.deep.include({ checksumPresent: true, keyPresent: true, seqPresent: true, protocol: 0x6558, key: 42, seq: 9, version: 0 });
    expectInner(p);
    const ip = parseFrame(buildFrame({ ...ETH, ipv6: IP6, gre: { packet: { ipv4: { src: '1.1.1.1', dst: '2.2.2.2' }, icmp: { type: 8, id: 1, seq: 1 } } } }));
    expect(ip.ipv6?.nextHeader).to.equal(47);
    expect(ip.gre).to.deep.include({ checksumPresent: false, protocol: 0x0800 });
    expect(ip.inner?.icmp).to.include({ type: 8, id: 1 });
    const bad = parseFrame(buildFrame({ ...ETH, ipv4: IP4, gre: { checksum: 0x1234, frame: INNER } }));
    expect(bad.badChecksums).to.deep.equal(['gre']);
  });

  it('ERSPAN type II: GRE 0x88be with a sequence number, version 1, session id, index', () => {
    const p = parseFrame(
      buildFrame({
        ...ETH,
        ipv4: IP4,
        erspan: { version: 1, sessionId: 0x3ff, vlan: 12, cos: 3, encap: 2, truncated: true, index: 0xabcde, frame: INNER },
        gre: { seq: 4 },
      }),
    );
    expect(p.gre).to.deep.include({ protocol: 0x88be, seqPresent: true, seq: 4 });
    expect(p.erspan).to.deep.equal({ version: 1, vlan: 12, cos: 3, truncated: true, sessionId: 0x3ff, encap: 2, index: 0xabcde });
    expectInner(p);
  });

  it('ERSPAN type III: GRE 0x22eb, version 2, timestamp, SGT, hardware id, direction, granularity, subheader', () => {
    const erspan = {
      version: 2,
      sessionId: 0x155,
      vlan: 12,
      cos: 3,
      bso: 1,
      timestamp: 0x12345678,
      sgt: 99,
      hwId: 0x2a,
      direction: 1,
      granularity: 3,
    } as const;
    const p = parseFrame(buildFrame({ ...ETH, ipv6: IP6, erspan: { ...erspan, subheader: Buffer.alloc(8, 7), frame: INNER } }));
    expect(p.gre).to.deep.include({ protocol: 0x22eb, seqPresent: true, seq: 0 });
    expect(p.erspan).to.deep.equal({ ...erspan, truncated: false, p: true, ft: 0, o: true, subheader: Buffer.alloc(8, 7) });
    expectInner(p);
  });

  it('GTP-U: UDP 2152, G-PDU, length computed, TEID, sequence number and extension headers, an inner IP packet', () => {
    const f = buildFrame({
      ...ETH,
      ipv4: IP4,
      gtpu: { teid: 0x12345678, seq: 5, extensions: [{ type: 0x85, content: Buffer.from([0x00, 0x09]) }], packet: INNER_IP },
    });
    const p = parseFrame(f);
    expect(p.udp).to.include({ sport: 2152, dport: 2152 });
    expect(p.gtpu).to.deep.include({ version: 1, pt: 1, e: true, s: true, pn: false, messageType: 0xff, teid: 0x12345678, seq: 5, nextExtensionType: 0x85 });
    expect(p.gtpu?.length).to.equal(4 + 4 + 60);
    expect(p.gtpu?.extensions).to.deep.equal([{ type: 0x85, length: 1, content: Buffer.from([0x00, 0x09]) }]);
    expect(p.inner?.ipv6).to.include({ src: '2001:db8::1' });
    expect(p.inner?.tcp).to.include({ sport: 40000, dport: 80 });
    expect([p.truncated, p.badChecksums]).to.deep.equal([undefined, []]);
    const plain = parseFrame(buildFrame({ ...ETH, ipv4: IP4, gtpu: { teid: 1, packet: Buffer.from('4500', 'hex') } }));
    expect(plain.gtpu).to.deep.include({ e: false, s: false, pn: false, length: 2 });
  });

  it('LISP: UDP 4341, I and L flags with a 24-bit instance ID and 8 locator-status bits, an inner IP packet', () => {
    const p = parseFrame(buildFrame({ ...ETH, ipv4: IP4, lisp: { iid: 0x123456, lsb: 1, packet: INNER_IP } }));
    expect(p.udp).to.include({ sport: 4341, dport: 4341 });
    expect(p.lisp).to.deep.equal({ flags: 0x48, nonce: 0, iid: 0x123456, lsb: 1 });
    expect(p.inner?.tcp).to.include({ sport: 40000, dport: 80 });
    expect([p.truncated, p.badChecksums]).to.deep.equal([undefined, []]);
    // Without I, the whole second word is locator-status bits; N brings a nonce.
    const noIid = parseFrame(buildFrame({ ...ETH, ipv4: IP4, lisp: { lsb: 0x80000001, nonce: 0xabcdef, packet: INNER_IP } }));
    expect(noIid.lisp).to.deep.equal({ flags: 0xc0, nonce: 0xabcdef, lsb: 0x80000001 });
  });

  it('STT: 18-byte header with version, flags, VLAN TCI and the 64-bit context ID; segments carry length << 16 | offset', () => {
    const inner = buildFrame(INNER);
    const stt = buildStt({ contextId: 0xfedcba9876543210n, flags: 0x05, l4Offset: 34, mss: 1400, vlanTci: 0x1005, frame: inner });
    expect(stt.length).to.equal(STT_HEADER_LEN + inner.length);
    expect(parseStt(stt)).to.deep.equal({
      header: { version: 0, flags: 0x05, l4Offset: 34, mss: 1400, vlanTci: 0x1005, contextId: 0xfedcba9876543210n },
      size: 18,
    });
    expect(parseFrame(stt.subarray(STT_HEADER_LEN)).udp).to.include({ sport: 40000 });
    const segs = sttSegments(stt, 32);
    expect(segs.map((s) => [s.seq >>> 16, s.seq & 0xffff, s.bytes.length])).to.deep.equal([
      [stt.length, 0, 32],
      [stt.length, 32, 32],
      [stt.length, 64, stt.length - 64],
    ]);
    expect(Buffer.concat(segs.map((s) => s.bytes))).to.deep.equal(stt);
  });
});

describe('tunnels: bad input', () => {
  it('names a cut-short tunnel header as the truncated layer', () => {
    const cut = (f: Buffer, keep: number) => parseFrame(f.subarray(0, keep)).truncated;
    const vxlan = buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 1, frame: INNER } });
    // The IPv4 total length still says more: the parser reads what there is.
    expect(cut(vxlan, 14 + 20 + 8 + 5)).to.equal('vxlan: header needs 8 bytes, 5 left');
    const geneve = buildFrame({ ...ETH, ipv4: IP4, geneve: { vni: 1, options: [{ class: 1, type: 1, data: Buffer.alloc(4) }], frame: INNER } });
    expect(cut(geneve, 14 + 20 + 8 + 12)).to.equal('geneve: header with 8 bytes of options needs 16 bytes, 12 left');
    const gre = buildFrame({ ...ETH, ipv4: IP4, gre: { key: 1, frame: INNER } });
    expect(cut(gre, 14 + 20 + 6)).to.equal('gre: header needs 8 bytes, 6 left');
    const erspan = buildFrame({ ...ETH, ipv4: IP4, erspan: { version: 2, sessionId: 1, frame: INNER } });
    expect(cut(erspan, 14 + 20 + 8 + 10)).to.equal('erspan: header needs 12 bytes, 10 left');
    const lisp = buildFrame({ ...ETH, ipv4: IP4, lisp: { iid: 1, packet: INNER_IP } });
    expect(cut(lisp, 14 + 20 + 8 + 7)).to.equal('lisp: header needs 8 bytes, 7 left');
    expect(parseStt(Buffer.alloc(17))).to.equal('stt: header needs 18 bytes, 17 left');
    const gtpu = buildFrame({ ...ETH, ipv4: IP4, gtpu: { teid: 1, seq: 1, packet: INNER_IP } });
    expect(cut(gtpu, 14 + 20 + 8 + 10)).to.equal('gtpu: header with optional fields needs 12 bytes, 10 left');
    expect(cut(vxlan, 14 + 20 + 8 + 8 + 20)).to.equal('inner.ipv4: header needs 20 bytes, 2 left');
  });

  it('reports an inner frame bad checksum prefixed inner.', () => {
    const inner = Buffer.from(buildFrame(INNER));
    inner[inner.length - 1] = (inner[inner.length - 1] as number) ^ 1;
    const p = parseFrame(buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 1, frame: inner } }));
    expect(p.badChecksums).to.deep.equal(['inner.udp']);
  });

  it('refuses a field too wide, naming it through the nesting', () => {
    const cases: [FrameSpec, string][] = [
      [{ ...ETH, ipv4: IP4, vxlan: { vni: 0x1000000, frame: INNER } }, 'vxlan.vni: 16777216 is out of range 0..16777215 (24-bit field)'],
      [{ ...ETH, ipv4: IP4, vxlan: { vni: 1, gbp: { policyId: 0x10000 }, frame: INNER } }, 'vxlan.gbp.policyId: 65536 is out of range 0..65535'],
      [
        { ...ETH, ipv4: IP4, vxlan: { vni: 1, frame: { ...INNER, ipv4: { src: '1.1.1.1', dst: '2.2.2.2', ttl: 300 } } } },
        'vxlan.frame.ipv4.ttl: 300 is out of range 0..255',
      ],
      [
        { ...ETH, ipv4: IP4, geneve: { vni: 1, options: [{ class: 1, type: 0x80 }], frame: INNER } },
        'geneve.options[0].type: 128 is out of range 0..127 (7-bit field)',
      ],
      [
        { ...ETH, ipv4: IP4, geneve: { vni: 1, options: [{ class: 1, type: 1, data: Buffer.alloc(3) }], frame: INNER } },
        'geneve.options[0].data: 3 bytes is not a multiple of 4',
      ],
      [{ ...ETH, ipv4: IP4, gre: { key: 2 ** 32, frame: INNER } }, 'gre.key: 4294967296 is out of range'],
      [{ ...ETH, ipv4: IP4, erspan: { version: 1, sessionId: 1024, frame: INNER } }, 'erspan.sessionId: 1024 is out of range 0..1023 (10-bit field)'],
      [
        { ...ETH, ipv4: IP4, erspan: { version: 1, sessionId: 1, index: 0x100000, frame: INNER } },
        'erspan.index: 1048576 is out of range 0..1048575 (20-bit field)',
      ],
      [{ ...ETH, ipv4: IP4, erspan: { version: 2, sessionId: 1, hwId: 64, frame: INNER } }, 'erspan.hwId: 64 is out of range 0..63 (6-bit field)'],
      [{ ...ETH, ipv4: IP4, gtpu: { teid: 2 ** 32 } }, 'gtpu.teid: 4294967296 is out of range'],
      [{ ...ETH, ipv4: IP4, lisp: { iid: 0x1000000 } }, 'lisp.iid: 16777216 is out of range 0..16777215 (24-bit field)'],
      [{ ...ETH, ipv4: IP4, lisp: { iid: 1, lsb: 256 } }, 'lisp.lsb: 256 is out of range 0..255'],
      [
        { ...ETH, ipv4: IP4, gtpu: { teid: 1, packet: { ipv4: { src: '1.1.1.1', dst: '2.2.2.2' }, udp: { sport: 1, dport: 65536 } } } },
        'gtpu.packet.udp.dport: 65536 is out of range',
      ],
      [
        { ...ETH, ipv4: IP4, gtpu: { teid: 1, extensions: [{ type: 1, content: Buffer.alloc(3) }] } },
        'gtpu.extensions[0].content: 3 bytes is not 2 short of a multiple of 4',
      ],
    ];
    for (const [spec, message] of cases) expect(() => buildFrame(spec)).to.throw(FrameSpecError, message);
  });

  it('refuses impossible combinations', () => {
    expect(() => buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 1, frame: INNER }, tcp: { sport: 1, dport: 2 } })).to.throw('at most one of udp, tcp');
    expect(() => buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 1, frame: INNER }, geneve: { vni: 1, frame: INNER } })).to.throw('at most one tunnel');
    expect(() => buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 1, frame: INNER }, payload: 'x' })).to.throw('payload: vxlan carries its frame or packet');
    expect(() => buildFrame({ ...ETH, ipv4: IP4, geneve: { vni: 1, frame: INNER, packet: INNER_IP } })).to.throw(
      'geneve: carries a frame or a packet, not both',
    );
    expect(() => buildFrame({ ...ETH, vxlan: { vni: 1, frame: INNER } })).to.throw('needs ipv4 or ipv6');
    expect(() => buildFrame({ ...ETH, ipv4: IP4, lisp: { iid: 1, packet: INNER_IP }, gtpu: { teid: 1 } })).to.throw('at most one tunnel');
    expect(() => buildStt({ contextId: 1n << 64n, frame: Buffer.alloc(0) })).to.throw(FrameSpecError, 'stt.contextId');
    expect(() => sttSegments(Buffer.alloc(0x10000), 1400)).to.throw(FrameSpecError, '65536-byte STT frame');
  });
});

describe('tunnels and the other new kinds: the parser never throws', () => {
  const frames = [
    buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 1, gbp: { policyId: 1 }, frame: INNER } }),
    buildFrame({ ...ETH, ipv6: IP6, geneve: { vni: 1, options: [{ class: 1, type: 1, data: Buffer.alloc(4) }], frame: INNER } }),
    buildFrame({ ...ETH, ipv4: IP4, gre: { key: 1, seq: 2, checksumPresent: true, packet: INNER_IP } }),
    buildFrame({ ...ETH, ipv4: IP4, erspan: { version: 2, sessionId: 1, subheader: Buffer.alloc(8), frame: INNER } }),
    buildFrame({ ...ETH, ipv4: IP4, gtpu: { teid: 1, npdu: 1, extensions: [{ type: 0x85, content: Buffer.alloc(2) }], packet: INNER_IP } }),
    buildFrame({
      ...ETH,
      mpls: { labels: [{ label: 1 }, { label: 2 }] },
      ipv6: { ...IP6, extensions: [{ type: 'hopByHop' }, { type: 'srh', segments: [IP6.dst] }] },
      udp: { sport: 1, dport: 2 },
    }),
    buildFrame({
      ...ETH,
      ipv4: { ...IP4, options: [{ type: 'recordRoute', addresses: [], free: 1 }] },
      tcp: { sport: 1, dport: 2, options: [{ kind: 'mss', value: 1 }] },
    }),
    buildFrame({ ...ETH, ipv4: IP4, sctp: { sport: 1, dport: 2, chunks: [{ type: 'init', initiateTag: 1 }] } }),
    buildFrame({ ...ETH, ipv4: IP4, icmp: { type: 3, code: 4, mtu: 1400, quote: { ipv4: IP4, vxlan: { vni: 1, frame: INNER } } } }),
  ];

  it('on any prefix, and names a truncated layer for each cut inside the headers', () => {
    for (const full of frames) {
      for (let n = 0; n < full.length; n++) {
        const p = parseFrame(full.subarray(0, n));
        expect(p.length).to.equal(n);
      }
    }
  });

  it('on any byte changed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.nat(), fc.integer({ min: 0, max: 255 }), (full, at, v) => {
        const f = Buffer.from(full);
        f[at % f.length] = v;
        void parseFrame(f);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('diffFrames on tunnels', () => {
  it('names the tunnel field and the inner frame field that differ', () => {
    const a = buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 1, frame: INNER } });
    const b = buildFrame({ ...ETH, ipv4: IP4, vxlan: { vni: 2, frame: { ...INNER, ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 63 } } } });
    const d = diffFrames(a, b);
    expect(d).to.include('vxlan.vni: expected 1, got 2');
    expect(d).to.include('inner.ipv4.ttl: expected 64, got 63');
  });

  it('names list entries by index', () => {
    const a = buildFrame({ ...ETH, mpls: { labels: [{ label: 1 }, { label: 2 }] }, ipv4: IP4 });
    const b = buildFrame({ ...ETH, mpls: { labels: [{ label: 1 }, { label: 3 }] }, ipv4: IP4 });
    expect(diffFrames(a, b)).to.deep.equal(['mpls[1].label: expected 2, got 3']);
  });
});
