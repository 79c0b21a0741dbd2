import { deflateSync, inflateSync } from 'node:zlib';

/**
 * TRex's optional compression of ZeroMQ messages: big-endian u32 magic 0xABE85CEA, big-endian
 * u32 uncompressed length, then a zlib (RFC 1950) stream. The server answers a compressed request
 * compressed, and compresses any PUB message over 256 bytes.
 */
export const COMPRESSION_MAGIC = 0xabe85cea;
/** The server refuses requests over this many bytes, raw or uncompressed (-32603). */
export const MAX_REQUEST_BYTES = 999_999;

export class TrexFramingError extends Error {}

export function compress(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(COMPRESSION_MAGIC, 0);
  head.writeUInt32BE(raw.length, 4);
  return Buffer.concat([head, deflateSync(raw)]);
}

export function isCompressed(msg: Buffer): boolean {
  return msg.length >= 8 && msg.readUInt32BE(0) === COMPRESSION_MAGIC;
}

/** The message's text, decompressed when it carries the magic; the length must match. */
export function decode(msg: Buffer): string {
  if (!isCompressed(msg)) return msg.toString('utf8');
  const want = msg.readUInt32BE(4);
  let raw: Buffer;
  try {
    raw = inflateSync(msg.subarray(8));
  } catch (e) {
    throw new TrexFramingError(`compressed TRex message: bad zlib stream (${(e as Error).message})`);
  }
  if (raw.length !== want) throw new TrexFramingError(`compressed TRex message: header says ${want} bytes, zlib gave ${raw.length}`);
  return raw.toString('utf8');
}
