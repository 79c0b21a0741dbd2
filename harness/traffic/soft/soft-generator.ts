import { join } from 'node:path';
import { buildFrame } from '../../packet/index.js';
import { REPO_ROOT } from '../../runner/identity.js';
import { exec } from '../../system/exec.js';
import type { EndpointHandle } from '../../../topologies/topology.js';
import { ratePps, type FieldVar, type Profile, type VarField } from '../streams/stream-model.js';

const GEN = join(REPO_ROOT, 'build/bin/dplab-gen');

/** Where each variable field sits in the soft generator's template (untagged IPv4/UDP). */
const FIELD_AT: Readonly<Record<VarField, { offset: number; size: 2 | 4 }>> = {
  'eth.src': { offset: 8, size: 4 }, // the low 32 bits of the source MAC
  'ipv4.src': { offset: 26, size: 4 },
  'ipv4.dst': { offset: 30, size: 4 },
  'udp.sport': { offset: 34, size: 2 },
  'udp.dport': { offset: 36, size: 2 },
};
const IPV4_OFF = 14;
const HDR_LEN = 42; // Ethernet + IPv4 + UDP: rewritten into every frame
const SIG_OFF = 42; // the signature opens the UDP payload
const FCS = 4;

/** What dplab-gen reports: exactly what it handed to the interface. */
export interface GenReport {
  readonly sent: number;
  readonly seconds: number;
  readonly pps: number;
  readonly requestedPps: number;
  readonly maxLagUs: number;
  /** Schedule time given up after stalls instead of bursting to catch up. */
  readonly skippedUs: number;
  readonly aborted: number;
  readonly interrupted: boolean;
  readonly streams: readonly { index: number; sent: number }[];
}

/** One UDP/IPv4 frame from `from` to `to`, `frameSize` on the wire, room for the signature. */
export function templateFrame(from: EndpointHandle, to: EndpointHandle, frameSize: number): Buffer {
  return buildFrame({
    src: from.mac,
    dst: to.mac,
    ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 64 },
    // Checksum 0 ("none" over IPv4): the field engine varies ports without an L4 fix-up.
    udp: { sport: 1024, dport: 9, zeroChecksum: true },
    payload: Buffer.alloc(frameSize - FCS - HDR_LEN, 0),
  });
}

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
  });
  return JSON.parse(r.stdout) as GenReport;
}
