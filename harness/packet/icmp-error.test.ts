import { expect } from 'chai';
import { buildFrame, buildPacket, FrameSpecError } from './build.js';
import { icmpError } from './icmp-error.js';
import { parseFrame } from './parse.js';

const H1 = { mac: '0a:dd:00:00:00:01', ip: '10.0.0.1', ip6: '2001:db8::1' } as const;
const GW = { mac: '0a:dd:00:00:00:fe', ip: '10.0.0.254', ip6: '2001:db8::fe' } as const;
const BIG = Buffer.alloc(1400, 0x5a);

describe('ICMP errors quoting the offending packet', () => {
  const offending4 = buildFrame({
    dst: GW.mac,
    src: H1.mac,
    vlans: [{ vid: 10 }],
    ipv4: { src: H1.ip, dst: '192.0.2.9', df: true, id: 7 },
    udp: { sport: 1000, dport: 2000 },
    payload: BIG,
  });

  it('answers with fragmentation needed: swapped addresses, next-hop MTU, the packet quoted within 576 bytes', () => {
    const e = icmpError(offending4, { type: 3, code: 4, mtu: 1280, from: GW.ip });
    expect(e.length).to.equal(14 + 4 + 576);
    const p = parseFrame(e);
    expect(p.eth).to.deep.include({ dst: H1.mac, src: GW.mac });
    expect(p.eth?.vlans.map((v) => v.vid)).to.deep.equal([10]);
    expect(p.ipv4).to.include({ src: GW.ip, dst: H1.ip, protocol: 1 });
    expect(p.icmp).to.include({ type: 3, code: 4, mtu: 1280 });
    expect(p.icmp?.quoted?.ipv4).to.include({ src: H1.ip, dst: '192.0.2.9', totalLength: 1428, id: 7, df: true });
    expect(p.icmp?.quoted?.udp).to.include({ sport: 1000, dport: 2000 });
    // The quote stops short of the datagram: its UDP checksum cannot be judged, the ICMP one can.
    expect([p.badChecksums, p.icmp?.quoted?.badChecksums, p.icmp?.quoted?.unverifiedChecksums]).to.deep.equal([[], [], ['udp']]);
  });

  it('quotes RFC 792 header and 8 bytes when asked, for time exceeded', () => {
    const p = parseFrame(icmpError(offending4, { type: 11, quoteLength: 28, ttl: 255 }));
    expect(p.ipv4).to.include({ src: '192.0.2.9', ttl: 255 });
    expect(p.icmp).to.include({ type: 11, code: 0 });
    expect(p.icmp?.quoted?.length).to.equal(28);
    expect(p.icmp?.quoted?.udp).to.include({ sport: 1000, length: 1408 });
  });

  it('answers IPv6 with packet too big, quoting within 1280 bytes, and with unreachable from a spec', () => {
    const offending6 = { dst: GW.mac, src: H1.mac, ipv6: { src: H1.ip6, dst: '2001:db8:9::9' }, tcp: { sport: 40000, dport: 80, flags: 'PA' }, payload: BIG };
    const ptb = parseFrame(icmpError(offending6, { type: 2, mtu: 1280, from: GW.ip6 }));
    expect(ptb.length).to.equal(14 + 1280);
    expect(ptb.ipv6).to.include({ src: GW.ip6, dst: H1.ip6, nextHeader: 58 });
    expect(ptb.icmp6).to.include({ type: 2, mtu: 1280 });
    expect(ptb.icmp6?.quoted?.ipv6).to.include({ src: H1.ip6, dst: '2001:db8:9::9' });
    expect(ptb.icmp6?.quoted?.tcp).to.include({ sport: 40000, dport: 80 });
    expect([ptb.badChecksums, ptb.icmp6?.quoted?.unverifiedChecksums]).to.deep.equal([[], ['tcp']]);
    const unreach = parseFrame(icmpError(offending6, { type: 1, code: 3 }));
    expect(unreach.icmp6).to.include({ type: 1, code: 3 });
    expect(unreach.icmp6?.quoted?.ipv6?.dst).to.equal('2001:db8:9::9');
  });

  it('builds an error from a spec whose quote is a packet spec or bytes, and checks the quoted packet whole', () => {
    const quote = { ipv4: { src: '10.0.0.2', dst: '10.9.9.9', ttl: 1 }, udp: { sport: 3, dport: 4 }, payload: 'q' };
    const spec = { dst: H1.mac, src: GW.mac, ipv4: { src: GW.ip, dst: '10.0.0.2' } };
    const a = buildFrame({ ...spec, icmp: { type: 11, quote } });
    const b = buildFrame({ ...spec, icmp: { type: 11, quote: buildPacket(quote) } });
    expect(a.equals(b)).to.equal(true);
    const p = parseFrame(a);
    expect(p.icmp?.quoted?.ipv4).to.include({ src: '10.0.0.2', ttl: 1 });
    expect([p.icmp?.quoted?.badChecksums, p.icmp?.quoted?.unverifiedChecksums]).to.deep.equal([[], []]);
    const problem = parseFrame(
      buildFrame({ dst: H1.mac, src: GW.mac, ipv6: { src: GW.ip6, dst: H1.ip6 }, icmp6: { type: 4, pointer: 40, quote: Buffer.alloc(0) } }),
    );
    expect(problem.icmp6).to.include({ type: 4, pointer: 40 });
  });

  it('refuses an MTU or pointer too wide for the message, and a frame without IP', () => {
    expect(() => icmpError(offending4, { type: 3, code: 4, mtu: 65536 })).to.throw(FrameSpecError, 'icmp.mtu: 65536 is out of range 0..65535 (16-bit field)');
    expect(() => icmpError(offending4, { type: 12, pointer: 256 })).to.throw(FrameSpecError, 'icmp.pointer: 256 is out of range 0..255 (8-bit field)');
    expect(() =>
      buildFrame({ dst: H1.mac, src: GW.mac, ipv4: { src: GW.ip, dst: H1.ip }, icmp: { type: 11, quote: { ipv4: { src: H1.ip, dst: GW.ip, ttl: 256 } } } }),
    ).to.throw(FrameSpecError, 'icmp.quote.ipv4.ttl: 256 is out of range 0..255 (8-bit field)');
    expect(() => icmpError(buildFrame({ dst: GW.mac, src: H1.mac, ethertype: 0x88b5 }), { type: 3 })).to.throw(FrameSpecError, 'no IPv4 or IPv6 header');
  });
});
