import { expect } from 'chai';
import { AssertionError } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { H1, udp4 } from './frames.js';

/**
 * OVS bonds: p2 and p3 become members of one bond port (each keeping its OpenFlow port), with h2
 * and h3 as their far ends. The bond is a port of the NORMAL action (ovs-vswitchd's L2 switch):
 * NORMAL floods an unknown destination out of every port but the ingress one, and out of a bond
 * on one member only. LACP is off. Frames carry a destination no one has (so NORMAL floods) and
 * are checked byte for byte on every endpoint.
 */

const UNKNOWN = '0a:dd:00:00:00:99';
const BOND = 'bond0';

/** The logical port of the active member, from `bond/show` (waits up to 3 s for the bond to pick one). */
async function activeMember(t: CaseContext): Promise<string> {
  const byIf = new Map(t.topology.dutPorts.map((p) => [p.ifname, p.name]));
  let text = '';
  for (const until = Date.now() + 3000; Date.now() < until; await sleep(100)) {
    text = await t.sw.bondShow(BOND);
    // OVS 3.x: "active-member mac: ..(IF)"; per member "member IF: enabled" then "  active member".
    const m = /^member (\S+): enabled\n\s+active member/m.exec(text);
    const name = m?.[1] ? byIf.get(m[1]) : undefined;
    if (name) return name;
  }
  throw new AssertionError(`bond ${BOND}: no enabled active member within 3 s:\n${text}`);
}

const endpointOf = (t: CaseContext, port: string) => t.topology.dutPorts.find((p) => p.name === port)?.endpoint ?? '';
const other = (port: string) => (port === 'p2' ? 'p3' : 'p2');

async function activeBackup(t: CaseContext): Promise<string> {
  await t.sw.bond(BOND, ['p2', 'p3'], { bond_mode: 'active-backup', lacp: 'off' });
  await t.pipeline('actions=normal');
  const active = await activeMember(t);
  t.note(`active member: ${active}`);
  return active;
}

export const bondCases: CaseGroup = {
  suite: 'conformance',
  name: 'bond',
  cases: [
    defineCase({
      id: 'bond.active-backup-floods-on-active-member',
      title: 'an active-backup bond sends a flooded frame out of its active member only, unchanged',
      features: ['bonding'],
      endpoints: 3,
      run: async (t) => {
        const active = await activeBackup(t);
        const frames = [1, 2, 3].map((i) => udp4({ dst: UNKNOWN, sport: 1000 + i, payload: `ab ${i}` }));
        await t.expectDelivery('h1', frames, { [endpointOf(t, active)]: frames, [endpointOf(t, other(active))]: [] });
      },
    }),
    defineCase({
      id: 'bond.active-backup-set-active-member',
      title: 'after bond/set-active-member the flooded frames leave on the other member only',
      features: ['bonding'],
      endpoints: 3,
      run: async (t) => {
        const first = await activeBackup(t);
        const before = udp4({ dst: UNKNOWN, payload: 'before the switch' });
        await t.expectDelivery('h1', before, { [endpointOf(t, first)]: [before], [endpointOf(t, other(first))]: [] });
        await t.sw.setActiveMember(BOND, other(first));
        const now = await activeMember(t);
        expect(now, 'active member after bond/set-active-member').to.equal(other(first));
        const after = udp4({ dst: UNKNOWN, payload: 'after the switch' });
        await t.expectDelivery('h1', after, { [endpointOf(t, now)]: [after], [endpointOf(t, first)]: [] });
      },
    }),
    defineCase({
      id: 'bond.active-backup-drops-backup-ingress',
      title: 'an active-backup bond takes frames in on its active member and drops those arriving on the backup',
      features: ['bonding'],
      endpoints: 3,
      run: async (t) => {
        const active = await activeBackup(t);
        const onActive = udp4({ src: '0a:dd:00:00:00:21', dst: H1.mac, payload: 'in on the active member' });
        const onBackup = udp4({ src: '0a:dd:00:00:00:31', dst: H1.mac, payload: 'in on the backup member' });
        await t.expectDelivery(endpointOf(t, other(active)), onBackup, { h1: [] });
        await t.expectDelivery(endpointOf(t, active), onActive, { h1: [onActive] });
      },
    }),
    defineCase({
      id: 'bond.balance-slb-spreads-source-macs',
      title: 'a balance-slb bond sends each source MAC out of one member, the same one every time, and uses both members',
      features: ['bonding'],
      endpoints: 3,
      run: async (t) => {
        // Rebalancing off: the source-MAC hash buckets stay where they were first assigned.
        await t.sw.bond(BOND, ['p2', 'p3'], { bond_mode: 'balance-slb', lacp: 'off', 'other_config:bond-rebalance-interval': '0' });
        await t.pipeline('actions=normal');
        await activeMember(t);
        // 16 source MACs: ovs-vswitchd assigns each new hash bucket to a random enabled member,
        // so all 16 on one member has a chance of about 2^-15.
        const macs = Array.from({ length: 16 }, (_, i) => `0a:dd:00:00:01:${(i + 1).toString(16).padStart(2, '0')}`);
        const round = (n: number) => macs.map((src) => udp4({ src, dst: UNKNOWN, payload: `slb ${n}` }));
        const first = await t.send('h1', round(1), { waitMs: 1000 });
        const second = await t.send('h1', round(2), { waitMs: 1000 });
        const srcs = (m: Map<string, Buffer[]>, ep: string) => (m.get(ep) ?? []).map((f) => f.subarray(6, 12).toString('hex'));
        for (const [n, got] of [first, second].entries()) {
          const h2 = srcs(got, 'h2');
          const h3 = srcs(got, 'h3');
          t.note(`round ${n + 1}: ${h2.length} source MACs out of p2, ${h3.length} out of p3`);
          expect([...h2, ...h3].sort(), `round ${n + 1}: each frame leaves exactly once`).to.deep.equal(macs.map((m) => m.replace(/:/g, '')).sort());
          expect(got.get('h1') ?? [], 'nothing comes back to h1').to.deep.equal([]);
          expect(h2.length > 0 && h3.length > 0, `round ${n + 1}: both members carry traffic`).to.equal(true);
          for (const ep of ['h2', 'h3']) {
            const sent = n === 0 ? round(1) : round(2);
            for (const f of got.get(ep) ?? [])
              expect(
                sent.some((s) => s.equals(f)),
                `${ep}: frame unchanged`,
              ).to.equal(true);
          }
        }
        expect(srcs(second, 'h2'), 'the same source MACs leave out of p2 in both rounds').to.deep.equal(srcs(first, 'h2'));
      },
    }),
  ],
};
