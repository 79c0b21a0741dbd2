import { bytesToIpv4, bytesToIpv6, bytesToMac } from './addr.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import {
  ETH_P,
  IPPROTO,
  type ArpHeader,
  type EthernetHeader,
  type IcmpHeader,
  type Ipv4Header,
  type Ipv6Header,
  type TcpHeader,
  type UdpHeader,
  type VlanTag,
} from './headers.js';

/**
 * What could be read from a frame. Parsing never throws: a truncated or malformed layer stops
 * the walk, is named in `truncated`, and everything before it is kept.
 */
export interface ParsedFrame {
  readonly length: number;
  eth?: EthernetHeader;
  arp?: ArpHeader;
  ipv4?: Ipv4Header;
  ipv6?: Ipv6Header;
  udp?: UdpHeader;
  tcp?: TcpHeader;
  icmp?: IcmpHeader;
  icmp6?: IcmpHeader;
  /** Bytes after the last parsed header (L4 payload, or L3 payload of unknown protocols). */
  payload: Buffer;
  /** The layer that was cut short or malformed, e.g. `ipv4: header needs 20 bytes, 12 left`. */
  truncated?: string;
  /** Checksums found wrong, e.g. `['ipv4', 'udp']`; absent layers are not checked. */
  badChecksums: string[];
  /**
   * Checksums the frame cannot settle, neither bad nor good: `['udp']` in the first fragment of
   * a datagram, whose L4 checksum covers the whole datagram while the fragment holds its start.
   */
  unverifiedChecksums: string[];
}

const ECHO_TYPES = new Set([0, 8, 128, 129]);

/** The L4 header in `seg`; `partial`: `seg` is a first fragment, not the whole datagram. */
function l4(f: ParsedFrame, proto: number, seg: Buffer, src: Buffer, dst: Buffer, partial: boolean): void {
  const sum = (p: number) => pseudoHeaderSum(src, dst, p, seg.length);
  const check = (name: string, initial: number) => {
    if (partial) f.unverifiedChecksums.push(name);
    else if (internetChecksum(seg, initial) !== 0) f.badChecksums.push(name);
  };
  if (proto === IPPROTO.UDP) {
    if (seg.length < 8) return void (f.truncated = `udp: header needs 8 bytes, ${seg.length} left`);
    f.udp = { sport: seg.readUInt16BE(0), dport: seg.readUInt16BE(2), length: seg.readUInt16BE(4), checksum: seg.readUInt16BE(6) };
    f.payload = seg.subarray(8);
    // Zero is "no checksum", which only IPv4 allows.
    if (f.udp.checksum !== 0) check('udp', sum(IPPROTO.UDP));
    else if (src.length === 16) f.badChecksums.push('udp');
  } else if (proto === IPPROTO.TCP) {
    if (seg.length < 20) return void (f.truncated = `tcp: header needs 20 bytes, ${seg.length} left`);
    const off = seg.readUInt16BE(12);
    const dataOffset = off >> 12;
    f.tcp = {
      sport: seg.readUInt16BE(0),
      dport: seg.readUInt16BE(2),
      seq: seg.readUInt32BE(4),
      ack: seg.readUInt32BE(8),
      dataOffset,
      flags: off & 0x1ff,
      window: seg.readUInt16BE(14),
      checksum: seg.readUInt16BE(16),
      urgent: seg.readUInt16BE(18),
    };
    if (dataOffset < 5 || dataOffset * 4 > seg.length) {
      f.truncated = `tcp: data offset ${dataOffset} does not fit ${seg.length} bytes`;
      f.payload = Buffer.alloc(0);
      return;
    }
    f.payload = seg.subarray(dataOffset * 4);
    check('tcp', sum(IPPROTO.TCP));
  } else if (proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6) {
    const v6 = proto === IPPROTO.ICMPV6;
    const name = v6 ? 'icmp6' : 'icmp';
    if (seg.length < 4) return void (f.truncated = `${name}: header needs 4 bytes, ${seg.length} left`);
    const type = seg[0] as number;
    const h: { -readonly [K in keyof IcmpHeader]: IcmpHeader[K] } = { type, code: seg[1] as number, checksum: seg.readUInt16BE(2) };
    let rest = 4;
    if (ECHO_TYPES.has(type) && seg.length >= 8) {
      h.id = seg.readUInt16BE(4);
      h.seq = seg.readUInt16BE(6);
      rest = 8;
    } else if (v6 && (type === 135 || type === 136)) {
      if (seg.length < 24) {
        f.icmp6 = h;
        f.truncated = `icmp6: neighbour discovery needs 24 bytes, ${seg.length} left`;
        return;
      }
      h.target = bytesToIpv6(seg.subarray(8, 24));
      rest = 24;
      if (seg.length >= 32 && seg[25] === 1 && (seg[24] === 1 || seg[24] === 2)) {
        h.lladdr = bytesToMac(seg.subarray(26, 32));
        rest = 32;
      }
    } else if (seg.length >= 8) {
      rest = 8;
    }
    if (v6) f.icmp6 = h;
    else f.icmp = h;
    f.payload = seg.subarray(rest);
    check(name, v6 ? sum(IPPROTO.ICMPV6) : 0);
  } else {
    f.payload = seg;
  }
}

export function parseFrame(buf: Buffer): ParsedFrame {
  const f: ParsedFrame = { length: buf.length, payload: Buffer.alloc(0), badChecksums: [], unverifiedChecksums: [] };
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
  if (ethertype === ETH_P.ARP) {
    if (l3.length < 28) return ((f.truncated = `arp: needs 28 bytes, ${l3.length} left`), f);
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
  } else if (ethertype === ETH_P.IPV4) {
    if (l3.length < 20) return ((f.truncated = `ipv4: header needs 20 bytes, ${l3.length} left`), f);
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
      return ((f.truncated = `ipv4: bad version/IHL byte 0x${(l3[0] as number).toString(16)}`), f);
    if (internetChecksum(l3.subarray(0, ihl * 4)) !== 0) f.badChecksums.push('ipv4');
    const end = Math.min(l3.length, Math.max(f.ipv4.totalLength, ihl * 4));
    const seg = l3.subarray(ihl * 4, end);
    f.payload = seg;
    // Only the first fragment carries the L4 header.
    if (f.ipv4.fragOffset === 0) l4(f, f.ipv4.protocol, seg, l3.subarray(12, 16), l3.subarray(16, 20), f.ipv4.mf);
  } else if (ethertype === ETH_P.IPV6) {
    if (l3.length < 40) return ((f.truncated = `ipv6: header needs 40 bytes, ${l3.length} left`), f);
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
    if (w >>> 28 !== 6) return ((f.truncated = `ipv6: version ${w >>> 28}`), f);
    const seg = l3.subarray(40, Math.min(l3.length, 40 + f.ipv6.payloadLength));
    f.payload = seg;
    if (f.ipv6.nextHeader !== IPPROTO.IPV6_FRAGMENT) {
      l4(f, f.ipv6.nextHeader, seg, l3.subarray(8, 24), l3.subarray(24, 40), false);
      return f;
    }
    if (seg.length < 8) return ((f.truncated = `ipv6: fragment header needs 8 bytes, ${seg.length} left`), f);
    const offMf = seg.readUInt16BE(2);
    const fragment = { nextHeader: seg[0] as number, fragOffset: offMf >> 3, mf: (offMf & 1) !== 0, id: seg.readUInt32BE(4) };
    f.ipv6 = { ...f.ipv6, fragment };
    f.payload = seg.subarray(8);
    // As for IPv4, only the first fragment carries the L4 header; with M clear it holds it all.
    if (fragment.fragOffset === 0) l4(f, fragment.nextHeader, f.payload, l3.subarray(8, 24), l3.subarray(24, 40), fragment.mf);
  }
  return f;
}
