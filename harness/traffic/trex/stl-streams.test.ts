import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { parseProfile, sizedStreams, flowVars, FLOW_MAC_BASE } from '../streams/stream-model.js';
import { loadTranscript } from './replay-server.js';
import { toTrexStreams } from './stl-streams.js';

const recorded = loadTranscript(fileURLToPath(new URL('../../../../harness/traffic/trex/fixtures/raw_rpc_transcript.jsonl', import.meta.url)))
  .map((e) => e.request as { method?: string; params?: { stream?: Record<string, unknown> } })
  .find((r) => r.method === 'add_stream')?.params?.stream as Record<string, unknown>;

const H1 = { mac: '02:00:00:00:00:01' };
const H2 = { mac: '02:00:00:00:00:02' };

describe('the shared stream model as TRex STL streams', () => {
  it('has every field a v3.08 server accepted in add_stream (recorded), and only those', () => {
    const [s] = toTrexStreams(parseProfile({ streams: sizedStreams(64), rate: { pps: 100000 }, durationMs: 1000 }, 't'), H1, H2);
    const optional = ['start_paused', 'core_id', 'random_seed'];
    expect(Object.keys(s ?? {}).sort()).to.deep.equal(
      Object.keys(recorded)
        .filter((k) => !optional.includes(k))
        .sort(),
    );
    expect(s?.mode).to.deep.equal({ type: 'continuous', rate: { type: 'pps', value: 100000 } });
    expect(Buffer.from(s?.packet.binary ?? '', 'base64').length, '64 B on the wire is 60 without FCS').to.equal(60);
  });

  it('splits the rate by weight (IMIX 7:4:1) and a burst into per-stream totals', () => {
    const streams = toTrexStreams(
      parseProfile({ streams: sizedStreams('imix'), rate: { pps: 1200 }, mode: { kind: 'burst', frames: 1200 }, durationMs: 1000 }, 't'),
      H1,
      H2,
    );
    expect(streams.map((s) => s.mode)).to.deep.equal([
      { type: 'single_burst', total_pkts: 700, rate: { type: 'pps', value: 700 } },
      { type: 'single_burst', total_pkts: 400, rate: { type: 'pps', value: 400 } },
      { type: 'single_burst', total_pkts: 100, rate: { type: 'pps', value: 100 } },
    ]);
  });

  it('writes flow variables big-endian at the field offsets, fixing the IPv4 checksum when addresses vary', () => {
    const [macs] = toTrexStreams(parseProfile({ streams: sizedStreams(64, flowVars(100)), rate: { pps: 1 }, durationMs: 1000 }, 't'), H1, H2);
    expect(macs?.vm.instructions).to.deep.equal([
      {
        type: 'flow_var',
        name: 'v0_eth_src',
        size: 4,
        op: 'inc',
        init_value: FLOW_MAC_BASE,
        min_value: FLOW_MAC_BASE,
        max_value: FLOW_MAC_BASE + 99,
        step: 1,
        split_to_cores: true,
        next_var: null,
      },
      { type: 'write_flow_var', name: 'v0_eth_src', pkt_offset: 8, add_value: 0, is_big_endian: true },
    ]);
    const [ips] = toTrexStreams(
      parseProfile({ streams: sizedStreams(64, [{ field: 'ipv4.dst', op: 'random', min: 1, max: 9, step: 1 }]), rate: { pps: 1 }, durationMs: 1000 }, 't'),
      H1,
      H2,
      { pgid: 7, latency: true },
    );
    expect(ips?.vm.instructions.map((i) => i.type)).to.deep.equal(['flow_var', 'write_flow_var', 'fix_checksum_ipv4']);
    expect(ips?.flow_stats).to.deep.equal({ enabled: true, stream_id: 7, rule_type: 'latency' });
  });
});
