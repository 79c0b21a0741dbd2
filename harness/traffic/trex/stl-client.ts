import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { RpcChannel } from './rpc-channel.js';
import { TrexRpcError } from './rpc-errors.js';
import type { TrexStream } from './stl-streams.js';
import {
  ActivePgidsSchema,
  AsyncEventsSchema,
  CaptureFetchSchema,
  CaptureStartSchema,
  CaptureStopSchema,
  GlobalStatsSchema,
  PgidStatsSchema,
  PortStatsSchema,
  PortStatusSchema,
  SystemInfoSchema,
  type ActivePgids,
  type AsyncEvents,
  type CaptureFetch,
  type GlobalStats,
  type Multiplier,
  type PgidStats,
  type PortStats,
  type PortStatus,
  type SystemInfo,
} from './stl-types.js';

/**
 * A TRex stateless (STL) client in TypeScript, over the sync JSON-RPC channel: the calls an STL
 * user needs, typed, each bounded by the channel's timeout. `-32001 try again` is retried after
 * 0.3 s; `-32002 work in progress` is followed through `get_async_results` with its ticket.
 */
export const STL_API = { name: 'STL', major: 5, minor: 1 } as const;

export interface TrexConnectOptions {
  readonly host: string;
  readonly syncPort?: number;
  readonly timeoutMs?: number;
  /** Who holds acquired ports, as the server shows it. */
  readonly user?: string;
}

const RETRIES = 10;

export class TrexStlClient {
  private readonly handlers = new Map<number, string>();
  private readonly baselines = new Map<number, PortStats>();
  readonly sessionId = randomInt(1, 2 ** 31);

  private constructor(
    private readonly rpc: RpcChannel,
    readonly apiHandle: string,
    readonly user: string,
  ) {}

  /** Connects and runs the `api_sync_v2` handshake. */
  static async connect(o: TrexConnectOptions): Promise<TrexStlClient> {
    const rpc = new RpcChannel({ endpoint: `tcp://${o.host}:${o.syncPort ?? 4501}`, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
    try {
      const r = await rpc.call<{ api_h: string }>('api_sync_v2', { ...STL_API });
      return new TrexStlClient(rpc, r.api_h, o.user ?? 'dplab');
    } catch (e) {
      rpc.close();
      throw e;
    }
  }

  /** A call with the API handle, following `try again` and `work in progress` answers. */
  private async call<T>(method: string, params: Record<string, unknown> = {}, schema?: z.ZodType<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await this.rpc.call<unknown>(method, { ...params, api_h: this.apiHandle });
        return schema ? parse(method, schema, result) : (result as T);
      } catch (e) {
        if (!(e instanceof TrexRpcError) || attempt >= RETRIES) throw e;
        if (e.code === -32001) {
          await sleep(300);
          continue;
        }
        if (e.code === -32002 && typeof e.specific === 'number') return this.ticket(method, e.specific, schema);
        throw e;
      }
    }
  }

  private async ticket<T>(method: string, ticket: number, schema?: z.ZodType<T>): Promise<T> {
    for (let i = 0; i < RETRIES * 10; i += 1) {
      try {
        const r = await this.rpc.call<unknown>('get_async_results', { ticket_id: ticket, api_h: this.apiHandle });
        return schema ? parse(method, schema, r) : (r as T);
      } catch (e) {
        if (!(e instanceof TrexRpcError) || e.code !== -32002) throw e;
        await sleep(300);
      }
    }
    await this.rpc.call('cancel_async_task', { ticket_id: ticket, api_h: this.apiHandle }).catch(() => undefined);
    throw new Error(`TRex ${method}: ticket ${ticket} still in progress after ${RETRIES * 3} s (cancelled)`);
  }

  private owned(port: number): { port_id: number; handler: string } {
    const handler = this.handlers.get(port);
    if (!handler) throw new Error(`TRex port ${port}: not acquired by this client`);
    return { port_id: port, handler };
  }

  version(): Promise<{ version: string; mode: string }> {
    return this.rpc.call('get_version', {});
  }

  ping(): Promise<{ ts: number }> {
    return this.rpc.call('ping', {});
  }

  supportedCommands(): Promise<string[]> {
    return this.call('get_supported_cmds');
  }

  systemInfo(): Promise<SystemInfo> {
    return this.call('get_system_info', {}, SystemInfoSchema);
  }

  portStatus(port: number): Promise<PortStatus> {
    return this.call('get_port_status', { port_id: port, profile_id: '*', block: false }, PortStatusSchema);
  }

  async owner(port: number): Promise<string> {
    return (await this.call<{ owner: string }>('get_owner', { port_id: port })).owner;
  }

  async acquire(port: number, force = false): Promise<void> {
    const handler = await this.call<string>('acquire', { port_id: port, user: this.user, session_id: this.sessionId, force });
    this.handlers.set(port, handler);
  }

  async release(port: number): Promise<void> {
    await this.call('release', this.owned(port));
    this.handlers.delete(port);
  }

  async removeAllStreams(port: number): Promise<void> {
    await this.call('remove_all_streams', this.owned(port));
  }

  /** Adds streams 1..N, several in one batch (the server takes one stream per call). */
  async addStreams(port: number, streams: readonly TrexStream[]): Promise<void> {
    const own = this.owned(port);
    if (streams.length === 1) {
      await this.call('add_stream', { ...own, stream_id: 1, stream: streams[0] });
      return;
    }
    const results = await this.rpc.batch(
      streams.map((stream, i) => ({ method: 'add_stream', params: { ...own, stream_id: i + 1, stream, api_h: this.apiHandle } })),
    );
    const failed = results.find((r) => r instanceof Error);
    if (failed) throw failed;
  }

  streamList(port: number): Promise<number[]> {
    return this.call('get_stream_list', { port_id: port });
  }

  validate(port: number): Promise<{ rate: Record<string, number> }> {
    return this.call('validate', this.owned(port));
  }

  start(port: number, o: { mul?: Multiplier; durationS?: number; force?: boolean } = {}): Promise<{ multiplier: number; ts: number }> {
    const mul = o.mul ?? { type: 'raw', value: 1 };
    return this.call('start_traffic', {
      ...this.owned(port),
      mul: { type: mul.type, op: mul.op ?? 'abs', value: mul.value },
      duration: o.durationS ?? -1,
      force: o.force ?? false,
    });
  }

  async stop(port: number): Promise<void> {
    await this.call('stop_traffic', this.owned(port));
  }

  async pause(port: number): Promise<void> {
    await this.call('pause_traffic', this.owned(port));
  }

  async resume(port: number): Promise<void> {
    await this.call('resume_traffic', this.owned(port));
  }

  update(port: number, mul: Multiplier, force = false): Promise<{ multiplier: number }> {
    return this.call('update_traffic', { ...this.owned(port), mul: { type: mul.type, op: mul.op ?? 'abs', value: mul.value }, force });
  }

  /** Port counters since the last clearStats() of this client (the server's are cumulative). */
  async portStats(port: number): Promise<PortStats> {
    const now = await this.call('get_port_stats', { port_id: port }, PortStatsSchema);
    const base = this.baselines.get(port);
    if (!base) return now;
    const minus = (k: 'opackets' | 'ipackets' | 'obytes' | 'ibytes' | 'oerrors' | 'ierrors') => now[k] - base[k];
    return {
      ...now,
      opackets: minus('opackets'),
      ipackets: minus('ipackets'),
      obytes: minus('obytes'),
      ibytes: minus('ibytes'),
      oerrors: minus('oerrors'),
      ierrors: minus('ierrors'),
    };
  }

  /** Takes a client-side baseline of the ports' counters (one batch), as the Python clear_stats does. */
  async clearStats(ports: readonly number[]): Promise<void> {
    const results = await this.rpc.batch(ports.map((p) => ({ method: 'get_port_stats', params: { port_id: p, api_h: this.apiHandle } })));
    for (const [i, r] of results.entries()) {
      if (r instanceof Error) throw r;
      this.baselines.set(ports[i] as number, parse('get_port_stats', PortStatsSchema, r));
    }
  }

  globalStats(): Promise<GlobalStats> {
    return this.call('get_global_stats', {}, GlobalStatsSchema);
  }

  activePgids(): Promise<ActivePgids> {
    return this.call('get_active_pgids', {}, ActivePgidsSchema);
  }

  pgidStats(pgids: readonly number[]): Promise<PgidStats> {
    if (pgids.length > 1152) throw new Error(`TRex get_pgid_stats: ${pgids.length} ids, the server takes at most 1152`);
    return this.call('get_pgid_stats', { pgids: [...pgids] }, PgidStatsSchema);
  }

  async service(port: number, enabled: boolean): Promise<void> {
    await this.call('service', { ...this.owned(port), enabled });
  }

  async captureStart(o: { rx?: number[]; tx?: number[]; limit?: number; filter?: string; mode?: 'fixed' | 'cyclic' }): Promise<number> {
    const r = await this.call(
      'capture',
      { command: 'start', limit: o.limit ?? 1000, mode: o.mode ?? 'fixed', tx: o.tx ?? [], rx: o.rx ?? [], filter: o.filter ?? '' },
      CaptureStartSchema,
    );
    return r.capture_id;
  }

  captureFetch(captureId: number, pktLimit = 1000): Promise<CaptureFetch> {
    return this.call('capture', { command: 'fetch', capture_id: captureId, pkt_limit: pktLimit }, CaptureFetchSchema);
  }

  async captureStop(captureId: number): Promise<number> {
    return (await this.call('capture', { command: 'stop', capture_id: captureId }, CaptureStopSchema)).pkt_count;
  }

  /** Replays a pcap that sits on the server's filesystem. */
  async pushRemote(port: number, pcapFilename: string, o: { ipgUs?: number; speedup?: number; count?: number; durationS?: number } = {}): Promise<void> {
    await this.call('push_remote', {
      ...this.owned(port),
      pcap_filename: pcapFilename,
      ipg_usec: o.ipgUs ?? -1,
      speedup: o.speedup ?? 1,
      count: o.count ?? 1,
      duration: o.durationS ?? -1,
      is_dual: false,
      slave_handler: '',
      min_ipg_usec: 0,
    });
  }

  /** Sends frames once from a port in service mode. */
  async pushPackets(port: number, frames: readonly Buffer[]): Promise<number> {
    const r = await this.call<{ sent: number }>('push_pkts', {
      port_id: port,
      pkts: frames.map((f) => ({ binary: f.toString('base64'), use_port_dst_mac: false, use_port_src_mac: false })),
    });
    return r.sent;
  }

  /** Events the server queued (the SUB channel's `{}` says there are some). */
  asyncEvents(user = this.user): Promise<AsyncEvents> {
    return this.call('get_async_events', { session_id: this.sessionId, user }, AsyncEventsSchema);
  }

  /** How long each call may take (`--trex-timeout`): the bound of any wait on the server. */
  get timeoutMs(): number {
    return this.rpc.timeoutMs;
  }

  /** A call went unanswered (the server died or hangs). */
  get lost(): boolean {
    return this.rpc.lost;
  }

  /**
   * Stops traffic and releases every port this client acquired, then closes. Safe to call twice.
   * After a lost call it only closes: each further call would wait out its timeout, and a dead
   * server holds no ports (a hung one is beyond reach until someone acquires with force).
   */
  async close(): Promise<void> {
    for (const port of this.rpc.lost ? [] : [...this.handlers.keys()]) {
      await this.stop(port).catch(() => undefined);
      await this.release(port).catch(() => undefined);
    }
    this.rpc.close();
  }
}

function parse<T>(method: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`TRex ${method}: unexpected result: ${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}
