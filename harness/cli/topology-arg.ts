import { loadTopology } from '../../topologies/load.js';
import type { TopologyDefinition } from '../../topologies/topology.js';
import { UsageError } from './errors.js';

/** Loads `--topology NAME|FILE`; any problem is a usage error with the file, line and field. */
export function loadTopologyOrUsage(nameOrPath: string): TopologyDefinition {
  try {
    return loadTopology(nameOrPath);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}
