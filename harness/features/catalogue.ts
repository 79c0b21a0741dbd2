import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

const FeatureSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/),
  title: z.string().min(1),
  ovsRow: z.string().optional(),
  /** No case exercises the feature yet: why, or what is planned (shown in the report). */
  uncovered: z.string().min(1).optional(),
});

const CatalogueSchema = z.strictObject({
  groups: z.array(
    z.strictObject({
      id: z.string(),
      title: z.string(),
      features: z.array(FeatureSchema).min(1),
    }),
  ),
});

export type Feature = z.infer<typeof FeatureSchema> & { readonly group: string };

export interface FeatureGroup {
  readonly id: string;
  readonly title: string;
  readonly features: readonly Feature[];
}

/** The feature catalogue: the ids conformance cases declare and backends report on. */
export interface Catalogue {
  readonly groups: readonly FeatureGroup[];
  readonly features: readonly Feature[];
  has(id: string): boolean;
  get(id: string): Feature;
}

/** The YAML file beside this module's source (found from dist/ too). */
export const CATALOGUE_PATH = fileURLToPath(new URL('../../../harness/features/catalogue.yaml', import.meta.url));

export function parseCatalogue(text: string, source: string): Catalogue {
  const parsed = CatalogueSchema.safeParse(parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const groups: FeatureGroup[] = parsed.data.groups.map((g) => ({
    id: g.id,
    title: g.title,
    features: g.features.map((f) => ({ ...f, group: g.id })),
  }));
  const features = groups.flatMap((g) => g.features);
  const byId = new Map<string, Feature>();
  for (const f of features) {
    if (byId.has(f.id)) throw new Error(`${source}: duplicate feature id '${f.id}'`);
    byId.set(f.id, f);
  }
  return {
    groups,
    features,
    has: (id) => byId.has(id),
    get: (id) => {
      const f = byId.get(id);
      if (!f) throw new Error(`unknown feature id '${id}'`);
      return f;
    },
  };
}

let cached: Catalogue | undefined;

export function loadCatalogue(): Catalogue {
  cached ??= parseCatalogue(readFileSync(CATALOGUE_PATH, 'utf8'), CATALOGUE_PATH);
  return cached;
}
