import { availableParallelism } from 'node:os';
import { trexPortsOf } from '../bench/bench-bed.js';
import type { GeneratorPlan } from '../runner/run.js';
import { parseTrexAddress } from '../traffic/trex/trex-cfg.js';
import type { TopologyDefinition } from '../../topologies/topology.js';
import { UsageError } from './errors.js';

export interface GeneratorFlags {
  generator: 'soft' | 'trex';
  genCpu?: string;
  trex?: string;
  trexTimeout: string;
  trexForce?: boolean;
}

/**
 * The benchmarks' generator from the flags and the topology, checked before anything is
 * created: TRex needs a lab (nic) topology with p1/p2 cabled and a server (`--trex` or the
 * topology's `generator.trex`); the soft generator needs netns endpoints, so no nic topology.
 */
export function generatorPlan(o: GeneratorFlags, topology: TopologyDefinition, benchmarks: boolean): GeneratorPlan {
  const { spec, source } = topology;
  if (o.generator === 'soft') {
    if (o.trex || o.trexForce) throw new UsageError(`--trex${o.trex ? '' : '-force'}: only with --generator trex`);
    if (benchmarks && spec.kind === 'nic')
      throw new UsageError(`topology ${spec.name} (${source}) is a lab (nic) topology: its generator ports are TRex ports; use --generator trex`);
    if (o.genCpu === undefined) return { kind: 'soft' };
    const cpu = Number(o.genCpu);
    const cpus = availableParallelism();
    if (!Number.isInteger(cpu) || o.genCpu.trim() === '' || cpu < 0 || cpu >= cpus)
      throw new UsageError(`--gen-cpu ${o.genCpu}: want a CPU number 0..${cpus - 1}`);
    return { kind: 'soft', cpu };
  }
  if (o.genCpu !== undefined) throw new UsageError('--gen-cpu: only with the soft generator');
  if (spec.kind !== 'nic') throw new UsageError(`--generator trex: topology ${spec.name} (${source}) is kind ${spec.kind}; TRex drives a lab (nic) topology`);
  const timeoutMs = trexTimeoutMs(o.trexTimeout);
  try {
    trexPortsOf(spec);
    if (o.trex) parseTrexAddress(o.trex, '--trex');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const server = o.trex ? { address: o.trex } : spec.generator.trex;
  if (!server) throw new UsageError(`--generator trex: no TRex server: give --trex HOST[:PORT] or generator.trex in ${source}`);
  return { kind: 'trex', server, timeoutMs, force: o.trexForce ?? false };
}

/** `--trex-timeout S` in milliseconds; out of range is a usage error. */
export function trexTimeoutMs(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0.1 || s > 600) throw new UsageError(`--trex-timeout ${text}: want seconds 0.1..600`);
  return Math.round(s * 1000);
}
