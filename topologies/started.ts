import type { DutPortHandle, EndpointHandle, StartedTopology } from './topology.js';

/** A started topology from what was built, with its lookups by name (one error text for all kinds). */
export function startedTopology(t: Omit<StartedTopology, 'state' | 'endpoint' | 'dutPort'>): StartedTopology {
  const { spec, endpoints, dutPorts } = t;
  return {
    ...t,
    state: 'started',
    endpoint(name: string): EndpointHandle {
      const e = endpoints.find((x) => x.name === name);
      if (e) return e;
      if (spec.kind === 'nic') throw new Error(`topology ${spec.name}: kind nic has no netns endpoints ('${name}' asked); its generator ports are TRex ports`);
      throw new Error(`topology ${spec.name}: no endpoint '${name}' (has ${endpoints.map((x) => x.name).join(', ')})`);
    },
    dutPort(name: string): DutPortHandle {
      const p = dutPorts.find((x) => x.name === name);
      if (!p) throw new Error(`topology ${spec.name}: no DUT port '${name}' (has ${dutPorts.map((x) => x.name).join(', ')})`);
      return p;
    },
  };
}
