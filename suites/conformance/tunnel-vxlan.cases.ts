import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { udp4 } from './frames.js';
import { expectEncap, fromRemote, outerFrame, REMOTE, toRemote, underlay, underlayRules, UDP_PORT, vxlanHeader } from './tunnel-frames.js';

/**
 * VXLAN over IPv4 (RFC 7348), after OVS's system-traffic "datapath - ping over vxlan tunnel":
 * the switch's VTEP on LOCAL, the remote VTEP h2 behind p2. Encapsulated frames leave LOCAL and
 * the pipeline sends them out of p2 (`in_port=LOCAL` rule); frames h2 sends to the VTEP go to
 * LOCAL (`output:LOCAL` rule) and come back decapsulated on the tunnel port.
 */
const inner = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'inner frame', ...o });
const vx = UDP_PORT.vxlan;
const UNDERLAY_RULES = underlayRules({ udp: vx });

export const tunnelVxlanCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-vxlan',
  cases: [
    defineCase({
      id: 'tunnel-vxlan.encap-fixed',
      title: 'output to a VXLAN port with a fixed remote and key wraps the frame in Ethernet/IPv4 (DF, TTL 64)/UDP 4789/VXLAN with that VNI',
      features: ['tunnel.vxlan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: REMOTE.h2.ip, key: '5000' } });
        await t.pipeline(`in_port=p1,actions=output:vx0\n${UNDERLAY_RULES}`);
        await expectEncap(t, inner(), 'h2', (free) => outerFrame(toRemote(t, 'h2', { dport: vx }), free, Buffer.concat([vxlanHeader(5000), inner()])));
      },
    }),
    defineCase({
      id: 'tunnel-vxlan.encap-flow-key',
      title: 'on a flow-based VXLAN port set_field on tun_dst and tun_id choose the remote and the VNI',
      features: ['tunnel.vxlan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' } });
        await t.pipeline(`in_port=p1,actions=set_field:${REMOTE.h2.ip}->tun_dst,set_field:0xabcdef->tun_id,output:vx0\n${UNDERLAY_RULES}`);
        await expectEncap(t, inner(), 'h2', (free) => outerFrame(toRemote(t, 'h2', { dport: vx }), free, Buffer.concat([vxlanHeader(0xabcdef), inner()])));
      },
    }),
    defineCase({
      id: 'tunnel-vxlan.encap-tos-ttl',
      title: 'options:tos and options:ttl set the outer IPv4 TOS and TTL; the inner frame is untouched',
      features: ['tunnel.vxlan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: REMOTE.h2.ip, key: '7', tos: '0x28', ttl: '9' } });
        await t.pipeline(`in_port=p1,actions=output:vx0\n${UNDERLAY_RULES}`);
        const f = inner({ ip: { tos: 0xb8, ttl: 33 } });
        await expectEncap(t, f, 'h2', (free) => outerFrame(toRemote(t, 'h2', { dport: vx, tos: 0x28, ttl: 9 }), free, Buffer.concat([vxlanHeader(7), f])));
      },
    }),
    defineCase({
      id: 'tunnel-vxlan.encap-tos-inherit',
      title: 'options:tos=inherit copies the inner IPv4 DSCP into the outer header',
      features: ['tunnel.vxlan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: REMOTE.h2.ip, key: '7', tos: 'inherit' } });
        await t.pipeline(`in_port=p1,actions=output:vx0\n${UNDERLAY_RULES}`);
        const f = inner({ ip: { tos: 0xb8 } });
        await expectEncap(t, f, 'h2', (free) => outerFrame(toRemote(t, 'h2', { dport: vx, tos: 0xb8 }), free, Buffer.concat([vxlanHeader(7), f])));
      },
    }),
    defineCase({
      id: 'tunnel-vxlan.encap-df-off-csum',
      title: 'options:df_default=false clears the outer DF bit and options:csum=true fills in the outer UDP checksum',
      features: ['tunnel.vxlan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: REMOTE.h2.ip, key: '7', df_default: 'false', csum: 'true' } });
        await t.pipeline(`in_port=p1,actions=output:vx0\n${UNDERLAY_RULES}`);
        await expectEncap(t, inner(), 'h2', (free) =>
          outerFrame(toRemote(t, 'h2', { dport: vx, df: false, udpCsum: true }), free, Buffer.concat([vxlanHeader(7), inner()])),
        );
      },
    }),
    defineCase({
      id: 'tunnel-vxlan.decap-fixed-key',
      title: 'a VXLAN port with key=5000 delivers the inner frame of VNI 5000 byte for byte and drops VNI 5001',
      features: ['tunnel.vxlan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: REMOTE.h2.ip, key: '5000' } });
        await t.pipeline(`in_port=vx0,actions=output:p1\n${UNDERLAY_RULES}`);
        const enc = (vni: number) => fromRemote(t, 'h2', { dport: vx }, Buffer.concat([vxlanHeader(vni), inner()]));
        // VNI 5001 goes first: delivered, it would arrive before the one expected.
        await t.expectDelivery('h2', [enc(5001), enc(5000)], { h1: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-vxlan.decap-match-tun-id-src',
      title: 'on a flow-based port, tun_id and tun_src are matched: each VNI goes to its own port, another source is not matched',
      features: ['tunnel.vxlan'],
      endpoints: 3,
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' } });
        await t.pipeline(
          [
            `in_port=vx0,tun_id=100,tun_src=${REMOTE.h2.ip},actions=output:p1`,
            `in_port=vx0,tun_id=200,tun_src=${REMOTE.h2.ip},actions=output:p3`,
            `in_port=vx0,tun_id=300,tun_src=${REMOTE.h3.ip},actions=output:p1`,
            UNDERLAY_RULES,
          ].join('\n'),
        );
        const enc = (vni: number) => fromRemote(t, 'h2', { dport: vx }, Buffer.concat([vxlanHeader(vni), inner()]));
        // VNI 300 is only accepted from h3's address: from h2 it matches no rule (sent first, so
        // that a wrong delivery would arrive before the expected ones).
        await t.expectDelivery('h2', [enc(300), enc(100), enc(200)], { h1: [inner()], h3: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-vxlan.decap-inner-vlan',
      title: 'a VLAN-tagged inner frame comes out of the tunnel with its tag',
      features: ['tunnel.vxlan', 'match.vlan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'vx0', type: 'vxlan', options: { remote_ip: REMOTE.h2.ip, key: '42' } });
        await t.pipeline(`in_port=vx0,dl_vlan=10,actions=output:p1\n${UNDERLAY_RULES}`);
        const f = inner({ vlans: [{ vid: 10, pcp: 3 }] });
        await t.expectDelivery('h2', fromRemote(t, 'h2', { dport: vx }, Buffer.concat([vxlanHeader(42), f])), { h1: [f] });
      },
    }),
  ],
};
