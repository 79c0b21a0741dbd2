import type { ControllerChannel, PacketIn } from './datapath.js';

/**
 * Packet-ins as a backend receives them, from its start on. `channel()` gives the view a case
 * opens: the packet-ins from that moment until the channel is closed.
 */
export class PacketInLog {
  private readonly all: PacketIn[] = [];

  push(p: PacketIn): void {
    this.all.push(p);
  }

  channel(): ControllerChannel {
    const from = this.all.length;
    let until: number | undefined;
    return {
      packetIns: async () => this.all.slice(from, until),
      close: async () => {
        until ??= this.all.length;
      },
    };
  }
}
