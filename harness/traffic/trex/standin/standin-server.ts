import { randomBytes } from 'node:crypto';
import { Reply } from 'zeromq';
import { compress, decode, isCompressed } from '../framing.js';
import { recordedAnswer, type Exchange } from '../replay-server.js';
import { StandinPorts, type PortModelOptions, type StreamLike } from './port-model.js';

export { recordedAnswer } from '../replay-server.js';

/**
 * The TRex stand-in of the server-lifecycle and lab tests: a stand-in, not a traffic generator.
 * It listens where a TRex server would (the RPC port of its trex_cfg.yaml) and answers in the
 * shape a real v3.08 server does (replies recorded from one, ../fixtures/raw_rpc_*.jsonl), with
 * the ports' state kept by a model of that server's timing (port-model.ts): owners and handlers,
 * streams, TX until stopped (or, for a timed start, until the asked frames are out at its rate
 * cap), counters growing at the capped rate on the wall clock, links that report changes late.
 * It moves no packets: the other port counts what this one sends, as through a cable, so it
 * stands for a generator on a lossless path, never for a DUT; and it measures no latency (no
 * timestamps: its latency groups have empty histograms). Any other method gets its recorded
 * reply; one never recorded gets the server's -32601.
 */
export interface StandinOptions {
  readonly endpoint: string;
  readonly transcripts: readonly Exchange[];
  /** Never answer (a server that hangs after accepting the connection). */
  readonly silent?: boolean;
  /** The port model (a test may keep it to flap links); else one with `model` options. */
  readonly ports?: StandinPorts;
  readonly model?: Partial<PortModelOptions>;
}

type Request = { readonly id?: string; readonly method: string; readonly params?: Record<string, unknown> };
type RpcReply = { jsonrpc: '2.0'; id?: string; result?: unknown; error?: { code: number; message: string; specific_err?: string } };

/** Methods that need the port's handler (protocol notes: "owned methods"). */
const OWNED = new Set([
  'release',
  'add_stream',
  'remove_stream',
  'remove_all_streams',
  'start_traffic',
  'stop_traffic',
  'pause_traffic',
  'resume_traffic',
  'update_traffic',
  'pause_streams',
  'resume_streams',
  'update_streams',
  'validate',
  'remove_rx_filters',
  'push_remote',
  'service',
]);

/** The owner each port had in the recordings (the stand-in starts as that server was: held by 'raw-client'). */
export function recordedOwners(transcripts: readonly Exchange[]): string[] {
  const info = recordedAnswer(transcripts, { method: 'get_system_info', params: {} }) as { result?: { ports?: { index: number }[] } };
  const count = info.result?.ports?.length ?? 2;
  return Array.from({ length: count }, (_, port) => {
    const st = recordedAnswer(transcripts, { method: 'get_port_status', params: { port_id: port, profile_id: '*', block: false } }) as {
      result?: { owner?: string };
    };
    return st.result?.owner ?? '';
  });
}

/** A server that answers from recordings, with the ports' state from the model. */
export class StandinRpc {
  private readonly t0 = performance.now();
  private readonly now = () => performance.now();

  constructor(
    private readonly transcripts: readonly Exchange[],
    readonly ports: StandinPorts,
  ) {}

  answer(req: Request): RpcReply {
    const ok = (result: unknown): RpcReply => ({ jsonrpc: '2.0', id: req.id, result });
    const failed = (specific: string): RpcReply => ({
      jsonrpc: '2.0',
      id: req.id,
      error: { code: -32000, message: 'Failed To Execute Method', specific_err: specific },
    });
    const recorded = () => recordedAnswer(this.transcripts, req) as RpcReply;
    const p = req.params ?? {};
    const port = p.port_id;
    if (typeof port !== 'number' || !this.ports.has(port)) {
      if (req.method === 'get_global_stats') return this.globalStats(recorded());
      if (req.method === 'get_pgid_stats') return this.pgidStats(req, recorded());
      if (req.method === 'get_active_pgids') return ok({ ids: { flow_stats: this.ports.groups().stats, latency: this.ports.groups().latency } });
      return recorded();
    }
    const now = this.now();
    if (OWNED.has(req.method) && p.handler !== this.ports.handler(port)) return failed('please acquire the port before modifying port state');
    try {
      switch (req.method) {
        case 'acquire': {
          const handler = randomBytes(6).toString('base64url').slice(0, 8);
          const refused = this.ports.acquire(port, String(p.user ?? ''), p.force === true, handler);
          return refused ? failed(refused) : ok(handler);
        }
        case 'release':
          this.ports.release(port, now);
          return ok({});
        case 'get_owner':
          return ok({ owner: this.ports.owner(port) });
        case 'service':
          this.ports.setService(port, p.enabled === true);
          return ok({});
        case 'add_stream':
          this.ports.addStream(port, Number(p.stream_id), p.stream as StreamLike);
          return ok({});
        case 'remove_all_streams':
          this.ports.removeAllStreams(port, now);
          return ok({});
        case 'start_traffic': {
          const multiplier = this.ports.start(port, p.mul as { type: string; value: number }, typeof p.duration === 'number' ? p.duration : -1, now);
          return ok({ multiplier, ts: (now - this.t0) / 1000 });
        }
        case 'stop_traffic':
          this.ports.stop(port, now);
          return ok({});
        case 'get_port_status':
          return this.portStatus(port, now, recorded());
        case 'get_port_stats':
          return this.portStats(port, now, recorded());
        default:
          return recorded();
      }
    } catch (e) {
      return failed(e instanceof Error ? e.message : String(e));
    }
  }

  private portStatus(port: number, now: number, base: RpcReply): RpcReply {
    const r = (base.result ?? {}) as Record<string, unknown>;
    const attr = (r.attr ?? {}) as Record<string, unknown>;
    const state = this.ports.state(port, now);
    return {
      ...base,
      result: {
        ...r,
        owner: this.ports.owner(port),
        state,
        state_profile: { _: state },
        service: this.ports.service(port),
        max_stream_id: this.ports.maxStreamId(port),
        attr: { ...attr, link: { up: this.ports.link(port, now) }, speed: this.ports.options.speedGbps },
      },
    };
  }

  private portStats(port: number, now: number, base: RpcReply): RpcReply {
    const s = this.ports.stats(port, now);
    return {
      ...base,
      result: {
        ...((base.result ?? {}) as object),
        opackets: s.opackets,
        obytes: s.obytes,
        ipackets: s.ipackets,
        ibytes: s.ibytes,
        oerrors: 0,
        ierrors: 0,
        m_total_tx_pps: s.txPps,
      },
    };
  }

  private globalStats(base: RpcReply): RpcReply {
    const now = this.now();
    const all = [0, 1].filter((i) => this.ports.has(i)).map((i) => this.ports.stats(i, now));
    const sum = (k: 'opackets' | 'ipackets' | 'obytes' | 'ibytes') => all.reduce((n, s) => n + s[k], 0);
    return {
      ...base,
      result: {
        ...((base.result ?? {}) as object),
        m_total_tx_pkts: sum('opackets'),
        m_total_rx_pkts: sum('ipackets'),
        m_total_tx_bytes: sum('obytes'),
        m_total_rx_bytes: sum('ibytes'),
        m_tx_pps: all.reduce((n, s) => n + s.txPps, 0),
        m_total_queue_full: 0,
        m_total_queue_drop: 0,
      },
    };
  }

  /** Counts of the groups asked for; latency groups with no samples (the stand-in has no timestamps). */
  private pgidStats(req: Request, base: RpcReply): RpcReply {
    const ids = (req.params?.pgids as number[] | undefined) ?? [];
    const now = this.now();
    const { latency } = this.ports.groups();
    const perPort = (xs: number[]) => Object.fromEntries(xs.map((v, i) => [String(i), v]));
    const flow = Object.fromEntries(ids.map((g) => [String(g), (({ tp, rp }) => ({ tp: perPort(tp), rp: perPort(rp) }))(this.ports.groupCounts(g, now))]));
    const lat = Object.fromEntries(
      ids.filter((g) => latency.includes(g)).map((g) => [String(g), { lat: { average: 0, histogram: {}, jit: 0, last_max: 0, total_max: 0, total_min: 0 } }]),
    );
    return {
      jsonrpc: '2.0',
      id: base.id ?? req.id,
      result: { flow_stats: flow, latency: { ...lat, g: null }, ver_id: Object.fromEntries(ids.map((g) => [String(g), 0])) },
    };
  }
}

export async function serveStandin(o: StandinOptions, log: (m: string) => void): Promise<Reply> {
  const socket = new Reply({ linger: 0 });
  await socket.bind(o.endpoint);
  const ports = o.ports ?? new StandinPorts(recordedOwners(o.transcripts), performance.now(), o.model);
  const m = ports.options;
  log(
    `TRex stand-in (recorded v3.08 replies, modelled ports: ${m.maxPps} pps cap, ${m.speedGbps} Gb/s, link lag ${m.linkLagMs} ms, no packets moved): RPC on ${o.endpoint}${o.silent ? ', never answering' : ''}`,
  );
  const rpc = new StandinRpc(o.transcripts, ports);
  void (async () => {
    for await (const [msg] of socket) {
      const compressed = isCompressed(msg as Buffer);
      const req = JSON.parse(decode(msg as Buffer)) as Request | Request[];
      const methods = Array.isArray(req) ? req.map((r) => r.method).join(',') : req.method;
      log(`rpc ${methods}`);
      if (o.silent) continue; // a REP socket must answer before it reads again: wedged for good
      const reply = Array.isArray(req) ? req.map((r) => rpc.answer(r)) : rpc.answer(req);
      // The server answers a one-element batch with a bare object.
      const text = JSON.stringify(Array.isArray(reply) && reply.length === 1 ? reply[0] : reply);
      await socket.send(compressed ? compress(text) : text);
    }
  })().catch(() => undefined);
  return socket;
}
