import { release } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseJson } from '../../text/json-schema.js';
import { REPO_ROOT } from '../../system/identity.js';
import { exec, ExecError } from '../../system/exec.js';
import { GeneratorUnavailableError } from '../trial-generator.js';
import type { EndpointHandle } from '../../../topologies/topology.js';
import { ratePps, type FieldVar, type Profile } from '../streams/stream-model.js';
import { FIELD_AT, HDR_LEN, IPV4_OFF, templateFrame } from '../streams/template.js';

const GEN = join(REPO_ROOT, 'build/bin/dplab-gen');

const SIG_OFF = HDR_LEN; // the signature opens the UDP payload

/** What dplab-gen reports (its one JSON line): exactly what it handed to the interface. */
const GenReportSchema = z.strictObject({
  sent: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  pps: z.number().nonnegative(),
  requestedPps: z.number().nonnegative(),
  maxLagUs: z.number().nonnegative(),
  /** Schedule time given up after stalls instead of bursting to catch up. */
  skippedUs: z.number().nonnegative(),
  aborted: z.number().int().nonnegative(),
  interrupted: z.boolean(),
  streams: z.array(z.strictObject({ index: z.number().int(), sent: z.number().int().nonnegative() })),
});
export type GenReport = z.infer<typeof GenReportSchema>;

function varLine(v: FieldVar, where: string): string {
  const at = FIELD_AT[v.field];
  const limit = at.size === 2 ? 0xffff : 0xffffffff;
  if (v.max > limit) throw new Error(`${where}: ${v.field}: max ${v.max} does not fit ${at.size} bytes`);
  return `var ${at.offset} ${at.size} ${v.op} ${v.min} ${v.max} ${v.step}`;
}

/** dplab-gen's stdin for a profile (see gen.c for the format). */
export function compileStreams(profile: Profile, from: EndpointHandle, to: EndpointHandle): string {
  return profile.streams
    .flatMap((s, i) => {
      const frame = templateFrame(from, to, s.frameSize);
      return [`stream ${s.weight} ${frame.toString('hex')} ${HDR_LEN} ${IPV4_OFF} ${SIG_OFF}`, ...s.vars.map((v) => varLine(v, `streams[${i}]`))];
    })
    .join('\n');
}

/** dplab-gen's arguments for a profile's rate, mode and duration. */
export function compileArgs(profile: Profile, ifname: string, cpu?: number): string[] {
  const pps = ratePps(profile.rate, profile.streams);
  const args = ['--if', ifname, '--duration-ms', String(profile.durationMs), '--pps', String(Math.round(pps))];
  const m = profile.mode;
  if (m.kind !== 'continuous' && !pps) throw new Error(`mode ${m.kind}: needs a rate (bursts are paced)`);
  if (m.kind === 'burst') args.push('--count', String(m.frames));
  if (m.kind === 'multi-burst') args.push('--count', String(m.frames * m.bursts), '--burst', String(m.frames), '--ibg-us', String(m.ibgUs));
  if (cpu !== undefined) args.push('--cpu', String(cpu));
  return args;
}

/**
 * Sends a profile from endpoint `from` towards `to` with dplab-gen, pinned to `cpu` when
 * given, and returns its report once it has stopped (the profile's duration bounds it).
 */
export async function sendProfile(profile: Profile, from: EndpointHandle, to: EndpointHandle, cpu?: number): Promise<GenReport> {
  const r = await exec(GEN, compileArgs(profile, from.ifname, cpu), {
    netns: from.netns,
    input: `${compileStreams(profile, from, to)}\n`,
    timeoutMs: profile.durationMs + 30_000,
  }).catch((e: unknown) => {
    throw refusedByKernel(e) ?? e;
  });
  return parseJson(GenReportSchema, r.stdout, 'dplab-gen report');
}

/**
 * dplab-gen sends with BPF_PROG_RUN in live-frames mode (5.18); a kernel that refuses that
 * call to root (EPERM: some hardened builds do) leaves the soft generator nothing to send with.
 */
export function refusedByKernel(e: unknown): GeneratorUnavailableError | undefined {
  if (!(e instanceof ExecError) || !/BPF_PROG_RUN \(live frames\) on \S+: Operation not permitted/.test(e.message)) return undefined;
  return new GeneratorUnavailableError(`soft generator: kernel ${release()} refuses BPF_PROG_RUN with live frames (EPERM), the only way dplab-gen sends`);
}
