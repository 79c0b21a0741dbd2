import { BACKENDS } from '../../datapaths/registry.js';
import { listTopologies } from '../../topologies/load.js';
import { loadCatalogue } from '../features/catalogue.js';
import { EXIT, UsageError } from './errors.js';
import { SUITES } from './suites.js';

/** `dplab list suites|backends|topologies|features`: one item a line, tab-separated columns. */
export async function listCommand(what: string): Promise<number> {
  const w = (s: string) => process.stdout.write(`${s}\n`);
  switch (what) {
    case 'suites':
      for (const [name, groups] of Object.entries(SUITES)) {
        const n = groups.reduce((k, g) => k + g.cases.length, 0);
        w(`${name}\t${n} cases${groups.length ? `\t${groups.map((g) => g.name).join(', ')}` : ''}`);
      }
      return EXIT.ok;
    case 'backends':
      for (const b of BACKENDS) w(`${b.id}\t${b.description}`);
      return EXIT.ok;
    case 'topologies':
      for (const t of listTopologies()) w(`${t.spec.name}\t${t.spec.kind}\t${t.spec.description ?? ''}\t${t.source}`);
      return EXIT.ok;
    case 'features':
      for (const g of loadCatalogue().groups) for (const f of g.features) w(`${f.id}\t${g.title}\t${f.title}`);
      return EXIT.ok;
    default:
      throw new UsageError(`list: unknown list '${what}' (known: suites, backends, topologies, features)`);
  }
}
