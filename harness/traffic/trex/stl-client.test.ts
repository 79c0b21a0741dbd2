import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { compress, decode, TrexFramingError } from './framing.js';
import { loadTranscript, ReplayServer, type Exchange } from './replay-server.js';
import { RpcChannel } from './rpc-channel.js';
import { TrexRpcError, TrexTimeoutError } from './rpc-errors.js';
import { TrexStlClient } from './stl-client.js';
import type { TrexStream } from './stl-streams.js';

/** Exchanges recorded with a live TRex v3.08 server (copied from shared/fixtures/trex into ./fixtures). */
const fixture = (name: string) => loadTranscript(fileURLToPath(new URL(`../../../../harness/traffic/trex/fixtures/${name}`, import.meta.url)));
const MAIN = fixture('raw_rpc_transcript.jsonl');
const EXTRA = fixture('raw_rpc_extra_transcript.jsonl');
const method = (e: Exchange) => (Array.isArray(e.request) ? 'batch' : (e.request as { method: string }).method);
const params = (e: Exchange) => (e.request as { params: Record<string, unknown> }).params;
/** The recorded exchanges of a method, in recorded order (optionally filtered). */
const pick = (list: readonly Exchange[], m: string, where: (e: Exchange) => boolean = () => true) => list.filter((e) => method(e) === m && where(e));
const sync = (list: readonly Exchange[]) => pick(list, 'api_sync_v2', (e) => params(e).major === 5);
const answer = (request: { method: string; params: Record<string, unknown> }, response: object): Exchange => ({
  request: { jsonrpc: '2.0', id: 'x', ...request },
  response: { jsonrpc: '2.0', ...response },
});

let server: ReplayServer | undefined;
let client: TrexStlClient | undefined;
async function replay(script: readonly Exchange[], user = 'raw-client'): Promise<TrexStlClient> {
  server = await ReplayServer.start(script);
  const [, host, port] = /^tcp:\/\/(.*):(\d+)$/.exec(server.endpoint) ?? [];
  client = await TrexStlClient.connect({ host: host as string, syncPort: Number(port), timeoutMs: 2000, user });
  return client;
}

afterEach(async () => {
  (client as unknown as { rpc?: RpcChannel } | undefined)?.rpc?.close();
  client = undefined;
  await server?.stop();
  server = undefined;
});

describe('TRex message framing', () => {
  it('compresses with the magic and the uncompressed length, and reads plain or compressed', () => {
    const text = JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 'ping', params: {} });
    const c = compress(text);
    expect(c.readUInt32BE(0)).to.equal(0xabe85cea);
    expect(c.readUInt32BE(4)).to.equal(Buffer.byteLength(text));
    expect(decode(c)).to.equal(text);
    expect(decode(Buffer.from(text))).to.equal(text);
  });

  it('refuses a compressed message whose length does not match its header', () => {
    const c = compress('{"a":1}');
    c.writeUInt32BE(99, 4);
    expect(() => decode(c)).to.throw(TrexFramingError, 'header says 99 bytes, zlib gave 7');
  });
});

describe('TRex STL client against recorded exchanges (real ZeroMQ on loopback)', () => {
  it('handshakes with api_sync_v2 and reads version and system info (compressed replies too)', async () => {
    const c = await replay([...sync(MAIN), ...pick(MAIN, 'get_version'), ...pick(MAIN, 'get_system_info')]);
    expect(c.apiHandle).to.equal('vs03XIAO');
    expect((await c.version()).version).to.equal('v3.08');
    const info = await c.systemInfo();
    expect(info.port_count).to.equal(2);
    expect(info.ports.map((p) => p.index).sort()).to.deep.equal([0, 1]);
    expect(server?.received.length).to.equal(3);
  });

  it('names a version mismatch (-32000) with the server explanation', async () => {
    server = await ReplayServer.start(pick(MAIN, 'api_sync_v2', (e) => params(e).major === 4));
    const rpc = new RpcChannel({ endpoint: server.endpoint, timeoutMs: 2000 });
    try {
      await rpc.call('api_sync_v2', { name: 'STL', major: 4, minor: 0 }).then(
        () => expect.fail('accepted'),
        (e: unknown) => {
          expect(e).to.be.instanceOf(TrexRpcError);
          expect((e as TrexRpcError).code).to.equal(-32000);
          expect((e as Error).message).to.match(/^TRex api_sync_v2: -32000 execution failed \(Failed To Execute Method\): RPC version mismatch/);
        },
      );
    } finally {
      rpc.close();
    }
  });

  it('acquires with force, reads port status, clears stats by batch, starts, reads stats and events, stops and releases', async () => {
    const script = [
      ...sync(MAIN),
      ...pick(MAIN, 'acquire'),
      ...pick(MAIN, 'get_port_status').slice(0, 1),
      ...pick(MAIN, 'remove_all_streams', (e) => params(e).port_id === 1).slice(0, 1),
      ...pick(MAIN, 'batch'),
      ...pick(MAIN, 'add_stream'),
      ...pick(MAIN, 'get_stream_list'),
      ...pick(MAIN, 'start_traffic'),
      ...pick(MAIN, 'get_port_stats').slice(-1),
      ...pick(MAIN, 'get_async_events'),
      ...pick(MAIN, 'get_global_stats'),
      ...pick(MAIN, 'stop_traffic').slice(0, 1),
      ...pick(MAIN, 'release').slice(0, 1),
    ];
    const c = await replay(script);
    await c.acquire(1, true);
    await c.acquire(0, true);
    expect((await c.portStatus(1)).owner).to.equal('raw-client');
    await c.removeAllStreams(1);
    await c.clearStats([1, 0]);
    await c.addStreams(0, [params(pick(MAIN, 'add_stream')[0] as Exchange).stream as TrexStream]);
    expect(await c.streamList(0)).to.deep.equal([1]);
    const started = await c.start(0, { durationS: 5 });
    expect(started.multiplier).to.equal(1);
    const last = pick(MAIN, 'get_port_stats').slice(-1)[0] as Exchange;
    const recorded = (last.response as { result: { opackets: number } }).result;
    const base = ((pick(MAIN, 'batch')[0]?.response as { result: { opackets: number } }[])[1] as { result: { opackets: number } }).result;
    const stats = await c.portStats(params(last).port_id as number);
    expect(stats.opackets, 'counters minus the client-side baseline').to.equal(recorded.opackets - base.opackets);
    expect(stats.opackets).to.be.greaterThan(0);
    const events = await c.asyncEvents('sub');
    expect(events.data[0]?.name).to.equal('trex-event');
    expect((await c.globalStats()).m_total_tx_pkts).to.be.a('number');
    await c.stop(1);
    await c.release(1);
  });

  it('service mode, capture start/status/fetch/stop, flow stats and latency groups, validate', async () => {
    const script = [
      ...sync(EXTRA),
      ...pick(EXTRA, 'acquire'),
      ...pick(EXTRA, 'get_supported_cmds'),
      ...pick(EXTRA, 'get_owner'),
      ...pick(EXTRA, 'service').slice(0, 1),
      ...pick(EXTRA, 'service').slice(1, 2),
      ...pick(EXTRA, 'capture', (e) => params(e).command === 'start'),
      ...pick(EXTRA, 'add_stream').slice(0, 2),
      ...pick(EXTRA, 'validate'),
      ...pick(EXTRA, 'get_active_pgids'),
      ...pick(EXTRA, 'get_pgid_stats'),
      ...pick(EXTRA, 'capture', (e) => params(e).command === 'fetch'),
      ...pick(EXTRA, 'capture', (e) => params(e).command === 'stop'),
    ];
    const c = await replay(script, 'extra');
    await c.acquire(0, true);
    await c.acquire(1, true);
    expect(await c.supportedCommands()).to.include('start_traffic');
    expect(await c.owner(0)).to.equal('extra');
    await c.service(1, true);
    await c.service(1, false);
    const id = await c.captureStart({ rx: [1], limit: 100, filter: 'udp' });
    expect(id).to.equal(1);
    await c.addStreams(
      0,
      pick(EXTRA, 'add_stream')
        .slice(0, 2)
        .map((e) => params(e).stream as TrexStream),
    );
    expect((await c.validate(0)).rate).to.have.property('max_pps');
    expect((await c.activePgids()).ids).to.deep.equal({ flow_stats: [8], latency: [7] });
    const pg = await c.pgidStats([7, 8]);
    expect(pg.flow_stats?.['7']?.tp['0']).to.equal(1000);
    const fetched = await c.captureFetch(1, 2);
    expect(fetched.pkts).to.have.length(2);
    expect(Buffer.from(fetched.pkts[0]?.binary ?? '', 'base64').length).to.be.greaterThan(40);
    expect(await c.captureStop(1)).to.be.a('number');
  });

  it('pauses, resumes and updates traffic with multipliers; pushes packets and a remote pcap', async () => {
    const script = [
      ...sync(EXTRA),
      ...pick(EXTRA, 'acquire').slice(0, 1),
      ...pick(EXTRA, 'add_stream').slice(2, 3),
      ...pick(EXTRA, 'start_traffic', (e) => (params(e).mul as { type: string }).type === 'pps'),
      ...pick(EXTRA, 'pause_traffic'),
      ...pick(EXTRA, 'resume_traffic'),
      ...pick(EXTRA, 'update_traffic'),
      ...pick(EXTRA, 'stop_traffic').slice(0, 1),
      ...pick(EXTRA, 'push_pkts'),
      ...pick(EXTRA, 'push_remote'),
    ];
    const c = await replay(script, 'extra');
    await c.acquire(0, true);
    await c.addStreams(
      0,
      pick(EXTRA, 'add_stream')
        .slice(2, 3)
        .map((e) => params(e).stream as TrexStream),
    );
    await c.start(0, { mul: { type: 'pps', value: 20000 } });
    await c.pause(0);
    await c.resume(0);
    expect((await c.update(0, { type: 'percentage', op: 'add', value: 0.1 })).multiplier).to.be.a('number');
    expect((await c.update(0, { type: 'pps', value: 5000 })).multiplier).to.be.a('number');
    await c.stop(0);
    const frame = Buffer.from((params(pick(EXTRA, 'push_pkts')[0] as Exchange).pkts as { binary: string }[])[0]?.binary ?? '', 'base64');
    expect(await c.pushPackets(0, [frame])).to.equal(1);
    await c.pushRemote(0, '/opt/trex/v3.08/cap2/dns.pcap');
  });

  it('maps the recorded errors: not owner (-32000), unknown method (-32601), bad params (-32602)', async () => {
    server = await ReplayServer.start([
      ...pick(MAIN, 'remove_all_streams', (e) => params(e).handler === 'bogus'),
      ...pick(MAIN, 'no_such_method'),
      ...pick(EXTRA, 'start_traffic', (e) => 'core_mask' in params(e)),
    ]);
    const rpc = new RpcChannel({ endpoint: server.endpoint, timeoutMs: 2000 });
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e: TrexRpcError) => `${e.code} ${e.message}`,
      );
    try {
      expect(await code(rpc.call('remove_all_streams', { port_id: 0, handler: 'bogus', api_h: 'vs03XIAO' }))).to.match(/^-32000 .*please acquire the port/);
      expect(await code(rpc.call('no_such_method', { api_h: 'vs03XIAO' }))).to.match(/^-32601 TRex no_such_method: -32601 method not found/);
      expect(await code(rpc.call('start_traffic', { ...params(pick(EXTRA, 'start_traffic', (e) => 'core_mask' in params(e))[0] as Exchange) }))).to.match(
        /^-32602 .*'core_mask' is 'double', expecting 'uint64'/,
      );
    } finally {
      rpc.close();
    }
  });

  it('retries "try again" (-32001), follows a "work in progress" ticket (-32002), and names the other codes', async () => {
    const c = await replay([
      ...sync(MAIN),
      answer({ method: 'get_global_stats', params: {} }, { error: { code: -32001, message: 'Try again' } }),
      ...pick(MAIN, 'get_global_stats'),
      answer({ method: 'get_owner', params: { port_id: 0 } }, { error: { code: -32002, message: 'Work in progress', specific_err: 42 } }),
      answer({ method: 'get_async_results', params: { ticket_id: 42 } }, { error: { code: -32002, message: 'Work in progress', specific_err: 42 } }),
      answer({ method: 'get_async_results', params: { ticket_id: 42 } }, { result: { owner: 'someone' } }),
      ...[-32700, -32600, -32603, -32003].map((code) => answer({ method: 'ping', params: {} }, { error: { code, message: `recorded message ${code}` } })),
    ]);
    expect((await c.globalStats()).m_cpu_util).to.be.a('number');
    expect(await c.owner(0)).to.equal('someone');
    for (const [code, meaning] of [
      [-32700, 'parse error'],
      [-32600, 'invalid request'],
      [-32603, 'internal error'],
      [-32003, 'no results'],
    ] as const) {
      const err = await c.ping().then(
        () => undefined,
        (e: unknown) => e as TrexRpcError,
      );
      expect(err?.message).to.equal(`TRex ping: ${code} ${meaning} (recorded message ${code})`);
    }
  });

  it('gives up on a server that never answers within the timeout, naming the method and endpoint', async () => {
    server = await ReplayServer.start([{ ...(sync(MAIN)[0] as Exchange), silent: true }]);
    const [, host, port] = /^tcp:\/\/(.*):(\d+)$/.exec(server.endpoint) ?? [];
    const started = Date.now();
    const err = await TrexStlClient.connect({ host: host as string, syncPort: Number(port), timeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TrexTimeoutError);
    expect((err as Error).message).to.equal(`TRex api_sync_v2: no answer from ${server.endpoint} within 500 ms`);
    expect(Date.now() - started).to.be.below(2000);
  });
});
