import { CaseSkipped, defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { buildFrame, type FrameSpec } from '../../harness/packet/index.js';
import type { MplsLabelSpec } from '../../harness/packet/mpls.js';
import { missThenHit } from './breadth.cases.js';
import { H1, H2 } from './frames.js';

/**
 * MPLS (RFC 3032) as OVS's reference behaviour has it (lib/flow.c flow_push_mpls): the first
 * label pushed onto IP is the explicit null label (0 for IPv4, 2 for IPv6) with the IP TTL (hop
 * limit) and the low three bits of the DSCP as TC, bottom of stack set; a label pushed onto a
 * stack copies the top label with bottom of stack clear. pop_mpls leaves the IP header as it is.
 *
 * Each frame is built by the packet library from one spec, with or without a label stack, so
 * the IP packet (and every checksum in it) is the same builder's on both sides.
 */
const ip = (o: { dst?: string; ttl?: number; tos?: number; dport?: number } = {}): FrameSpec => ({
  src: H1.mac,
  dst: H2.mac,
  ipv4: { src: H1.ip, dst: o.dst ?? H2.ip, ttl: o.ttl ?? 64, tos: o.tos ?? 0, id: 0x4242 },
  udp: { sport: 3000, dport: o.dport ?? 4000 },
  payload: 'mpls case',
});
const ip6 = (o: { hlim?: number; tc?: number } = {}): FrameSpec => ({
  src: H1.mac,
  dst: H2.mac,
  ipv6: { src: H1.ip6, dst: H2.ip6, hopLimit: o.hlim ?? 64, tc: o.tc ?? 0 },
  udp: { sport: 3000, dport: 4000 },
  payload: 'mpls case',
});

/** The frame of `spec`, under this label stack (outermost first) when one is given. */
export function labelled(spec: FrameSpec, labels?: readonly MplsLabelSpec[]): Buffer {
  return buildFrame(labels ? { ...spec, mpls: { labels } } : spec);
}

/** The label stack depth the datapath's probe reports (`Max MPLS depth`). */
function probedDepth(t: CaseContext): number {
  const f = t.features.mpls;
  const depth = Number(/Max MPLS depth: (\d+)/.exec(f?.supported ? (f.how ?? '') : '')?.[1]);
  if (!Number.isInteger(depth) || depth < 1) throw new CaseSkipped(`the backend reports no MPLS depth (${JSON.stringify(f)})`);
  return depth;
}

/** `n` push_mpls actions, each followed by a distinct label: 100 for the first pushed (innermost), 200, ... */
const pushes = (n: number) => Array.from({ length: n }, (_, i) => `push_mpls:0x8847,set_field:${100 * (i + 1)}->mpls_label`).join(',');
/** The stack `pushes(n)` leaves on an IPv4 packet of TTL 64, TOS 0: outermost (last pushed) first. */
const pushed = (n: number): MplsLabelSpec[] => Array.from({ length: n }, (_, i) => ({ label: 100 * (n - i), ttl: 64 }));

export const mplsCases: CaseGroup = {
  suite: 'conformance',
  name: 'mpls',
  cases: [
    defineCase({
      id: 'mpls.push-ipv4',
      title: 'push_mpls:0x8847 on IPv4 pushes label 0 with the IP TTL, the DSCP low bits as TC and bottom of stack set',
      features: ['mpls'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=push_mpls:0x8847,output:p2');
        // TOS 0x14 is DSCP 5: TC 5. TTL 37 is copied, not decremented.
        const f = ip({ ttl: 37, tos: 0x14 });
        await t.expectDelivery('h1', labelled(f), { h2: [labelled(f, [{ label: 0, tc: 5, bos: 1, ttl: 37 }])] });
      },
    }),
    defineCase({
      id: 'mpls.push-ipv6',
      title: 'push_mpls:0x8847 on IPv6 pushes label 2 (IPv6 explicit null) with the hop limit as TTL',
      features: ['mpls', 'match.ipv6'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=push_mpls:0x8847,output:p2');
        // Traffic class 0x0c is DSCP 3: TC 3.
        const f = ip6({ hlim: 20, tc: 0x0c });
        await t.expectDelivery('h1', labelled(f), { h2: [labelled(f, [{ label: 2, tc: 3, bos: 1, ttl: 20 }])] });
      },
    }),
    defineCase({
      id: 'mpls.push-set-label-tc-ttl',
      title: 'set_field mpls_label, set_mpls_tc and set_mpls_ttl after push_mpls set the new label stack entry',
      features: ['mpls'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=push_mpls:0x8847,set_field:1000->mpls_label,set_mpls_tc:3,set_mpls_ttl:9,output:p2');
        const f = ip();
        await t.expectDelivery('h1', labelled(f), { h2: [labelled(f, [{ label: 1000, tc: 3, ttl: 9 }])] });
      },
    }),
    defineCase({
      id: 'mpls.push-onto-label',
      title: 'push_mpls on a labelled frame copies the top label, TC and TTL and clears bottom of stack',
      features: ['mpls'],
      run: async (t) => {
        await t.pipeline('mpls,in_port=p1,actions=push_mpls:0x8847,output:p2');
        const f = ip();
        const top = { label: 500, tc: 2, ttl: 30 };
        await t.expectDelivery('h1', labelled(f, [top]), {
          h2: [
            labelled(f, [
              { ...top, bos: 0 },
              { ...top, bos: 1 },
            ]),
          ],
        });
      },
    }),
    defineCase({
      id: 'mpls.push-to-probed-depth',
      title: 'as many labels as the datapath probe says (Max MPLS depth) go out as one stack, last pushed outermost',
      features: ['mpls'],
      run: async (t) => {
        const depth = probedDepth(t);
        t.note(`Max MPLS depth: ${depth}`);
        await t.pipeline(`ip,in_port=p1,actions=${pushes(depth)},output:p2`);
        const f = ip();
        await t.expectDelivery('h1', labelled(f), { h2: [labelled(f, pushed(depth))] });
      },
    }),
    defineCase({
      id: 'mpls.push-beyond-depth',
      title: 'a push beyond 3 labels (OVS FLOW_MAX_MPLS_LABELS) drops the packet; 3 pushes on the same pipeline still go out',
      features: ['mpls'],
      run: async (t) => {
        // ofproto-dpif-xlate.c compose_mpls_push_action: a push onto FLOW_MAX_MPLS_LABELS (3)
        // labels is an XLATE_TOO_MANY_MPLS_LABELS error, and the packet is dropped.
        const depth = probedDepth(t);
        if (depth !== 3) throw new CaseSkipped(`Max MPLS depth: ${depth}; OVS documents the drop beyond its own limit of 3 labels only`);
        await t.pipeline(
          [`udp,in_port=p1,tp_dst=4001,actions=${pushes(depth + 1)},output:p2`, `udp,in_port=p1,tp_dst=4000,actions=${pushes(depth)},output:p2`].join('\n'),
        );
        const over = ip({ dport: 4001 });
        const at = ip({ dport: 4000 });
        await t.expectDelivery('h1', [labelled(over), labelled(at)], { h2: [labelled(at, pushed(depth))] });
      },
    }),
    defineCase({
      id: 'mpls.pop-to-ipv4',
      title: 'pop_mpls:0x0800 removes the only label and leaves the IPv4 packet byte for byte as it was',
      features: ['mpls'],
      run: async (t) => {
        await t.pipeline('mpls,in_port=p1,actions=pop_mpls:0x0800,output:p2');
        const f = ip({ ttl: 12 });
        await t.expectDelivery('h1', labelled(f, [{ label: 1000, tc: 1, ttl: 40 }]), { h2: [labelled(f)] });
      },
    }),
    defineCase({
      id: 'mpls.pop-outer-of-two',
      title: 'pop_mpls:0x8847 on a two-label stack removes the outer label and keeps the inner one',
      features: ['mpls'],
      run: async (t) => {
        await t.pipeline('mpls,in_port=p1,mpls_bos=0,actions=pop_mpls:0x8847,output:p2');
        const f = ip();
        const inner = { label: 16, tc: 4, ttl: 50 };
        await t.expectDelivery('h1', labelled(f, [{ label: 2000, tc: 1, ttl: 60 }, inner]), { h2: [labelled(f, [inner])] });
      },
    }),
    defineCase({
      id: 'mpls.pop-then-l3-match',
      title: 'pop_mpls:0x0800 then resubmit: a later table matches the IPv4 destination of the popped packet',
      features: ['mpls', 'recirc', 'multitable'],
      run: async (t) => {
        // The datapath cannot see the IP header under the label: OVS recirculates after the pop.
        const pipeline = [
          'table=0,in_port=p1,mpls,actions=pop_mpls:0x0800,resubmit(,1)',
          'table=1,priority=10,ip,nw_dst=10.0.0.2,actions=output:p2',
          'table=1,priority=0,actions=drop',
        ].join('\n');
        const label = [{ label: 300, ttl: 64 }];
        const hit = ip({ dst: '10.0.0.2' });
        const miss = ip({ dst: '10.0.0.3' });
        await missThenHit(t, pipeline, [labelled(miss, label)], labelled(hit, label), { h2: [labelled(hit)] });
      },
    }),
    defineCase({
      id: 'mpls.set-label',
      title: 'set_field mpls_label rewrites the label of a labelled frame and keeps TC, TTL and bottom of stack',
      features: ['mpls'],
      run: async (t) => {
        await t.pipeline('mpls,in_port=p1,actions=set_field:77->mpls_label,output:p2');
        const f = ip();
        await t.expectDelivery('h1', labelled(f, [{ label: 1000, tc: 2, ttl: 30 }]), { h2: [labelled(f, [{ label: 77, tc: 2, ttl: 30 }])] });
      },
    }),
    defineCase({
      id: 'mpls.set-tc-ttl',
      title: 'set_mpls_tc and set_mpls_ttl rewrite TC and TTL of the top label and keep the label',
      features: ['mpls'],
      run: async (t) => {
        await t.pipeline('mpls,in_port=p1,actions=set_mpls_tc:5,set_mpls_ttl:7,output:p2');
        const f = ip();
        await t.expectDelivery('h1', labelled(f, [{ label: 1000, tc: 2, ttl: 30 }]), { h2: [labelled(f, [{ label: 1000, tc: 5, ttl: 7 }])] });
      },
    }),
    defineCase({
      id: 'mpls.dec-ttl',
      title: 'dec_mpls_ttl turns TTL 64 into 63 and does not forward a label whose TTL is 1',
      features: ['mpls'],
      run: async (t) => {
        await t.pipeline('mpls,in_port=p1,actions=dec_mpls_ttl,output:p2');
        const f = ip();
        const lse = (ttl: number) => labelled(f, [{ label: 1000, ttl }]);
        await t.expectDelivery('h1', [lse(1), lse(64)], { h2: [lse(63)] });
      },
    }),
    defineCase({
      id: 'mpls.match-label',
      title: 'mpls_label matches the top label; another label does not match',
      features: ['mpls'],
      run: async (t) => {
        const f = ip();
        const hit = labelled(f, [{ label: 100 }]);
        await missThenHit(t, onlyRule('mpls,mpls_label=100'), [labelled(f, [{ label: 101 }])], hit, { h2: [hit] });
      },
    }),
    defineCase({
      id: 'mpls.match-tc',
      title: 'mpls_tc matches the traffic class of the top label',
      features: ['mpls'],
      run: async (t) => {
        const f = ip();
        const hit = labelled(f, [{ label: 100, tc: 5 }]);
        await missThenHit(t, onlyRule('mpls,mpls_tc=5'), [labelled(f, [{ label: 100, tc: 4 }])], hit, { h2: [hit] });
      },
    }),
    defineCase({
      id: 'mpls.match-bos',
      title: 'mpls_bos=0 matches a top label with more labels under it, not a single label',
      features: ['mpls'],
      run: async (t) => {
        const f = ip();
        const hit = labelled(f, [{ label: 100 }, { label: 200 }]);
        await missThenHit(t, onlyRule('mpls,mpls_bos=0'), [labelled(f, [{ label: 100 }])], hit, { h2: [hit] });
      },
    }),
  ],
};

/** "match -> output:p2" above "anything from p1 -> drop". */
function onlyRule(match: string): string {
  return [`priority=100,in_port=p1,${match},actions=output:p2`, 'priority=1,in_port=p1,actions=drop'].join('\n');
}
