/**
 * The stand-in's model of a TRex server's two ports, with the timing the recorded v3.08 server
 * showed (../fixtures/trial_*.jsonl, link_flap.jsonl):
 *
 * - a rate cap: a transmitting port's opackets grow at min(asked, `maxPps`) frames a second of
 *   wall time, whatever it was asked (line rate included);
 * - `duration` in scheduler time: a timed start leaves TX only once it has sent what the asked
 *   rate would have sent in that time, so a timed trial above the cap runs long (a burst
 *   likewise ends when its frames are out);
 * - no DUT: the ports are joined by a stand-in cable. What one port sends reaches the other
 *   `wireDelayMs` later (so counters settle shortly after a stop), less `rxLoss`, and only
 *   while both links are up. Nothing crosses any real interface;
 * - links: up, unless set (by a test, or by watching real interfaces); a change shows in the
 *   reported state `linkLagMs` later, as TRex reports a kernel's change 0.2-0.5 s late.
 *
 * Time is passed in (ms, any monotonic clock) so the model can be driven by a test.
 */
export interface PortModelOptions {
  /** The most frames a second a port sends: the server's own ceiling. */
  readonly maxPps: number;
  /** Port speed in Gb/s: reported by get_port_status, the line rate of a `percentage` start. */
  readonly speedGbps: number;
  /** Share of frames lost on the way to the other port. */
  readonly rxLoss: number;
  readonly wireDelayMs: number;
  readonly linkLagMs: number;
}

/** About what the recorded software-mode server sent (0.1-0.26 Mpps) whatever it was asked. */
export const DEFAULT_PORT_MODEL: PortModelOptions = { maxPps: 150_000, speedGbps: 10, rxLoss: 0, wireDelayMs: 20, linkLagMs: 0 };

/** The parts of an `add_stream` stream the model reads. */
export interface StreamLike {
  readonly mode: {
    readonly type: string;
    readonly rate: { readonly type?: string; readonly value: number };
    readonly total_pkts?: number;
    readonly pkts_per_burst?: number;
    readonly count?: number;
  };
  readonly packet: { readonly binary: string };
  readonly flow_stats?: { readonly enabled: boolean; readonly stream_id?: number; readonly rule_type?: string };
}

export type PortState = 'IDLE' | 'STREAMS' | 'TX';

/** A start's rates: what was asked, what the port sends, and how long it goes on. */
interface Run {
  readonly askedPps: number;
  readonly pps: number;
  /** Frames until the port leaves TX (Infinity: continuous, until stopped). */
  remaining: number;
  readonly frameBytes: number;
  /** Per packet group: its share of the port's frames. */
  readonly groups: readonly (readonly [number, number])[];
}

interface Port {
  owner: string;
  handler: string | undefined;
  service: boolean;
  readonly streams: Map<number, StreamLike>;
  state: PortState;
  run: Run | undefined;
  carry: number;
  lossCarry: number;
  opackets: number;
  obytes: number;
  ipackets: number;
  ibytes: number;
  /** Frames on their way to this port: [arrival time, frames, bytes]. */
  readonly inFlight: [number, number, number][];
  /** Link changes as the kernel saw them: [time, up]. */
  readonly link: [number, boolean][];
  /** Packet groups: frames sent and received. */
  readonly tp: Map<number, number>;
  readonly rp: Map<number, number>;
}

/** Preamble, start delimiter and inter-frame gap: on the line, not in the counters. */
const L1_OVERHEAD = 20;
/** The frame check sequence the port adds (TRex's byte counters include it). */
const FCS = 4;

const frameBytes = (s: StreamLike) => Math.max(60, Buffer.from(s.packet.binary, 'base64').length) + FCS;

export class StandinPorts {
  readonly options: PortModelOptions;
  private readonly ports: Port[];
  private last: number;

  constructor(owners: readonly string[], now: number, options: Partial<PortModelOptions> = {}) {
    this.options = { ...DEFAULT_PORT_MODEL, ...options };
    this.last = now;
    this.ports = owners.map((owner) => ({
      owner,
      handler: undefined,
      service: false,
      streams: new Map(),
      state: 'IDLE',
      run: undefined,
      carry: 0,
      lossCarry: 0,
      opackets: 0,
      obytes: 0,
      ipackets: 0,
      ibytes: 0,
      inFlight: [],
      link: [],
      tp: new Map(),
      rp: new Map(),
    }));
  }

  has(port: number): boolean {
    return port >= 0 && port < this.ports.length;
  }

  private port(id: number): Port {
    const p = this.ports[id];
    if (!p) throw new Error(`no port ${id}`);
    return p;
  }

  private linkUp(p: Port, at: number): boolean {
    return p.link.filter(([t]) => t <= at).at(-1)?.[1] ?? true;
  }

  /** The link as the kernel has it now (for transmission) or as the server reports it (lagging). */
  link(id: number, now: number, reported = true): boolean {
    return this.linkUp(this.port(id), reported ? now - this.options.linkLagMs : now);
  }

  /** A link change the kernel saw at `now` (from a watcher or a test). */
  setLink(id: number, up: boolean, now: number): void {
    this.advance(now);
    const p = this.port(id);
    if (this.linkUp(p, now) !== up) p.link.push([now, up]);
  }

  /** Moves the clock: frames sent since the last call, frames arrived by now. */
  advance(now: number): void {
    const dt = Math.max(0, now - this.last) / 1000;
    this.last = Math.max(this.last, now);
    for (const [id, p] of this.ports.entries()) {
      const run = p.run;
      if (!run) continue;
      const due = run.pps * dt + p.carry;
      const n = Math.min(Math.floor(due), run.remaining);
      p.carry = n < run.remaining ? due - n : 0;
      run.remaining -= n;
      p.opackets += n;
      p.obytes += n * run.frameBytes;
      const peer = this.ports[id ^ 1];
      for (const [g, share] of run.groups) p.tp.set(g, (p.tp.get(g) ?? 0) + n * share);
      if (peer && this.linkUp(p, now) && this.linkUp(peer, now)) {
        const lost = n * this.options.rxLoss + p.lossCarry;
        p.lossCarry = lost - Math.floor(lost);
        const arrive = n - Math.floor(lost);
        peer.inFlight.push([now + this.options.wireDelayMs, arrive, arrive * run.frameBytes]);
        for (const [g, share] of run.groups) peer.rp.set(g, (peer.rp.get(g) ?? 0) + arrive * share);
      }
      if (run.remaining <= 0) this.end(p);
    }
    for (const p of this.ports) {
      while (p.inFlight.length > 0 && (p.inFlight[0] as [number, number, number])[0] <= now) {
        const [, frames, bytes] = p.inFlight.shift() as [number, number, number];
        p.ipackets += frames;
        p.ibytes += bytes;
      }
    }
  }

  private end(p: Port): void {
    p.run = undefined;
    p.carry = 0;
    p.state = p.streams.size > 0 ? 'STREAMS' : 'IDLE';
  }

  acquire(id: number, user: string, force: boolean, handler: string): string | undefined {
    const p = this.port(id);
    if (p.owner && p.owner !== user && !force) return `port is already owned by '${p.owner}'`;
    p.owner = user;
    p.handler = handler;
    return undefined;
  }

  release(id: number, now: number): void {
    this.stop(id, now);
    const p = this.port(id);
    p.owner = '';
    p.handler = undefined;
  }

  handler(id: number): string | undefined {
    return this.port(id).handler;
  }

  owner(id: number): string {
    return this.port(id).owner;
  }

  state(id: number, now: number): PortState {
    this.advance(now);
    return this.port(id).state;
  }

  setService(id: number, enabled: boolean): void {
    this.port(id).service = enabled;
  }

  service(id: number): boolean {
    return this.port(id).service;
  }

  addStream(id: number, streamId: number, stream: StreamLike): void {
    const p = this.port(id);
    p.streams.set(streamId, stream);
    if (p.state === 'IDLE') p.state = 'STREAMS';
  }

  /** Removing a packet group's streams forgets its counters, as the server does. */
  removeAllStreams(id: number, now: number): void {
    this.stop(id, now);
    const p = this.port(id);
    for (const s of p.streams.values()) {
      const g = s.flow_stats?.enabled ? s.flow_stats.stream_id : undefined;
      if (g === undefined) continue;
      for (const q of this.ports) {
        q.tp.delete(g);
        q.rp.delete(g);
      }
    }
    p.streams.clear();
    p.state = 'IDLE';
  }

  maxStreamId(id: number): number {
    return Math.max(0, ...this.port(id).streams.keys());
  }

  /**
   * Starts the port's streams: `mul` as start_traffic takes it, `durationS` in scheduler time
   * (-1: until stopped). Returns the multiplier of the streams' rates, as the server does.
   */
  start(id: number, mul: { type: string; value: number }, durationS: number, now: number): number {
    this.advance(now);
    const p = this.port(id);
    const streams = [...p.streams.values()];
    const sum = streams.reduce((n, s) => n + s.mode.rate.value, 0);
    if (streams.length === 0 || sum <= 0) throw new Error('no streams to start');
    // Frame sizes weighted by the streams' rates: the line's share of each.
    const meanBytes = streams.reduce((n, s) => n + frameBytes(s) * s.mode.rate.value, 0) / sum;
    const lineBps = this.options.speedGbps * 1e9;
    const total =
      mul.type === 'raw'
        ? sum * mul.value
        : mul.type === 'pps'
          ? mul.value
          : mul.type === 'percentage'
            ? ((mul.value / 100) * lineBps) / ((meanBytes + L1_OVERHEAD) * 8)
            : mul.type === 'bps'
              ? mul.value / (meanBytes * 8)
              : mul.type === 'bpsl1'
                ? mul.value / ((meanBytes + L1_OVERHEAD) * 8)
                : NaN;
    if (!Number.isFinite(total) || total <= 0) throw new Error(`bad multiplier ${JSON.stringify(mul)}`);
    const bursts = streams.every((s) => s.mode.type !== 'continuous')
      ? streams.reduce((n, s) => n + (s.mode.type === 'single_burst' ? (s.mode.total_pkts ?? 0) : (s.mode.pkts_per_burst ?? 0) * (s.mode.count ?? 1)), 0)
      : Infinity;
    const timed = durationS > 0 ? Math.round(durationS * total) : Infinity;
    const groups = streams.flatMap((s) =>
      s.flow_stats?.enabled && s.flow_stats.stream_id !== undefined ? [[s.flow_stats.stream_id, s.mode.rate.value / sum] as const] : [],
    );
    p.run = { askedPps: total, pps: Math.min(total, this.options.maxPps), remaining: Math.min(bursts, timed), frameBytes: meanBytes, groups };
    p.carry = 0;
    p.state = 'TX';
    return total / sum;
  }

  stop(id: number, now: number): void {
    this.advance(now);
    const p = this.port(id);
    if (p.run) this.end(p);
  }

  /** Counters (cumulative, as the server's) and the current rates. */
  stats(id: number, now: number): { opackets: number; obytes: number; ipackets: number; ibytes: number; txPps: number } {
    this.advance(now);
    const p = this.port(id);
    return { opackets: p.opackets, obytes: p.obytes, ipackets: p.ipackets, ibytes: p.ibytes, txPps: p.run?.pps ?? 0 };
  }

  /** Packet groups of the streams loaded now, by rule type. */
  groups(): { stats: number[]; latency: number[] } {
    const all = this.ports
      .flatMap((p) => [...p.streams.values()])
      .flatMap((s) => (s.flow_stats?.enabled && s.flow_stats.stream_id !== undefined ? [s.flow_stats] : []));
    return {
      stats: all.filter((f) => f.rule_type !== 'latency').map((f) => f.stream_id as number),
      latency: all.filter((f) => f.rule_type === 'latency').map((f) => f.stream_id as number),
    };
  }

  /** A packet group's frames sent and received, per port. */
  groupCounts(g: number, now: number): { tp: number[]; rp: number[] } {
    this.advance(now);
    return { tp: this.ports.map((p) => Math.floor(p.tp.get(g) ?? 0)), rp: this.ports.map((p) => Math.floor(p.rp.get(g) ?? 0)) };
  }
}
