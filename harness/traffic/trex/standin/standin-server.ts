import { isDeepStrictEqual } from 'node:util';
import { Reply } from 'zeromq';
import { compress, decode, isCompressed } from '../framing.js';
import { strip, type Exchange } from '../replay-server.js';

/**
 * The TRex stand-in of the server-lifecycle tests: NOT a traffic generator. It listens where a
 * TRex server would (the RPC port of its trex_cfg.yaml) and answers each request with a reply
 * recorded from a real v3.08 server: the one recorded for the same method and parameters, else
 * the first recorded for the method; a method never recorded gets the server's -32601. It moves
 * no packets, so it can prove that dplab starts, health-checks, logs and stops a server
 * container, and what happens when one dies or hangs, but never yields a benchmark figure: a
 * port it was told to start stays in state TX until told to stop, so a trial never completes.
 */
export interface StandinOptions {
  readonly endpoint: string;
  readonly transcripts: readonly Exchange[];
  /** Never answer (a server that hangs after accepting the connection). */
  readonly silent?: boolean;
}

type Request = { readonly id?: string; readonly method?: string; readonly params?: unknown };

export function recordedAnswer(transcripts: readonly Exchange[], req: Request): unknown {
  const singles = transcripts.filter((e) => !Array.isArray(e.request) && e.response !== undefined);
  const same = singles.find((e) => isDeepStrictEqual(strip(e.request), strip({ jsonrpc: '2.0', method: req.method, params: req.params })));
  const any = same ?? singles.find((e) => (e.request as Request).method === req.method);
  if (!any) return { jsonrpc: '2.0', id: req.id, error: { code: -32601, message: `Method ${String(req.method)} not registered` } };
  return { ...(any.response as object), id: req.id };
}

/** Port state as the stand-in keeps it: TX from start_traffic until stop_traffic. */
function withState(reply: unknown, req: Request, transmitting: Set<number>): unknown {
  const port = (req.params as { port_id?: number } | undefined)?.port_id;
  if (port === undefined) return reply;
  if (req.method === 'start_traffic') transmitting.add(port);
  if (req.method === 'stop_traffic') transmitting.delete(port);
  const r = reply as { result?: Record<string, unknown> };
  if (req.method !== 'get_port_status' || !r.result) return reply;
  const state = transmitting.has(port) ? 'TX' : 'IDLE';
  return { ...r, result: { ...r.result, state, state_profile: { _: state } } };
}

export async function serveStandin(o: StandinOptions, log: (m: string) => void): Promise<Reply> {
  const socket = new Reply({ linger: 0 });
  await socket.bind(o.endpoint);
  log(`TRex stand-in (recorded v3.08 replies, no traffic): RPC on ${o.endpoint}${o.silent ? ', never answering' : ''}`);
  const transmitting = new Set<number>();
  void (async () => {
    for await (const [msg] of socket) {
      const compressed = isCompressed(msg as Buffer);
      const req = JSON.parse(decode(msg as Buffer)) as Request | Request[];
      const methods = Array.isArray(req) ? req.map((r) => r.method).join(',') : req.method;
      log(`rpc ${methods}`);
      if (o.silent) continue; // a REP socket must answer before it reads again: wedged for good
      const answer = (r: Request) => withState(recordedAnswer(o.transcripts, r), r, transmitting);
      const reply = Array.isArray(req) ? req.map(answer) : answer(req);
      const text = JSON.stringify(reply);
      await socket.send(compressed ? compress(text) : text);
    }
  })().catch(() => undefined);
  return socket;
}
