import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseYaml, YamlInputError, type YamlPath } from '../harness/text/yaml-schema.js';
import type { TopologyDefinition, TopologySpec, VethTopologySpec } from './topology.js';

/** Built-in topologies: the YAML files in this folder of the source tree (found from dist/ too). */
export const BUILTIN_DIR = fileURLToPath(new URL('../../topologies/', import.meta.url));

export class TopologyError extends Error {}

const name = z.string().regex(/^[a-z][a-z0-9]{0,5}$/, 'must be 1-6 lowercase letters/digits starting with a letter');
const mac = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'must be a lowercase MAC address like 0a:dd:00:00:00:01');
const ofport = z.number().int().min(1).max(0xfeff);
const link = z.tuple([z.string(), z.string()]);

const VethSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.literal('veth'),
  description: z.string().optional(),
  endpoints: z
    .array(z.strictObject({ name, mac: mac.optional() }))
    .min(1)
    .max(16),
  dut: z.strictObject({
    ports: z
      .array(z.strictObject({ name, ofport: ofport.optional() }))
      .min(1)
      .max(16),
  }),
  links: z.array(link).min(1),
});

/** Where the lab's TRex server is: running (`address`), or started from an image per run. */
const TrexServerSchema = z.union(
  [
    z.strictObject({ address: z.string().min(1) }),
    z.strictObject({
      image: z.string().min(1),
      command: z.array(z.string()).min(1).optional(),
      privileged: z.boolean().optional(),
      capabilities: z.array(z.string().regex(/^[A-Z_]+$/, 'must be a capability name like NET_ADMIN')).optional(),
      rpcPort: z.number().int().min(2).max(65535).optional(),
      startupTimeoutS: z.number().positive().max(3600).optional(),
      cfg: z.looseObject({ interfaces: z.array(z.string().min(1)).min(2) }),
    }),
  ],
  { error: 'must be { address: host[:port] } or { image, cfg: { interfaces: [...] }, ... }' },
);

const NicSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.literal('nic'),
  description: z.string().optional(),
  dut: z.strictObject({
    ports: z
      .array(
        z.strictObject({
          name,
          interface: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'must be an interface name'),
          mac: mac.optional(),
          ofport: ofport.optional(),
        }),
      )
      .min(1),
  }),
  generator: z.strictObject({ trex: TrexServerSchema.optional(), ports: z.array(z.strictObject({ name, trexPort: z.number().int().min(0).max(255) })).min(1) }),
  links: z.array(link).min(1),
});

const TopologySchema = z.discriminatedUnion('kind', [VethSchema, NicSchema]);

type Path = YamlPath;

/** Cross-field rules zod cannot express per field: names unique, links name known ends. */
function crossCheck(spec: TopologySpec): { path: Path; message: string } | undefined {
  const ends = spec.kind === 'veth' ? spec.endpoints.map((e) => e.name) : spec.generator.ports.map((p) => p.name);
  const endKey = spec.kind === 'veth' ? 'endpoints' : 'generator.ports';
  const ports = spec.dut.ports.map((p) => p.name);
  const dup = (xs: string[]) => xs.findIndex((x, i) => xs.indexOf(x) !== i);
  const de = dup(ends);
  if (de >= 0) return { path: spec.kind === 'veth' ? ['endpoints', de, 'name'] : ['generator', 'ports', de, 'name'], message: `duplicate name '${ends[de]}'` };
  const dp = dup(ports);
  if (dp >= 0) return { path: ['dut', 'ports', dp, 'name'], message: `duplicate port name '${ports[dp]}'` };
  const ofports = spec.dut.ports.map((p, i) => p.ofport ?? i + 1);
  const dof = dup(ofports.map(String));
  if (dof >= 0) return { path: ['dut', 'ports', dof, 'ofport'], message: `ofport ${ofports[dof]} used twice` };
  const usedEnds = new Set<string>();
  const usedPorts = new Set<string>();
  for (const [i, [e, p]] of spec.links.entries()) {
    if (!ends.includes(e)) return { path: ['links', i, 0], message: `unknown ${endKey} name '${e}' (known: ${ends.join(', ')})` };
    if (!ports.includes(p)) return { path: ['links', i, 1], message: `unknown DUT port '${p}' (known: ${ports.join(', ')})` };
    if (usedEnds.has(e)) return { path: ['links', i, 0], message: `'${e}' is linked twice` };
    if (usedPorts.has(p)) return { path: ['links', i, 1], message: `DUT port '${p}' is linked twice` };
    usedEnds.add(e);
    usedPorts.add(p);
  }
  const unlinked = ends.find((e) => !usedEnds.has(e));
  if (unlinked) return { path: ['links'], message: `'${unlinked}' is not linked to any DUT port` };
  return undefined;
}

/** Parses and validates topology YAML; errors are one line, `source:line: field: problem`. */
export function parseTopology(text: string, source: string): TopologyDefinition {
  let parsed;
  try {
    parsed = parseYaml(TopologySchema, text, source);
  } catch (e) {
    if (e instanceof YamlInputError) throw new TopologyError(e.message);
    throw e;
  }
  const spec = parsed.data as TopologySpec;
  const problem = crossCheck(spec);
  if (problem) throw new TopologyError(parsed.errorAt(problem.path, problem.message));
  return { spec, source };
}

export function listTopologies(): TopologyDefinition[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parseTopology(readFileSync(join(BUILTIN_DIR, f), 'utf8'), join('topologies', f)));
}

/** A built-in name (`p2p`) or a path to a YAML file. */
export function loadTopology(nameOrPath: string): TopologyDefinition {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml');
  const file = isPath ? nameOrPath : join(BUILTIN_DIR, `${nameOrPath}.yaml`);
  if (!existsSync(file)) {
    if (isPath) throw new TopologyError(`${nameOrPath}: no such topology file`);
    const known = readdirSync(BUILTIN_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => basename(f, '.yaml'));
    throw new TopologyError(`topology '${nameOrPath}': no built-in topology of that name (built-in: ${known.join(', ')}; or give a YAML file path)`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TopologyError(`${nameOrPath}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseTopology(text, isPath ? nameOrPath : join('topologies', `${nameOrPath}.yaml`));
}

/** The veth spec of a definition; a `nic` topology cannot be built on veth. */
export function vethSpec(def: TopologyDefinition): VethTopologySpec {
  if (def.spec.kind !== 'veth') throw new TopologyError(`topology ${def.spec.name} (${def.source}): kind '${def.spec.kind}' cannot be built on veth`);
  return def.spec;
}
