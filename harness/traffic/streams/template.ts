import { buildFrame } from '../../packet/index.js';
import type { VarField } from './stream-model.js';

/**
 * The frame every generator sends for a stream: untagged Ethernet/IPv4/UDP from one MAC to
 * another, `frameSize` on the wire (incl. the 4-byte FCS the NIC adds), and where the field
 * engine's variables sit in it.
 */
export const FIELD_AT: Readonly<Record<VarField, { offset: number; size: 2 | 4 }>> = {
  'eth.src': { offset: 8, size: 4 }, // the low 32 bits of the source MAC
  'ipv4.src': { offset: 26, size: 4 },
  'ipv4.dst': { offset: 30, size: 4 },
  'udp.sport': { offset: 34, size: 2 },
  'udp.dport': { offset: 36, size: 2 },
};
export const IPV4_OFF = 14;
/** Ethernet + IPv4 + UDP. */
export const HDR_LEN = 42;
export const FCS = 4;

export function templateFrame(from: { readonly mac: string }, to: { readonly mac: string }, frameSize: number): Buffer {
  return buildFrame({
    src: from.mac,
    dst: to.mac,
    ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 64 },
    // Checksum 0 ("none" over IPv4): the field engine varies ports without an L4 fix-up.
    udp: { sport: 1024, dport: 9, zeroChecksum: true },
    payload: Buffer.alloc(frameSize - FCS - HDR_LEN, 0),
  });
}
