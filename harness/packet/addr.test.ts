import { expect } from 'chai';
import fc from 'fast-check';
import { bytesToIpv6, ipv4ToBytes, ipv6ToBytes, macToBytes } from './addr.js';

describe('addresses', () => {
  it('prints IPv6 in RFC 5952 canonical form', () => {
    expect(bytesToIpv6(ipv6ToBytes('2001:0db8:0000:0000:0000:0000:0000:0001'))).to.equal('2001:db8::1');
    expect(bytesToIpv6(ipv6ToBytes('2001:db8:0:0:1:0:0:1'))).to.equal('2001:db8::1:0:0:1');
    expect(bytesToIpv6(ipv6ToBytes('2001:db8:0:1:1:1:1:1'))).to.equal('2001:db8:0:1:1:1:1:1');
    expect(bytesToIpv6(ipv6ToBytes('::'))).to.equal('::');
    expect(bytesToIpv6(ipv6ToBytes('fe80::'))).to.equal('fe80::');
    expect(bytesToIpv6(ipv6ToBytes('::ffff:10.0.0.1'))).to.equal('::ffff:a00:1');
  });

  it('round-trips any IPv6 address through text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        const b = Buffer.from(a);
        expect(ipv6ToBytes(bytesToIpv6(b)).equals(b)).to.equal(true);
      }),
    );
  });

  it('rejects malformed addresses with the text in the message', () => {
    expect(() => macToBytes('0a:dd:00:00:01')).to.throw("bad MAC address '0a:dd:00:00:01'");
    expect(() => ipv4ToBytes('10.0.0.256')).to.throw("'10.0.0.256'");
    expect(() => ipv6ToBytes('2001:db8::1::2')).to.throw('bad IPv6');
    expect(() => ipv6ToBytes('1:2:3:4:5:6:7:8:9')).to.throw('bad IPv6');
  });
});
