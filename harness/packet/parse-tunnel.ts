import type { ParsedFrame } from './headers.js';
import { ETH_P, UDP_PORT } from './protocol-numbers.js';
import { parseErspan } from './tunnel-erspan.js';
import { parseGeneve } from './tunnel-geneve.js';
import { parseGre } from './tunnel-gre.js';
import { GTPU_G_PDU, parseGtpu } from './tunnel-gtpu.js';
import { parseLisp } from './tunnel-lisp.js';
import { parseVxlan } from './tunnel-vxlan.js';

/** Tunnel headers after UDP or as IP protocol 47, and the frame or packet inside them, parsed recursively. */

/** The parsers of what sits inside: passed in, so that this module does not import the frame parser back. */
export interface Nested {
  /** An Ethernet frame. */
  frame(b: Buffer): ParsedFrame;
  /** An IP packet (version from its first nibble). */
  packet(b: Buffer): ParsedFrame;
  /** An ICMP error's quote: a packet whose L4 checksum is not judged when cut short. */
  quote(b: Buffer): ParsedFrame;
}

/** Keeps the inner frame, and reports its bad checksums and truncation on the outer one, prefixed `inner.`. */
function adopt(f: ParsedFrame, inner: ParsedFrame): void {
  f.inner = inner;
  f.badChecksums.push(...inner.badChecksums.map((c) => `inner.${c}`));
  f.unverifiedChecksums.push(...inner.unverifiedChecksums.map((c) => `inner.${c}`));
  if (inner.truncated !== undefined) f.truncated = `inner.${inner.truncated}`;
}

/** What a protocol type (GRE, Geneve) names: an Ethernet frame, an IP packet, or neither. */
function byProtocol(f: ParsedFrame, protocol: number, body: Buffer, nested: Nested): void {
  if (protocol === ETH_P.TEB) adopt(f, nested.frame(body));
  else if (protocol === ETH_P.IPV4 || protocol === ETH_P.IPV6) adopt(f, nested.packet(body));
}

/** VXLAN, Geneve, GTP-U or LISP by UDP destination port; `payload` is the UDP payload. */
export function parseUdpTunnel(f: ParsedFrame, dport: number, payload: Buffer, nested: Nested): void {
  /** The tunnel header, with the frame's payload moved past it; undefined (and `truncated` set) when cut short. */
  const read = <T>(r: { header: T; size: number } | string): T | undefined => {
    if (typeof r === 'string') return void (f.truncated = r);
    f.payload = payload.subarray(r.size);
    return r.header;
  };
  if (dport === UDP_PORT.VXLAN) {
    const h = read(parseVxlan(payload));
    if (!h) return;
    f.vxlan = h;
    adopt(f, nested.frame(f.payload));
  } else if (dport === UDP_PORT.GENEVE) {
    const h = read(parseGeneve(payload));
    if (!h) return;
    f.geneve = h;
    byProtocol(f, h.protocol, f.payload, nested);
  } else if (dport === UDP_PORT.GTPU) {
    const h = read(parseGtpu(payload));
    if (!h) return;
    f.gtpu = h;
    // Only a G-PDU carries a packet; echo and error indication messages carry information elements.
    if (h.messageType === GTPU_G_PDU && f.payload.length > 0) adopt(f, nested.packet(f.payload));
  } else if (dport === UDP_PORT.LISP) {
    const h = read(parseLisp(payload));
    if (!h) return;
    f.lisp = h;
    if (f.payload.length > 0) adopt(f, nested.packet(f.payload));
  }
}

/** GRE (and ERSPAN over it); `seg` is the IP payload; `partial`: a first fragment, whose GRE checksum cannot be judged. */
export function parseGreTunnel(f: ParsedFrame, seg: Buffer, partial: boolean, nested: Nested): void {
  const r = parseGre(seg);
  f.payload = seg;
  if (typeof r === 'string') return void (f.truncated = r);
  f.gre = r.header;
  if (r.checksumOk !== undefined) {
    if (partial) f.unverifiedChecksums.push('gre');
    else if (!r.checksumOk) f.badChecksums.push('gre');
  }
  const body = seg.subarray(r.size);
  f.payload = body;
  const p = r.header.protocol;
  // ERSPAN type I (0x88be without a sequence number) has no header of its own.
  if (p === ETH_P.ERSPAN_III || (p === ETH_P.ERSPAN_II && r.header.seqPresent)) {
    const e = parseErspan(body, p);
    if (typeof e === 'string') return void (f.truncated = e);
    f.erspan = e.header;
    f.payload = body.subarray(e.size);
    adopt(f, nested.frame(f.payload));
  } else {
    byProtocol(f, p === ETH_P.ERSPAN_II ? ETH_P.TEB : p, body, nested);
  }
}
