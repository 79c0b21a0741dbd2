import { ratePps, type FieldVar, type Profile } from '../streams/stream-model.js';
import { FIELD_AT, IPV4_OFF, templateFrame } from '../streams/template.js';

/** One TRex STL stream as `add_stream` takes it (every mandatory field present). */
export interface TrexStream {
  readonly enabled: boolean;
  readonly self_start: boolean;
  readonly isg: number;
  readonly next_stream_id: number;
  readonly action_count: number;
  readonly flags: number;
  readonly mode:
    | { readonly type: 'continuous'; readonly rate: TrexRate }
    | { readonly type: 'single_burst'; readonly total_pkts: number; readonly rate: TrexRate }
    | { readonly type: 'multi_burst'; readonly pkts_per_burst: number; readonly ibg: number; readonly count: number; readonly rate: TrexRate };
  readonly packet: { readonly binary: string; readonly meta: string };
  readonly vm: { readonly instructions: readonly Record<string, unknown>[] };
  readonly flow_stats: { readonly enabled: false } | { readonly enabled: true; readonly stream_id: number; readonly rule_type: 'stats' | 'latency' };
}

export interface TrexRate {
  readonly type: 'pps';
  readonly value: number;
}

/** flags: bit 0 takes the source MAC from the packet; bits 1-2 = 1 the destination too. */
const MACS_FROM_PACKET = 0b011;

function fieldEngine(vars: readonly FieldVar[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [i, v] of vars.entries()) {
    const at = FIELD_AT[v.field];
    const name = `v${i}_${v.field.replace('.', '_')}`;
    out.push({
      type: 'flow_var',
      name,
      size: at.size,
      op: v.op,
      init_value: v.op === 'dec' ? v.max : v.min,
      min_value: v.min,
      max_value: v.max,
      step: v.step,
      split_to_cores: true,
      next_var: null,
    });
    out.push({ type: 'write_flow_var', name, pkt_offset: at.offset, add_value: 0, is_big_endian: true });
  }
  // Addresses changed in the IPv4 header need its checksum fixed; UDP carries checksum 0.
  if (vars.some((v) => v.field.startsWith('ipv4.'))) out.push({ type: 'fix_checksum_ipv4', pkt_offset: IPV4_OFF });
  return out;
}

/**
 * The shared stream model as TRex STL streams, the profile's total rate split by weight.
 * `pgid` numbers the streams' flow-stats groups (one per stream, from this id) when given;
 * `latency` makes them latency groups.
 */
export function toTrexStreams(
  profile: Profile,
  from: { readonly mac: string },
  to: { readonly mac: string },
  o: { pgid?: number; latency?: boolean } = {},
): TrexStream[] {
  const total = ratePps(profile.rate, profile.streams);
  const weights = profile.streams.reduce((n, s) => n + s.weight, 0);
  return profile.streams.map((s, i) => {
    const share = s.weight / weights;
    const rate: TrexRate = { type: 'pps', value: total * share };
    const m = profile.mode;
    const mode: TrexStream['mode'] =
      m.kind === 'continuous'
        ? { type: 'continuous', rate }
        : m.kind === 'burst'
          ? { type: 'single_burst', total_pkts: Math.max(1, Math.round(m.frames * share)), rate }
          : { type: 'multi_burst', pkts_per_burst: Math.max(1, Math.round(m.frames * share)), ibg: m.ibgUs, count: m.bursts, rate };
    return {
      enabled: true,
      self_start: true,
      isg: 0,
      next_stream_id: -1,
      action_count: 0,
      flags: MACS_FROM_PACKET,
      mode,
      packet: { binary: templateFrame(from, to, s.frameSize).toString('base64'), meta: '' },
      vm: { instructions: fieldEngine(s.vars) },
      flow_stats: o.pgid === undefined ? { enabled: false } : { enabled: true, stream_id: o.pgid + i, rule_type: o.latency ? 'latency' : 'stats' },
    };
  });
}
