import { Subscriber } from 'zeromq';
import { z } from 'zod';
import { parseJson } from '../../text/json-schema.js';
import { decode } from './framing.js';

/**
 * The async channel: a ZeroMQ SUB socket on the server's PUB port (4500). It carries
 * `trex-global` stats about every 0.5 s (compressed: over 256 bytes) and the literal `{}` when
 * events are queued, which are then fetched with `get_async_events`.
 */
export type AsyncMessage =
  | { readonly kind: 'global'; readonly data: Readonly<Record<string, number>> }
  | { readonly kind: 'events-queued' }
  | { readonly kind: 'other'; readonly name: string; readonly data: unknown };

/** A message on the PUB port: a named publication with its data, or `{}` (events queued). */
const AsyncMessageSchema = z.looseObject({ name: z.string().optional(), data: z.unknown().optional() });

export function parseAsyncMessage(msg: Buffer): AsyncMessage {
  const v = parseJson(AsyncMessageSchema, decode(msg), 'TRex async channel');
  if (v.name === undefined && Object.keys(v).length === 0) return { kind: 'events-queued' };
  if (v.name === 'trex-global') {
    // The global stats are counters; anything else in them is not read.
    const data = typeof v.data === 'object' && v.data !== null ? Object.entries(v.data).filter((e): e is [string, number] => typeof e[1] === 'number') : [];
    return { kind: 'global', data: Object.fromEntries(data) };
  }
  return { kind: 'other', name: v.name ?? '', data: v.data };
}

export class AsyncChannel {
  private readonly socket = new Subscriber({ linger: 0 });
  private latest: Readonly<Record<string, number>> | undefined;
  private queued = false;
  private readonly loop: Promise<void>;

  constructor(readonly endpoint: string) {
    this.socket.connect(endpoint);
    this.socket.subscribe();
    this.loop = (async () => {
      for await (const [msg] of this.socket) {
        const m = parseAsyncMessage(msg as Buffer);
        if (m.kind === 'global') this.latest = m.data;
        else if (m.kind === 'events-queued') this.queued = true;
      }
    })().catch(() => undefined);
  }

  /** The last `trex-global` stats seen, if any. */
  globalStats(): Readonly<Record<string, number>> | undefined {
    return this.latest;
  }

  /** Whether the server announced queued events since the last call. */
  takeEventsQueued(): boolean {
    const q = this.queued;
    this.queued = false;
    return q;
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.loop;
  }
}
