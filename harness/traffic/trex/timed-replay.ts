import { isDeepStrictEqual } from 'node:util';
import { Reply } from 'zeromq';
import { compress, decode, isCompressed } from './framing.js';
import { recordedAnswer, strip, type Exchange } from './replay-server.js';

/**
 * A recorded TRex session replayed on its own clock, for tests of what a client makes of a
 * real server's timing (fixtures trial_*.jsonl, link_flap.jsonl: each exchange has `t_ms`, the
 * wall time since the recording's first request). A real ZeroMQ REP socket on loopback answers:
 *
 * - `get_port_stats` / `get_port_status` of a recorded port with what the server said at the
 *   same moment of the recording: the replay's clock starts when the `anchor` method arrives
 *   (e.g. `start_traffic`), and before that stands just before the anchor's recorded time.
 *   Counters are interpolated between recorded polls (the server counts continuously; the
 *   recording sampled it every 100 ms). A port the client started is `TX` until the recording
 *   says otherwise;
 * - a client's `stop_traffic`: the real server stops at once, so when the client stops before
 *   the recorded session did, the port's counters stay where the recording had them at that
 *   moment (and the port is no longer TX); a stop at about the recorded stop replays the
 *   recorded counters settling after it;
 * - any other call with its recorded reply (same method and parameters, else the method's
 *   first), from the recording, then from `fallback` (the other sessions of that server).
 *
 * It checks no parameters: tests assert on `received`, what the client really sent.
 */
export interface TimedExchange extends Exchange {
  readonly t_ms: number;
  readonly note?: string;
}

export interface TimedReplayOptions {
  readonly recording: readonly TimedExchange[];
  /** The method whose arrival starts the replay's clock; default the recording's first. */
  readonly anchor?: string;
  /** Replies for calls the recording never made (e.g. the raw_rpc transcripts). */
  readonly fallback?: readonly Exchange[];
  /** A server that ignores `stop_traffic` (answers it, keeps transmitting): a wedged port. */
  readonly ignoreStop?: boolean;
}

type Request = { readonly id?: string; readonly method: string; readonly params?: Record<string, unknown> };
type Result = Record<string, unknown>;

/** Counters the server keeps per port, cumulative since it started. */
const COUNTERS = ['opackets', 'ipackets', 'obytes', 'ibytes', 'oerrors', 'ierrors'] as const;
/** A client stop this close to the recorded one replays the recorded settling (one poll of the recording). */
const STOP_SLACK_MS = 100;

const method = (e: Exchange) => (Array.isArray(e.request) ? undefined : (e.request as Request).method);
const portOf = (e: Exchange) => (Array.isArray(e.request) ? undefined : (e.request as Request).params?.port_id);
const resultOf = (e: Exchange) => (e.response as { result?: Result }).result;

/** What a recorded session said, as a function of time; the clock driven by the client's calls. */
export class TimedRecording {
  /** The recorded time (ms) of the anchor: where the replay's clock starts. */
  readonly anchorMs: number;
  private readonly recordedStopMs: number | undefined;
  private readonly anchor: string | undefined;
  private anchoredAt: number | undefined;
  private readonly started = new Set<number>();
  private stoppedAt: number | undefined;

  /** Replies of calls answered as recorded, by method: searched per call, so indexed once. */
  private readonly byMethod = new Map<string, { readonly stripped: unknown; readonly exchange: Exchange }[]>();
  /** Each port's recorded polls, by method. */
  private readonly sampled = new Map<string, TimedExchange[]>();

  constructor(private readonly o: TimedReplayOptions) {
    const recording = o.recording;
    for (const e of [...recording, ...(o.fallback ?? [])]) {
      const m = method(e);
      if (m === undefined || e.response === undefined) continue;
      this.byMethod.set(m, [...(this.byMethod.get(m) ?? []), { stripped: strip(e.request), exchange: e }]);
    }
    this.anchor = o.anchor ?? method(recording[0] as Exchange);
    const at = recording.find((e) => method(e) === this.anchor);
    if (!at) throw new Error(`timed replay: the recording has no ${this.anchor}`);
    this.anchorMs = at.t_ms;
    this.recordedStopMs = recording.find((e) => method(e) === 'stop_traffic' && e.t_ms > at.t_ms)?.t_ms;
  }

  /** Where in the recording the client's clock stands (ms of the recording). */
  recordedTime(now: number): number {
    if (this.anchoredAt === undefined) return this.anchorMs - 0.001;
    if (this.stoppedAt === undefined) return this.anchorMs + (now - this.anchoredAt);
    const ranFor = this.stoppedAt - this.anchoredAt;
    if (this.recordedStopMs !== undefined && this.anchorMs + ranFor >= this.recordedStopMs - STOP_SLACK_MS) return this.recordedStopMs + (now - this.stoppedAt);
    return this.anchorMs + ranFor;
  }

  /** How long after the anchor the client stopped traffic (ms), once it has. */
  get stoppedAfterMs(): number | undefined {
    return this.stoppedAt === undefined || this.anchoredAt === undefined ? undefined : this.stoppedAt - this.anchoredAt;
  }

  /** The recorded replies of one port's query, in time order. */
  private samples(m: string, port: number): TimedExchange[] {
    const key = `${m}/${port}`;
    const got = this.sampled.get(key) ?? this.o.recording.filter((e) => method(e) === m && portOf(e) === port && resultOf(e) !== undefined);
    this.sampled.set(key, got);
    return got;
  }

  /** A port's counters at a moment of the recording, interpolated between the polls around it. */
  counters(port: number, t: number): Result | undefined {
    const s = this.samples('get_port_stats', port);
    if (s.length === 0) return undefined;
    const after = s.findIndex((e) => e.t_ms > t);
    const a = s[after < 0 ? s.length - 1 : Math.max(0, after - 1)] as TimedExchange;
    const b = after > 0 ? s[after] : undefined;
    const ra = resultOf(a) as Result;
    if (!b || t < this.anchorMs) return ra;
    // The last poll before the start stands for the start itself: nothing moved before it.
    const ta = Math.max(a.t_ms, this.anchorMs);
    const f = b.t_ms > ta ? Math.min(1, Math.max(0, (t - ta) / (b.t_ms - ta))) : 1;
    const rb = resultOf(b) as Result;
    return { ...ra, ...Object.fromEntries(COUNTERS.map((k) => [k, Math.floor((ra[k] as number) + f * ((rb[k] as number) - (ra[k] as number)))])) };
  }

  private status(port: number, t: number): Result | undefined {
    const s = this.samples('get_port_status', port);
    if (s.length === 0) return undefined;
    const at = s.filter((e) => e.t_ms <= t).at(-1) ?? (s[0] as TimedExchange);
    const r = resultOf(at) as Result;
    let state = r.state as string;
    // A started port transmits until the recording says otherwise; a stopped one no longer does.
    if (this.started.has(port) && this.stoppedAt === undefined && at.t_ms < this.anchorMs) state = 'TX';
    if (this.stoppedAt !== undefined && state === 'TX') state = 'STREAMS';
    return { ...r, state, state_profile: { _: state } };
  }

  /** The reply to one request arriving at `now` (ms, any monotonic clock). */
  answer(req: Request, now: number): unknown {
    if (req.method === this.anchor && this.anchoredAt === undefined) this.anchoredAt = now;
    const port = req.params?.port_id;
    if (typeof port === 'number') {
      if (req.method === 'start_traffic') this.started.add(port);
      if (req.method === 'stop_traffic' && this.started.has(port) && this.stoppedAt === undefined && !this.o.ignoreStop) this.stoppedAt = now;
      const t = this.recordedTime(now);
      const result = req.method === 'get_port_stats' ? this.counters(port, t) : req.method === 'get_port_status' ? this.status(port, t) : undefined;
      if (result) return { jsonrpc: '2.0', id: req.id, result };
    }
    const candidates = this.byMethod.get(req.method) ?? [];
    const want = strip({ jsonrpc: '2.0', method: req.method, params: req.params });
    const same = candidates.find((c) => isDeepStrictEqual(c.stripped, want)) ?? candidates[0];
    return same ? { ...(same.exchange.response as object), id: req.id } : recordedAnswer([], req);
  }
}

export class TimedReplay {
  private constructor(
    private readonly socket: Reply,
    readonly endpoint: string,
    private readonly done: Promise<void>,
    private readonly t0: number,
    readonly recording: TimedRecording,
    /** What the client sent, with when it arrived (ms since the replay started). */
    readonly received: { readonly atMs: number; readonly request: unknown }[],
  ) {}

  static async start(o: TimedReplayOptions): Promise<TimedReplay> {
    const socket = new Reply({ linger: 0 });
    await socket.bind('tcp://127.0.0.1:*');
    const recording = new TimedRecording(o);
    const received: { atMs: number; request: unknown }[] = [];
    const t0 = performance.now();
    const done = (async () => {
      for await (const [msg] of socket) {
        const now = performance.now();
        const req = JSON.parse(decode(msg as Buffer)) as Request | Request[];
        received.push({ atMs: now - t0, request: req });
        const reply = Array.isArray(req) ? req.map((r) => recording.answer(r, now)) : recording.answer(req, now);
        // The server answers a one-element batch with a bare object.
        const text = JSON.stringify(Array.isArray(reply) && reply.length === 1 ? reply[0] : reply);
        await socket.send(isCompressed(msg as Buffer) ? compress(text) : text);
      }
    })().catch(() => undefined);
    return new TimedReplay(socket, socket.lastEndpoint as string, done, t0, recording, received);
  }

  /** Milliseconds since the replay started (the clock of `received`). */
  elapsedMs(): number {
    return performance.now() - this.t0;
  }

  /** The requests of one method the client sent, in order. */
  sent(m: string): { atMs: number; params: Record<string, unknown> }[] {
    return this.received.flatMap(({ atMs, request }) =>
      (Array.isArray(request) ? request : [request]).filter((r: Request) => r.method === m).map((r: Request) => ({ atMs, params: r.params ?? {} })),
    );
  }

  async stop(): Promise<void> {
    this.socket.close();
    await this.done;
  }
}
