import { bytesToIpv4, bytesToIpv6, bytesToMac } from './addr.js';
import { internetChecksum } from './checksum.js';
import type { ParsedFrame, VlanTag } from './headers.js';
import { parseIpv4Options } from './ipv4-options.js';
import { walkIpv6Chain } from './ipv6-ext.js';
import { parseMplsStack } from './mpls.js';
import { parseL4 } from './parse-l4.js';
import type { Nested } from './parse-tunnel.js';
import { ETH_P } from './protocol-numbers.js';

const NESTED: Nested = { frame: parseFrame, packet: (b) => ip(b, false), quote: (b) => ip(b, true) };

/** `quoted`: an ICMP error's quote, which may stop short of the packet's length. */
function ipv4(f: ParsedFrame, l3: Buffer, quoted: boolean): void {
  if (l3.length < 20) return void (f.truncated = `ipv4: header needs 20 bytes, ${l3.length} left`);
  const ihl = (l3[0] as number) & 0x0f;
  const frag = l3.readUInt16BE(6);
  f.ipv4 = {
    ihl,
    tos: l3[1] as number,
    totalLength: l3.readUInt16BE(2),
    id: l3.readUInt16BE(4),
    df: (frag & 0x4000) !== 0,
    mf: (frag & 0x2000) !== 0,
    fragOffset: frag & 0x1fff,
    ttl: l3[8] as number,
    protocol: l3[9] as number,
    checksum: l3.readUInt16BE(10),
    src: bytesToIpv4(l3.subarray(12, 16)),
    dst: bytesToIpv4(l3.subarray(16, 20)),
  };
  if ((l3[0] as number) >> 4 !== 4 || ihl < 5 || ihl * 4 > l3.length)
    return void (f.truncated = `ipv4: bad version/IHL byte 0x${(l3[0] as number).toString(16)}`);
  if (internetChecksum(l3.subarray(0, ihl * 4)) !== 0) f.badChecksums.push('ipv4');
  const end = Math.min(l3.length, Math.max(f.ipv4.totalLength, ihl * 4));
  const seg = l3.subarray(ihl * 4, end);
  f.payload = seg;
  if (ihl > 5) {
    const o = parseIpv4Options(l3.subarray(20, ihl * 4));
    f.ipv4 = { ...f.ipv4, options: o.options };
    if (o.error) return void (f.truncated = o.error);
  }
  const cut = quoted && l3.length < f.ipv4.totalLength;
  // Only the first fragment carries the L4 header.
  if (f.ipv4.fragOffset === 0) parseL4(f, f.ipv4.protocol, seg, l3.subarray(12, 16), l3.subarray(16, 20), f.ipv4.mf || cut, NESTED);
}

function ipv6(f: ParsedFrame, l3: Buffer, quoted: boolean): void {
  if (l3.length < 40) return void (f.truncated = `ipv6: header needs 40 bytes, ${l3.length} left`);
  const w = l3.readUInt32BE(0);
  f.ipv6 = {
    tc: (w >>> 20) & 0xff,
    flowLabel: w & 0xfffff,
    payloadLength: l3.readUInt16BE(4),
    nextHeader: l3[6] as number,
    hopLimit: l3[7] as number,
    src: bytesToIpv6(l3.subarray(8, 24)),
    dst: bytesToIpv6(l3.subarray(24, 40)),
  };
  if (w >>> 28 !== 6) return void (f.truncated = `ipv6: version ${w >>> 28}`);
  const chain = walkIpv6Chain(f.ipv6.nextHeader, l3.subarray(40, Math.min(l3.length, 40 + f.ipv6.payloadLength)));
  if (chain.extensions.length > 0) f.ipv6 = { ...f.ipv6, extensions: chain.extensions };
  if (chain.fragment) {
    const { nextHeader, fragOffset, mf, id } = chain.fragment;
    f.ipv6 = { ...f.ipv6, fragment: { nextHeader, fragOffset, mf, id } };
  }
  f.payload = chain.rest;
  if (chain.error) return void (f.truncated = chain.error);
  // As for IPv4, only the first fragment carries the L4 header; with M clear it holds it all.
  if (chain.fragment && chain.fragment.fragOffset !== 0) return;
  const partial = (chain.fragment?.mf ?? false) || (quoted && l3.length < 40 + f.ipv6.payloadLength);
  parseL4(f, chain.proto, chain.rest, l3.subarray(8, 24), chain.finalDst ?? l3.subarray(24, 40), partial, NESTED);
}

/** MPLS: the label stack, then IPv4 or IPv6 by the first nibble after it (as Linux and Wireshark guess), else payload. */
function mpls(f: ParsedFrame, l3: Buffer): void {
  const m = parseMplsStack(l3);
  f.mpls = m.labels;
  f.payload = m.rest;
  if (m.error) return void (f.truncated = m.error);
  const version = (m.rest[0] ?? 0) >> 4;
  if (version === 4) ipv4(f, m.rest, false);
  else if (version === 6) ipv6(f, m.rest, false);
}

function arp(f: ParsedFrame, l3: Buffer): void {
  if (l3.length < 28) return void (f.truncated = `arp: needs 28 bytes, ${l3.length} left`);
  f.arp = {
    htype: l3.readUInt16BE(0),
    ptype: l3.readUInt16BE(2),
    op: l3.readUInt16BE(6),
    sha: bytesToMac(l3.subarray(8, 14)),
    spa: bytesToIpv4(l3.subarray(14, 18)),
    tha: bytesToMac(l3.subarray(18, 24)),
    tpa: bytesToIpv4(l3.subarray(24, 28)),
  };
  f.payload = l3.subarray(28);
}

const empty = (length: number): ParsedFrame => ({ length, payload: Buffer.alloc(0), badChecksums: [], unverifiedChecksums: [] });

/** An IP packet without Ethernet, its version read from the first nibble. */
function ip(buf: Buffer, quoted: boolean): ParsedFrame {
  const f = empty(buf.length);
  f.payload = buf;
  const version = (buf[0] ?? 0) >> 4;
  if (buf.length === 0) f.truncated = 'ip: header needs 1 byte, 0 left';
  else if (version === 4) ipv4(f, buf, quoted);
  else if (version === 6) ipv6(f, buf, quoted);
  else f.truncated = `ip: version ${version}`;
  return f;
}

/** Parses an IP packet (no Ethernet header: a tunnel's or an ICMP error's inner packet), IPv4 or IPv6 by its version. */
export function parsePacket(buf: Buffer): ParsedFrame {
  return ip(buf, false);
}

export function parseFrame(buf: Buffer): ParsedFrame {
  const f = empty(buf.length);
  if (buf.length < 14) {
    f.truncated = `eth: header needs 14 bytes, ${buf.length} left`;
    f.payload = buf;
    return f;
  }
  let off = 12;
  let ethertype = buf.readUInt16BE(off);
  const vlans: VlanTag[] = [];
  while (ethertype === ETH_P.VLAN || ethertype === ETH_P.QINQ) {
    if (buf.length < off + 6) {
      f.truncated = `vlan: tag needs 4 bytes, ${buf.length - off - 2} left`;
      break;
    }
    const tci = buf.readUInt16BE(off + 2);
    vlans.push({ tpid: ethertype, pcp: tci >> 13, dei: (tci >> 12) & 1, vid: tci & 0xfff });
    off += 4;
    ethertype = buf.readUInt16BE(off);
  }
  off += 2;
  f.eth = { dst: bytesToMac(buf.subarray(0, 6)), src: bytesToMac(buf.subarray(6, 12)), vlans, ethertype };
  const l3 = buf.subarray(off);
  f.payload = l3;
  if (f.truncated) return f;
  if (ethertype === ETH_P.ARP) arp(f, l3);
  else if (ethertype === ETH_P.IPV4) ipv4(f, l3, false);
  else if (ethertype === ETH_P.IPV6) ipv6(f, l3, false);
  else if (ethertype === ETH_P.MPLS || ethertype === ETH_P.MPLS_MC) mpls(f, l3);
  return f;
}
