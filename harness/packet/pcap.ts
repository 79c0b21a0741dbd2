import { readFileSync, writeFileSync } from 'node:fs';

/** Classic libpcap files (not pcapng), Ethernet link type, as tcpdump and tshark read them. */

export interface PcapRecord {
  readonly data: Buffer;
  /** Capture time in microseconds since the epoch. */
  readonly timestampUs: number;
  /** Length on the wire when the record was cut by the snap length. */
  readonly originalLength: number;
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const LINKTYPE_ETHERNET = 1;

export class PcapError extends Error {}

export function encodePcap(frames: readonly (Buffer | { data: Buffer; timestampUs?: number })[], snaplen = 262144): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(MAGIC_US, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(snaplen, 16);
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const now = Date.now() * 1000;
  const records = frames.map((f, i) => {
    const data = Buffer.isBuffer(f) ? f : f.data;
    const ts = (Buffer.isBuffer(f) ? undefined : f.timestampUs) ?? now + i;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(ts / 1e6), 0);
    rec.writeUInt32LE(ts % 1e6, 4);
    const kept = data.subarray(0, snaplen);
    rec.writeUInt32LE(kept.length, 8);
    rec.writeUInt32LE(data.length, 12);
    return Buffer.concat([rec, kept]);
  });
  return Buffer.concat([header, ...records]);
}

/** Reads microsecond or nanosecond pcap in either byte order; a cut-off file is an error naming the offset. */
export function decodePcap(buf: Buffer, source = 'pcap'): PcapRecord[] {
  if (buf.length < 24) throw new PcapError(`${source}: not a pcap file (${buf.length} bytes, header needs 24)`);
  let le: boolean;
  let nanos: boolean;
  const m = buf.readUInt32LE(0);
  if (m === MAGIC_US || m === MAGIC_NS) [le, nanos] = [true, m === MAGIC_NS];
  else if (buf.readUInt32BE(0) === MAGIC_US || buf.readUInt32BE(0) === MAGIC_NS) [le, nanos] = [false, buf.readUInt32BE(0) === MAGIC_NS];
  else throw new PcapError(`${source}: bad magic 0x${m.toString(16)} (pcapng is not supported)`);
  const r32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = r32(20) & 0x0fffffff;
  if (linktype !== LINKTYPE_ETHERNET) throw new PcapError(`${source}: link type ${linktype} is not Ethernet (1)`);
  const out: PcapRecord[] = [];
  for (let off = 24; off < buf.length;) {
    if (off + 16 > buf.length) throw new PcapError(`${source}: record header cut off at byte ${off}`);
    const incl = r32(off + 8);
    if (off + 16 + incl > buf.length) throw new PcapError(`${source}: record at byte ${off} needs ${incl} bytes, ${buf.length - off - 16} left`);
    const frac = r32(off + 4);
    out.push({
      timestampUs: r32(off) * 1e6 + (nanos ? Math.floor(frac / 1000) : frac),
      originalLength: r32(off + 12),
      data: Buffer.from(buf.subarray(off + 16, off + 16 + incl)),
    });
    off += 16 + incl;
  }
  return out;
}

export function writePcap(path: string, frames: readonly (Buffer | { data: Buffer; timestampUs?: number })[]): void {
  writeFileSync(path, encodePcap(frames));
}

export function readPcap(path: string): PcapRecord[] {
  return decodePcap(readFileSync(path), path);
}
