import { randomBytes } from 'node:crypto';
import { Request } from 'zeromq';
import { compress, decode, MAX_REQUEST_BYTES } from './framing.js';
import { TrexRpcError, TrexTimeoutError } from './rpc-errors.js';

/**
 * The sync channel to a TRex server: JSON-RPC 2.0 over a ZeroMQ REQ socket, one request in
 * flight, every call bounded by a timeout. A REQ socket is wedged after a lost reply, so on a
 * timeout it is closed and a fresh one connected (as the Python client does).
 */
export interface RpcChannelOptions {
  /** `tcp://host:4501`. */
  readonly endpoint: string;
  /** Per call; default 3000 ms (the Python client's). */
  readonly timeoutMs?: number;
  /** Compress requests (the server then compresses replies); default true, as Python. */
  readonly compress?: boolean;
}

export interface RpcCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

interface RpcReply {
  readonly id?: string;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string; readonly specific_err?: unknown };
}

const newId = () => randomBytes(6).toString('base64url').slice(0, 8).toLowerCase();

export class RpcChannel {
  private socket: Request;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The last call went unanswered: the server is gone or wedged, so further calls may only wait. */
  lost = false;
  readonly timeoutMs: number;

  constructor(private readonly o: RpcChannelOptions) {
    this.timeoutMs = o.timeoutMs ?? 3000;
    this.socket = this.open();
  }

  private open(): Request {
    const s = new Request({ receiveTimeout: this.timeoutMs, sendTimeout: this.timeoutMs, linger: 0, reconnectInterval: 20, reconnectMaxInterval: 500 });
    s.connect(this.o.endpoint);
    return s;
  }

  /** One exchange, serialized behind the previous one. */
  private exchange(label: string, payload: unknown): Promise<unknown> {
    const run = async (): Promise<unknown> => {
      if (this.closed) throw new Error(`TRex ${label}: channel to ${this.o.endpoint} is closed`);
      const text = JSON.stringify(payload);
      if (Buffer.byteLength(text) > MAX_REQUEST_BYTES)
        throw new Error(`TRex ${label}: request of ${Buffer.byteLength(text)} bytes exceeds the server's ${MAX_REQUEST_BYTES}`);
      try {
        await this.socket.send(this.o.compress === false ? text : compress(text));
        const [reply] = await this.socket.receive();
        this.lost = false;
        return JSON.parse(decode(reply as Buffer)) as unknown;
      } catch (e) {
        if ((e as { code?: string }).code === 'EAGAIN') {
          this.socket.close();
          this.socket = this.open();
          this.lost = true;
          throw new TrexTimeoutError(label, this.o.endpoint, this.timeoutMs);
        }
        throw e;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Calls one method; a JSON-RPC error becomes a TrexRpcError naming the method and code. */
  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = newId();
    const reply = (await this.exchange(method, { jsonrpc: '2.0', id, method, params })) as RpcReply;
    return unwrap<T>(method, id, reply);
  }

  /**
   * Several calls in one message, run by the server in order. Each element is the result or the
   * TrexRpcError of that call. (The server answers a one-element batch with a bare object.)
   */
  async batch(calls: readonly RpcCall[]): Promise<unknown[]> {
    if (calls.length === 0) return [];
    const reqs = calls.map((c) => ({ jsonrpc: '2.0', id: newId(), method: c.method, params: c.params }));
    const label = `batch(${calls.map((c) => c.method).join(',')})`;
    const raw = await this.exchange(label, reqs);
    const replies = (Array.isArray(raw) ? raw : [raw]) as RpcReply[];
    if (replies.length !== reqs.length) throw new Error(`TRex ${label}: ${replies.length} replies to ${reqs.length} requests`);
    return reqs.map((r, i) => {
      try {
        return unwrap(r.method, r.id, replies[i] as RpcReply);
      } catch (e) {
        return e;
      }
    });
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }
}

function unwrap<T>(method: string, id: string, reply: RpcReply): T {
  if (reply.id !== undefined && reply.id !== id) throw new Error(`TRex ${method}: reply id ${reply.id} does not answer request ${id}`);
  if (reply.error) throw new TrexRpcError(method, reply.error.code, reply.error.message, reply.error.specific_err);
  if (!('result' in reply)) throw new Error(`TRex ${method}: reply has neither result nor error`);
  return reply.result as T;
}
