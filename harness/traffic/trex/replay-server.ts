import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Reply } from 'zeromq';
import { compress, decode, isCompressed } from './framing.js';

/**
 * A stand-in TRex sync port for tests: a real ZeroMQ REP socket on loopback that answers each
 * request with a recorded one (./fixtures/*.jsonl, from shared/fixtures/trex), in order. A request must match its
 * recording (method and params, except per-session values); the reply carries the request's
 * id and is compressed when the request was, as the server does. A mismatch is answered with
 * a -32600 error naming both, so the test fails where it went astray.
 */
export interface Exchange {
  readonly request: unknown;
  readonly response?: unknown;
  /** Never answer this one (a server that hangs). */
  readonly silent?: boolean;
}

/** Values that differ per session and so are not compared (strip() drops them). */
const VOLATILE = new Set(['id', 'api_h', 'handler', 'session_id']);

/** `profile_id: "_"` is the default profile: sent or not, the same request. */
const isDefault = (k: string, x: unknown) => k === 'profile_id' && x === '_';

export const strip = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(strip)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([k, x]) => !VOLATILE.has(k) && !isDefault(k, x))
            .map(([k, x]) => [k, strip(x)]),
        )
      : v;

type Request = { readonly id?: string; readonly method?: string; readonly params?: unknown };

/**
 * The reply a server that made these recordings would give, out of order: the one recorded for
 * the same method and parameters, else the first recorded for the method, with the request's
 * id; a method never recorded gets the server's -32601.
 */
export function recordedAnswer(transcripts: readonly Exchange[], req: Request): unknown {
  const singles = transcripts.filter((e) => !Array.isArray(e.request) && e.response !== undefined);
  const same = singles.find((e) => isDeepStrictEqual(strip(e.request), strip({ jsonrpc: '2.0', method: req.method, params: req.params })));
  const any = same ?? singles.find((e) => (e.request as Request).method === req.method);
  if (!any) return { jsonrpc: '2.0', id: req.id, error: { code: -32601, message: `Method ${String(req.method)} not registered` } };
  return { ...(any.response as object), id: req.id };
}

export function loadTranscript(path: string): Exchange[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Exchange);
}

export class ReplayServer {
  private constructor(
    private readonly socket: Reply,
    readonly endpoint: string,
    private readonly done: Promise<void>,
    readonly received: unknown[],
  ) {}

  static async start(script: readonly Exchange[]): Promise<ReplayServer> {
    const socket = new Reply({ linger: 0 });
    await socket.bind('tcp://127.0.0.1:*');
    const received: unknown[] = [];
    const done = (async () => {
      let next = 0;
      for await (const [msg] of socket) {
        const compressed = isCompressed(msg as Buffer);
        const req = JSON.parse(decode(msg as Buffer)) as unknown;
        received.push(req);
        const ids = Array.isArray(req) ? req.map((r: { id?: string }) => r.id) : [(req as { id?: string }).id];
        // A batch may stand for as many single recorded calls in a row: the server runs a batch
        // in order and answers with the replies in order (a one-element batch with a bare one).
        const singles = Array.isArray(req) && !Array.isArray(script[next]?.request) ? script.slice(next, next + req.length) : undefined;
        const want: Exchange | undefined = singles
          ? { request: singles.map((e) => e.request), response: singles.length === 1 ? singles[0]?.response : singles.map((e) => e.response) }
          : script[next];
        next += singles ? singles.length : 1;
        let reply: unknown;
        if (!want) {
          reply = {
            jsonrpc: '2.0',
            id: ids[0],
            error: { code: -32600, message: `replay: no more recorded exchanges, got ${JSON.stringify(req).slice(0, 200)}` },
          };
        } else if (!isDeepStrictEqual(strip(req), strip(want.request))) {
          reply = {
            jsonrpc: '2.0',
            id: ids[0],
            error: {
              code: -32600,
              message: `replay: expected ${JSON.stringify(strip(want.request)).slice(0, 300)}, got ${JSON.stringify(strip(req)).slice(0, 300)}`,
            },
          };
        } else if (want.silent) {
          continue; // a REP socket must answer before it reads again: this server is now wedged, as a hung TRex would be
        } else {
          reply = Array.isArray(want.response) ? want.response.map((r, i) => ({ ...(r as object), id: ids[i] })) : { ...(want.response as object), id: ids[0] };
        }
        const text = JSON.stringify(reply);
        await socket.send(compressed ? compress(text) : text);
      }
    })().catch(() => undefined);
    return new ReplayServer(socket, socket.lastEndpoint as string, done, received);
  }

  async stop(): Promise<void> {
    this.socket.close();
    await this.done;
  }
}
