import type { MeterStats } from '../../harness/datapath/datapath.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';

/**
 * One meter of `ovs-ofctl meter-stats` output, e.g.
 * `meter:1 flow_count:1 packet_in_count:3001 byte_in_count:180060 duration:2.229s bands:` then
 * `0: packet_count:1909 byte_count:114540`, one line a band.
 */
export function parseMeterStats(text: string, id: number): MeterStats | undefined {
  const at = text.search(new RegExp(`^meter:${id} `, 'm'));
  if (at < 0) return undefined;
  const [head = '', ...rest] = text.slice(at).split('\n');
  const num = (line: string, key: string) => Number(new RegExp(`\\b${key}:(\\d+)`).exec(line)?.[1] ?? NaN);
  const bands = [];
  for (const l of rest) {
    if (!/^\s*\d+: /.test(l)) break;
    bands.push({ packets: num(l, 'packet_count'), bytes: num(l, 'byte_count') });
  }
  return { flowCount: num(head, 'flow_count'), packetsIn: num(head, 'packet_in_count'), bytesIn: num(head, 'byte_in_count'), bands };
}

/**
 * The bridge's group and meter tables. Groups and meters are OpenFlow 1.1+/1.3 objects: every
 * command goes in OpenFlow 1.3 (ovs-ofctl's default 1.0 has neither).
 */
export function ovsGroupsMeters(ovs: StartedOvsDaemons, bridge: string) {
  const of13 = (args: readonly string[]) => ovs.ofctl(['-O', 'OpenFlow13', ...args]);
  let groups = false;
  let meters = false;
  return {
    async setGroups(lines: readonly string[]): Promise<void> {
      // In OpenFlow 1.3 ovs-ofctl drops selection_method and fields() without a word (they are
      // OpenFlow 1.5 group properties, and the bridge speaks up to 1.3): refuse them instead of
      // running a group the case did not ask for. OVS's default select method is dp_hash.
      const of15 = lines.find((l) => /\b(selection_method|selection_method_param)=|\bfields\(/.test(l));
      if (of15 !== undefined) throw new Error(`group needs OpenFlow 1.5 (selection_method/fields), which the bridge does not speak: ${of15}`);
      groups = true;
      await of13(['del-groups', bridge]);
      for (const l of lines) await of13(['add-group', bridge, l]);
    },
    async setMeters(lines: readonly string[]): Promise<void> {
      meters = true;
      // Flows that use a meter keep it; del-flows first so the meters can go.
      await of13(['del-meters', bridge]);
      for (const l of lines) await of13(['add-meter', bridge, l]);
    },
    /** One meter's counters, from `meter-stats BRIDGE meter=ID`. */
    async meterStats(id: number): Promise<MeterStats | undefined> {
      return parseMeterStats((await of13(['meter-stats', bridge, `meter=${id}`])).stdout, id);
    },
    /** Removes the groups and meters set since the last reset (flows that use them are the pipeline's to remove). */
    async reset(): Promise<void> {
      if (groups) await of13(['del-groups', bridge]);
      if (meters) await of13(['del-meters', bridge]);
      groups = meters = false;
    },
  };
}
