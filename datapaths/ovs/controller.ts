import { createServer, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import type { ControllerChannel, PacketIn } from '../../harness/datapath/datapath.js';
import { PacketInLog } from '../../harness/datapath/packet-in-log.js';

/**
 * A minimal OpenFlow 1.3 controller on a unix socket, enough to receive packet-ins: it answers
 * HELLO and ECHO, confirms the session with FEATURES_REQUEST and records every OFPT_PACKET_IN.
 * OpenFlow 1.3, because a table miss then drops (1.0 would turn every miss into a packet-in).
 * ovs-vswitchd connects once, when the backend starts: changing a bridge's controllers later
 * makes it flush its OpenFlow tables.
 */
const OFP13 = 0x04;
const T = { HELLO: 0, ECHO_REQUEST: 2, ECHO_REPLY: 3, FEATURES_REQUEST: 5, FEATURES_REPLY: 6, PACKET_IN: 10, SET_ASYNC: 28 } as const;
const REASONS = ['no_match', 'action', 'invalid_ttl'];

/**
 * OFPT_SET_ASYNC: packet-ins for every OpenFlow 1.3 reason, invalid_ttl included (OVS's default
 * async config leaves it out, so dec_ttl's expiry would reach no controller); port status and
 * flow removed as OVS's defaults. Masks: packet_in, port_status, flow_removed, each master then slave.
 */
function setAsync(): Buffer {
  const body = Buffer.alloc(24);
  [0b111, 0, 0b111, 0b111, 0b1111, 0].forEach((m, i) => body.writeUInt32BE(m, i * 4));
  return message(T.SET_ASYNC, 3, body);
}

function message(type: number, xid: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h[0] = OFP13;
  h[1] = type;
  h.writeUInt16BE(8 + body.length, 2);
  h.writeUInt32BE(xid, 4);
  return Buffer.concat([h, body]);
}

/** Decodes an OpenFlow 1.3 packet-in; undefined when it is too short to be one. */
export function parsePacketIn13(msg: Buffer): PacketIn | undefined {
  // header(8) buffer_id(4) total_len(2) reason(1) table_id(1) cookie(8) ofp_match pad(2) data
  if (msg.length < 32) return undefined;
  const reason = msg[14] as number;
  const tableId = msg[15] as number;
  const matchLen = msg.readUInt16BE(26);
  const matchEnd = 24 + Math.ceil(matchLen / 8) * 8;
  let inPort = 0;
  // OXM TLVs: class(2) field<<1|hasmask(1) length(1) value; OFPXMT_OFB_IN_PORT is 0x8000/0.
  for (let off = 28; off + 4 <= 24 + matchLen;) {
    const cls = msg.readUInt16BE(off);
    const field = (msg[off + 2] as number) >> 1;
    const len = msg[off + 3] as number;
    if (cls === 0x8000 && field === 0 && len === 4) inPort = msg.readUInt32BE(off + 4);
    off += 4 + len;
  }
  if (matchEnd + 2 > msg.length) return undefined;
  return { inPort, reason: REASONS[reason] ?? `reason ${reason}`, tableId, data: Buffer.from(msg.subarray(matchEnd + 2)) };
}

export interface OpenFlowController {
  readonly target: string;
  /** Resolves once a switch has connected and answered FEATURES_REQUEST. */
  readonly connected: Promise<void>;
  /** A channel that records packet-ins from now on. */
  channel(): ControllerChannel;
  close(): Promise<void>;
}

export async function listenOpenFlow(path: string): Promise<OpenFlowController> {
  await rm(path, { force: true });
  const packetIns = new PacketInLog();
  const sockets = new Set<Socket>();
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((r) => (markConnected = r));
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    let buf = Buffer.alloc(0);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
    sock.write(message(T.HELLO, 1));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8) {
        const len = buf.readUInt16BE(2);
        if (len < 8 || buf.length < len) break;
        const msg = buf.subarray(0, len);
        buf = buf.subarray(len);
        const type = msg[1] as number;
        if (type === T.HELLO) sock.write(message(T.FEATURES_REQUEST, 2));
        else if (type === T.ECHO_REQUEST) sock.write(message(T.ECHO_REPLY, msg.readUInt32BE(4), msg.subarray(8)));
        else if (type === T.FEATURES_REPLY) {
          sock.write(setAsync());
          markConnected();
        } else if (type === T.PACKET_IN) {
          const p = parsePacketIn13(msg);
          if (p) packetIns.push(p);
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return {
    target: `unix:${path}`,
    connected,
    channel: () => packetIns.channel(),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(path, { force: true });
    },
  };
}
