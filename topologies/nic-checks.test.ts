import { expect } from 'chai';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkNicPorts } from './nic-checks.js';
import type { NicTopologySpec } from './topology.js';

/** A sysfs tree as the kernel lays out /sys/class/net/<if>, for ports in known states. */
function sysNet(ifaces: Record<string, { address: string; operstate: string; flags: string; master?: string; driver?: string }>): string {
  const root = mkdtempSync(join(tmpdir(), 'dplab-sysnet-'));
  for (const [name, i] of Object.entries(ifaces)) {
    const dir = join(root, name);
    mkdirSync(join(dir, 'device'), { recursive: true });
    writeFileSync(join(dir, 'address'), `${i.address}\n`);
    writeFileSync(join(dir, 'operstate'), `${i.operstate}\n`);
    writeFileSync(join(dir, 'flags'), `${i.flags}\n`);
    if (i.master) symlinkSync(`../${i.master}`, join(dir, 'master'));
    if (i.driver) symlinkSync(`../../../bus/pci/drivers/${i.driver}`, join(dir, 'device/driver'));
  }
  return root;
}

const lab = (ports: NicTopologySpec['dut']['ports']): NicTopologySpec => ({
  kind: 'nic',
  name: 'lab',
  dut: { ports },
  generator: { ports: ports.map((p, i) => ({ name: `t${i}`, trexPort: i })) },
  links: ports.map((p, i) => [`t${i}`, p.name] as const),
});

describe('lab (nic) topology checks before a run', () => {
  const sys = sysNet({
    ens1f0: { address: '3c:fd:fe:00:00:01', operstate: 'up', flags: '0x1003', driver: 'i40e' },
    ens1f1: { address: '3c:fd:fe:00:00:02', operstate: 'down', flags: '0x1003', driver: 'i40e' },
    ens2f0: { address: '3c:fd:fe:00:00:03', operstate: 'up', flags: '0x1003', driver: 'ice', master: 'ovs-system' },
    ens2f1: { address: '3c:fd:fe:00:00:04', operstate: 'down', flags: '0x1002', driver: 'ice' },
  });

  it('passes a port that exists, is up, has its pinned MAC and no owner, naming its driver', () => {
    expect(checkNicPorts(lab([{ name: 'p1', interface: 'ens1f0', mac: '3c:fd:fe:00:00:01' }]), sys)).to.deep.equal([
      { port: 'p1', interface: 'ens1f0', ok: true, detail: 'ens1f0: 3c:fd:fe:00:00:01, i40e, link up' },
    ]);
  });

  it('names each problem: absent, wrong MAC, no carrier, owned by another switch', () => {
    const r = checkNicPorts(
      lab([
        { name: 'p1', interface: 'ens9f9' },
        { name: 'p2', interface: 'ens1f0', mac: '3c:fd:fe:00:00:99' },
        { name: 'p3', interface: 'ens1f1' },
        { name: 'p4', interface: 'ens2f0' },
      ]),
      sys,
    );
    expect(r.map((c) => `${c.ok} ${c.detail}`)).to.deep.equal([
      'false ens9f9: no such interface on this host',
      'false ens1f0: MAC 3c:fd:fe:00:00:01, the topology says 3c:fd:fe:00:00:99 (cabling plan out of date?)',
      'false ens1f1: link down (no carrier: cable or peer?)',
      'false ens2f0: owned by ovs-system (enslaved to a bridge, bond or OVS)',
    ]);
  });

  it('accepts a port that is only administratively down (the run brings it up)', () => {
    expect(checkNicPorts(lab([{ name: 'p1', interface: 'ens2f1' }]), sys)[0]?.ok).to.equal(true);
  });

  it('refuses a port that carries a routable address: moving it into the run namespace would cut the host off', () => {
    const addrs = {
      ens1f0: [{ address: '192.0.2.10', netmask: '255.255.255.0', family: 'IPv4' as const, mac: '3c:fd:fe:00:00:01', internal: false, cidr: '192.0.2.10/24' }],
      ens2f1: [
        {
          address: 'fe80::1',
          netmask: 'ffff:ffff:ffff:ffff::',
          family: 'IPv6' as const,
          mac: '3c:fd:fe:00:00:04',
          internal: false,
          cidr: 'fe80::1/64',
          scopeid: 2,
        },
      ],
    };
    const [mgmt, dut] = checkNicPorts(
      lab([
        { name: 'p1', interface: 'ens1f0' },
        { name: 'p2', interface: 'ens2f1' },
      ]),
      sys,
      addrs,
    );
    expect(mgmt).to.deep.include({
      ok: false,
      detail: 'ens1f0: carries address 192.0.2.10/24 (a host link, not a DUT port: a run moves DUT ports into its own namespace)',
    });
    // An IPv6 link-local address comes with every link that is up: not a reason to refuse.
    expect(dut?.ok).to.equal(true);
  });
});
