import { z } from 'zod';
import { parseJson } from '../text/json-schema.js';
import { exec } from './exec.js';

/** Kernel interface counters, as `ip -s link` reports them. */
export interface LinkCounters {
  readonly rxPackets: number;
  readonly rxBytes: number;
  readonly rxDropped: number;
  readonly txPackets: number;
  readonly txBytes: number;
  readonly txDropped: number;
}

const Counters = z.looseObject({ packets: z.number(), bytes: z.number(), dropped: z.number() });
/** `ip -j -s link show`: the fields read here, anything else let through. */
const IpLinks = z.array(z.looseObject({ ifname: z.string(), stats64: z.looseObject({ rx: Counters, tx: Counters }).optional() }));

/** Counters of every link in a network namespace, by interface name. */
export async function linkCounters(netns: string): Promise<Map<string, LinkCounters>> {
  const r = await exec('ip', ['-n', netns, '-j', '-s', 'link', 'show']);
  return new Map(
    parseJson(IpLinks, r.stdout || '[]', `ip -n ${netns} -j -s link show`).map((l) => {
      const s = l.stats64;
      return [
        l.ifname,
        {
          rxPackets: s?.rx.packets ?? 0,
          rxBytes: s?.rx.bytes ?? 0,
          rxDropped: s?.rx.dropped ?? 0,
          txPackets: s?.tx.packets ?? 0,
          txBytes: s?.tx.bytes ?? 0,
          txDropped: s?.tx.dropped ?? 0,
        },
      ];
    }),
  );
}
