import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../harness/system/exec.js';

/**
 * A stand-in for a lab DUT's two physical ports: veth pairs named with a test id, the DUT
 * ends (`dl<id>n1`, `dl<id>n2`) in the host namespace as a NIC would be, the cable ends in a
 * namespace of their own. p1 starts up, p2 down, so a run's restore of each can be checked.
 */
export interface FakeLab {
  readonly id: string;
  readonly nics: readonly [string, string];
  /** The cable ends, where a TRex server's ports would be (`dl<id>m1`, `dl<id>m2`), and their namespace. */
  readonly cables: readonly [string, string];
  readonly farNetns: string;
  /** Writes a nic topology over the two ports; `trex` is the generator.trex YAML, if any. */
  topology(dir: string, trex?: string): string;
  /** Where each port is now: `host` (root namespace, with its up/down state) or `away`. */
  where(): Promise<string[]>;
  remove(): Promise<void>;
}

export async function fakeLab(): Promise<FakeLab> {
  const id = randomBytes(3).toString('hex');
  const far = `dplab-${id}-far`;
  const nics = [`dl${id}n1`, `dl${id}n2`] as const;
  const cables = [`dl${id}m1`, `dl${id}m2`] as const;
  await exec('ip', ['netns', 'add', far]);
  for (const [i, nic] of nics.entries()) {
    await exec('ip', ['link', 'add', nic, 'type', 'veth', 'peer', 'name', cables[i] as string, 'netns', far]);
    await exec('ip', ['-n', far, 'link', 'set', cables[i] as string, 'up']);
  }
  await exec('ip', ['link', 'set', nics[0], 'up']);
  return {
    id,
    nics,
    cables,
    farNetns: far,
    topology(dir, trex) {
      const file = join(dir, `lab-${id}.yaml`);
      writeFileSync(
        file,
        [
          `name: fake-lab`,
          `kind: nic`,
          `dut:`,
          `  ports:`,
          `    - { name: p1, interface: ${nics[0]} }`,
          `    - { name: p2, interface: ${nics[1]} }`,
          `generator:`,
          ...(trex ? [`  trex: ${trex}`] : []),
          `  ports:`,
          `    - { name: t0, trexPort: 0 }`,
          `    - { name: t1, trexPort: 1 }`,
          `links:`,
          `  - [t0, p1]`,
          `  - [t1, p2]`,
          '',
        ].join('\n'),
      );
      return file;
    },
    async where() {
      const out: string[] = [];
      for (const nic of nics) {
        const r = await exec('ip', ['-j', 'link', 'show', 'dev', nic], { allowFail: true });
        const flags = r.code === 0 ? ((JSON.parse(r.stdout) as { flags: string[] }[])[0]?.flags ?? []) : undefined;
        out.push(flags ? `${nic} host ${flags.includes('UP') ? 'up' : 'down'}` : `${nic} away`);
      }
      return out;
    },
    async remove() {
      // Deleting the far namespace takes the veth pairs with it, wherever their DUT ends are.
      await exec('ip', ['netns', 'del', far], { allowFail: true });
      for (const nic of nics) await exec('ip', ['link', 'del', nic], { allowFail: true });
    },
  };
}
