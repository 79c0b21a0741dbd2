import { createServer, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import type { ControllerChannel, PacketIn } from '../../harness/datapath/datapath.js';

/**
 * A minimal OpenFlow 1.0 controller on a unix socket, enough to receive packet-ins:
 * it answers HELLO and ECHO, confirms the session with FEATURES_REQUEST, and records every
 * OFPT_PACKET_IN. ovs-vswitchd connects to it as the bridge's controller.
 */
const OFP10 = 0x01;
const T = { HELLO: 0, ECHO_REQUEST: 2, ECHO_REPLY: 3, FEATURES_REQUEST: 5, FEATURES_REPLY: 6, PACKET_IN: 10 } as const;
const REASONS = ['no_match', 'action', 'invalid_ttl'];

function header(type: number, xid: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h[0] = OFP10;
  h[1] = type;
  h.writeUInt16BE(8 + body.length, 2);
  h.writeUInt32BE(xid, 4);
  return Buffer.concat([h, body]);
}

export interface OpenFlowListener {
  readonly path: string;
  /** Resolves once a switch has connected and answered FEATURES_REQUEST. */
  readonly connected: Promise<void>;
  readonly channel: ControllerChannel;
}

export async function listenOpenFlow(path: string, onClose: () => Promise<void>): Promise<OpenFlowListener> {
  await rm(path, { force: true });
  const packetIns: PacketIn[] = [];
  const sockets = new Set<Socket>();
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((r) => (markConnected = r));
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    let buf = Buffer.alloc(0);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
    sock.write(header(T.HELLO, 1));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8) {
        const len = buf.readUInt16BE(2);
        if (len < 8 || buf.length < len) break;
        const msg = buf.subarray(0, len);
        buf = buf.subarray(len);
        const type = msg[1] as number;
        const xid = msg.readUInt32BE(4);
        if (type === T.HELLO) sock.write(header(T.FEATURES_REQUEST, 2));
        else if (type === T.ECHO_REQUEST) sock.write(header(T.ECHO_REPLY, xid, msg.subarray(8)));
        else if (type === T.FEATURES_REPLY) markConnected();
        else if (type === T.PACKET_IN && msg.length >= 18) {
          // ofp_packet_in: buffer_id(4) total_len(2) in_port(2) reason(1) pad(1) data
          packetIns.push({
            inPort: msg.readUInt16BE(14),
            reason: REASONS[msg[16] as number] ?? `reason ${msg[16]}`,
            data: Buffer.from(msg.subarray(18)),
          });
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  const channel: ControllerChannel = {
    packetIns: async () => [...packetIns],
    close: async () => {
      await onClose();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(path, { force: true });
    },
  };
  return { path, connected, channel };
}
