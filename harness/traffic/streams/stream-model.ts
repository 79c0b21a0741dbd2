import { z } from 'zod';

/**
 * The stream model every generator takes (TRex-like): a packet template, field-engine
 * variables written into each frame, a rate, a mode, a duration. `soft` compiles it for
 * dplab-gen; `trex` translates it into STL streams.
 *
 * Frame sizes count the 4-byte FCS, as RFC 2544 and TRex do: a 64-byte frame is 60 bytes
 * handed to the interface.
 */

/** Fields the field engine can vary, by name (offsets resolved against the template). */
export const VAR_FIELDS = ['eth.src', 'ipv4.src', 'ipv4.dst', 'udp.sport', 'udp.dport'] as const;
export type VarField = (typeof VAR_FIELDS)[number];

export const FieldVarSchema = z
  .strictObject({
    field: z.enum(VAR_FIELDS),
    op: z.enum(['inc', 'dec', 'random']),
    min: z.number().int().nonnegative().max(0xffffffff),
    max: z.number().int().nonnegative().max(0xffffffff),
    step: z.number().int().positive().max(0xffffffff).default(1),
  })
  .refine((v) => v.min <= v.max, { message: 'min must not exceed max' });

export const RateSchema = z.union([
  z.strictObject({ pps: z.number().nonnegative() }),
  /** Line bits per second counting preamble, SFD and inter-frame gap (20 bytes per frame). */
  z.strictObject({ bpsL1: z.number().positive() }),
  /** Frame bits per second (FCS included, no preamble or gap). */
  z.strictObject({ bpsL2: z.number().positive() }),
  z.strictObject({ percent: z.number().positive().max(100), lineBps: z.number().positive() }),
]);

export const ModeSchema = z.union([
  z.strictObject({ kind: z.literal('continuous') }),
  z.strictObject({ kind: z.literal('burst'), frames: z.number().int().positive() }),
  z.strictObject({
    kind: z.literal('multi-burst'),
    frames: z.number().int().positive(),
    bursts: z.number().int().positive(),
    ibgUs: z.number().int().nonnegative(),
  }),
]);

export const StreamSchema = z.strictObject({
  name: z.string().min(1),
  /** Frame size on the wire incl. FCS. */
  frameSize: z.number().int().min(64).max(1518),
  /** Share of this stream in the profile (frames, not bytes). */
  weight: z.number().int().positive().max(1024).default(1),
  vars: z.array(FieldVarSchema).max(8).default([]),
});

export const ProfileSchema = z.strictObject({
  streams: z.array(StreamSchema).min(1).max(16),
  /** Total rate over all streams; pps 0 means as fast as the generator can. */
  rate: RateSchema,
  mode: ModeSchema.default({ kind: 'continuous' }),
  durationMs: z.number().int().positive().max(600_000),
});

export type FieldVar = z.infer<typeof FieldVarSchema>;
export type Rate = z.infer<typeof RateSchema>;
export type Mode = z.infer<typeof ModeSchema>;
export type Stream = z.input<typeof StreamSchema>;
export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;

/** Preamble + SFD + inter-frame gap, per frame, on an Ethernet line. */
const L1_OVERHEAD = 20;

/** Simple IMIX (frames on the wire incl. FCS): 7 x 64, 4 x 594, 1 x 1518. */
export const IMIX: readonly { frameSize: number; weight: number }[] = [
  { frameSize: 64, weight: 7 },
  { frameSize: 594, weight: 4 },
  { frameSize: 1518, weight: 1 },
];

export function parseProfile(input: unknown, where: string): Profile {
  const r = ProfileSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${where}: ${i?.path.join('.') || 'profile'}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** Mean frame size of a profile, weighted by frames. */
export function meanFrameSize(streams: readonly { frameSize: number; weight?: number }[]): number {
  const total = streams.reduce((n, s) => n + (s.weight ?? 1), 0);
  return streams.reduce((n, s) => n + s.frameSize * (s.weight ?? 1), 0) / total;
}

/** Frames per second a rate asks for, given the profile's frame sizes. */
export function ratePps(rate: Rate, streams: readonly { frameSize: number; weight?: number }[]): number {
  const mean = meanFrameSize(streams);
  if ('pps' in rate) return rate.pps;
  if ('bpsL1' in rate) return rate.bpsL1 / ((mean + L1_OVERHEAD) * 8);
  if ('bpsL2' in rate) return rate.bpsL2 / (mean * 8);
  return (rate.percent / 100) * (rate.lineBps / ((mean + L1_OVERHEAD) * 8));
}

/** Streams for a frame size or `imix`, each varying the given fields. */
export function sizedStreams(frameSize: number | 'imix', vars: readonly FieldVar[] = []): Stream[] {
  const sizes = frameSize === 'imix' ? IMIX : [{ frameSize, weight: 1 }];
  return sizes.map((s) => ({ name: `${s.frameSize}B`, frameSize: s.frameSize, weight: s.weight, vars: [...vars] }));
}

/**
 * Flow sources vary the low 32 bits of the Ethernet source from here: high enough that they
 * cannot be an endpoint's address (topologies use small numbers, e.g. 0a:dd:00:00:00:02),
 * which a learning bridge would then place on the wrong port.
 */
export const FLOW_MAC_BASE = 0x80000000;

/** N distinct flows, by Ethernet source address (so a MAC-learning bridge learns N entries). */
export function flowVars(flows: number, first = FLOW_MAC_BASE): FieldVar[] {
  return flows > 1 ? [{ field: 'eth.src', op: 'inc', min: first, max: first + flows - 1, step: 1 }] : [];
}
