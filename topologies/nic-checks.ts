import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { basename, join } from 'node:path';
import type { NicTopologySpec } from './topology.js';

/**
 * Pre-run checks of a lab (`nic`) topology's DUT ports on this host, read-only from sysfs: the
 * interface exists, its link is up, its MAC is the one the topology pins, and nothing else owns
 * it (enslaved to a bridge, bond or OVS), and it carries no routable address: a run moves DUT
 * ports into its own namespace, which would cut this host off if it were its management link.
 * TRex port ids are checked against the server (trex-port-checks.ts), not here.
 */
export interface PortCheck {
  readonly port: string;
  readonly interface: string;
  readonly ok: boolean;
  /** One line: what was found, or what is wrong. */
  readonly detail: string;
}

const read = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined);

/** The name a sysfs symlink points at (`master`, `device/driver`), if there is one. */
function linkName(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

type Addresses = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** A routable address of the interface (link-local ones come with every IPv6 link). */
export function routableAddress(ifname: string, addresses: Addresses = networkInterfaces()): string | undefined {
  return addresses[ifname]?.find((a) => !(a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:')))?.cidr ?? undefined;
}

export function checkNicPorts(spec: NicTopologySpec, sysNet = '/sys/class/net', addresses: Addresses = networkInterfaces()): PortCheck[] {
  return spec.dut.ports.map((p) => {
    const dir = join(sysNet, p.interface);
    const fail = (detail: string): PortCheck => ({ port: p.name, interface: p.interface, ok: false, detail });
    if (!existsSync(dir)) return fail(`${p.interface}: no such interface on this host`);
    const mac = read(join(dir, 'address')) ?? '';
    const state = read(join(dir, 'operstate')) ?? 'unknown';
    const driver = linkName(join(dir, 'device/driver')) ?? 'virtual';
    const master = linkName(join(dir, 'master'));
    if (p.mac && mac !== p.mac) return fail(`${p.interface}: MAC ${mac}, the topology says ${p.mac} (cabling plan out of date?)`);
    if (master) return fail(`${p.interface}: owned by ${master} (enslaved to a bridge, bond or OVS)`);
    const addr = routableAddress(p.interface, addresses);
    if (addr) return fail(`${p.interface}: carries address ${addr} (a host link, not a DUT port: a run moves DUT ports into its own namespace)`);
    const flags = Number(read(join(dir, 'flags')) ?? '0');
    // IFF_UP is bit 0; a DUT port that is administratively down is brought up by the run.
    if (state === 'down' && (flags & 1) === 1) return fail(`${p.interface}: link down (no carrier: cable or peer?)`);
    return { port: p.name, interface: p.interface, ok: true, detail: `${p.interface}: ${mac}, ${driver}, link ${state}` };
  });
}
