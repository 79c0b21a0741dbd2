import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { udp4 } from './frames.js';
import { erspanV1Header, erspanV2Header, expectEncap, fromRemote, greFrame, outerFrame, REMOTE, toRemote, underlay, underlayRules } from './tunnel-frames.js';

/**
 * GRE (RFC 2784/2890) carrying Ethernet (0x6558) and ERSPAN (type II = v1 over 0x88be, type III
 * = v2 over 0x22eb), over IPv4 and IPv6, after OVS's system-traffic "datapath - ping over gre
 * tunnel", "ip6gre" and "erspan v1/v2" tests.
 */
const inner = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'gre inner', ...o });
/** A full-size inner frame (74 bytes, no runt under 60: ERSPAN's BSO field has nothing to report). */
const mirrored = () => udp4({ sport: 1111, dport: 2222, payload: 'erspan mirrored frame, full size' });
const GRE = 47;
const ERSPAN_II = 0x88be;
const ERSPAN_III = 0x22eb;
/** Offset of the ERSPAN type III timestamp in an outer frame: Ethernet, IP, GRE with sequence number, then 4 bytes in. */
const ts = (f: Buffer) => f.readUInt32BE(14 + (f.readUInt16BE(12) === 0x86dd ? 40 : 20) + 8 + 4);

export const tunnelGreCases: CaseGroup = {
  suite: 'conformance',
  name: 'tunnel-gre',
  cases: [
    defineCase({
      id: 'tunnel-gre.encap-key',
      title: 'output to a GRE port with key=0x1234 sends IPv4 protocol 47 with a GRE header carrying K, the key and protocol 0x6558',
      features: ['tunnel.gre'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gre0', type: 'gre', options: { remote_ip: REMOTE.h2.ip, key: '0x1234' } });
        await t.pipeline(`in_port=p1,actions=output:gre0\n${underlayRules({ gre: true })}`);
        await expectEncap(t, inner(), 'h2', (free) => outerFrame(toRemote(t, 'h2', { protocol: GRE }), free, greFrame({ key: 0x1234 }, inner())));
      },
    }),
    defineCase({
      id: 'tunnel-gre.encap-csum-flow-key',
      title: 'options:csum=true adds a correct GRE checksum; on a key=flow port set_field on tun_id chooses the key',
      features: ['tunnel.gre'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gre0', type: 'gre', options: { remote_ip: REMOTE.h2.ip, key: 'flow', csum: 'true' } });
        await t.pipeline(`in_port=p1,actions=set_field:0xa0b0c0d->tun_id,output:gre0\n${underlayRules({ gre: true })}`);
        await expectEncap(t, inner(), 'h2', (free) =>
          outerFrame(toRemote(t, 'h2', { protocol: GRE }), free, greFrame({ key: 0xa0b0c0d, csum: true }, inner())),
        );
      },
    }),
    defineCase({
      id: 'tunnel-gre.encap-seq',
      title: 'options:seq=true numbers the GRE packets of a new port 0, 1 in order',
      features: ['tunnel.gre'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gre0', type: 'gre', options: { remote_ip: REMOTE.h2.ip, key: '5', seq: 'true' } });
        await t.pipeline(`in_port=p1,actions=output:gre0\n${underlayRules({ gre: true })}`);
        for (const seq of [0, 1]) {
          const f = inner({ sport: 1000 + seq });
          await expectEncap(t, f, 'h2', (free) => outerFrame(toRemote(t, 'h2', { protocol: GRE }), free, greFrame({ key: 5, seq }, f)));
        }
      },
    }),
    defineCase({
      id: 'tunnel-gre.decap-key',
      title: 'a GRE port with key=0x1234 delivers the inner frame of key 0x1234 byte for byte and drops key 0x1235 and keyless GRE',
      features: ['tunnel.gre'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'gre0', type: 'gre', options: { remote_ip: REMOTE.h2.ip, key: '0x1234' } });
        await t.pipeline(`in_port=gre0,actions=output:p1\n${underlayRules({ gre: true })}`);
        const enc = (key?: number) => fromRemote(t, 'h2', { protocol: GRE }, greFrame(key === undefined ? {} : { key }, inner()));
        await t.expectDelivery('h2', [enc(0x1235), enc(), enc(0x1234)], { h1: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-gre6.encap-key',
      title: 'output to an ip6gre port sends IPv6 next header 47 with the GRE key and protocol 0x6558',
      features: ['tunnel.gre6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'gre0', type: 'ip6gre', options: { remote_ip: REMOTE.h2.ip6, key: '0x66' } });
        await t.pipeline(`in_port=p1,actions=output:gre0\n${underlayRules({ gre: true, v6: true })}`);
        await expectEncap(t, inner(), 'h2', (free) => outerFrame(toRemote(t, 'h2', { v6: true, protocol: GRE }), free, greFrame({ key: 0x66 }, inner())));
      },
    }),
    defineCase({
      id: 'tunnel-gre6.encap-hop-limit-tc',
      title: 'over ip6gre, options:ttl sets the outer hop limit and options:tos=inherit copies the inner DSCP into the traffic class',
      features: ['tunnel.gre6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'gre0', type: 'ip6gre', options: { remote_ip: REMOTE.h2.ip6, key: '0x66', ttl: '5', tos: 'inherit' } });
        await t.pipeline(`in_port=p1,actions=output:gre0\n${underlayRules({ gre: true, v6: true })}`);
        const f = inner({ ip: { tos: 0x60 } });
        await expectEncap(t, f, 'h2', (free) =>
          outerFrame(toRemote(t, 'h2', { v6: true, protocol: GRE, ttl: 5, tos: 0x60 }), free, greFrame({ key: 0x66 }, f)),
        );
      },
    }),
    defineCase({
      id: 'tunnel-gre6.decap-key',
      title: 'an ip6gre port delivers the inner frame of its key byte for byte, matched with tun_ipv6_src, and drops another key',
      features: ['tunnel.gre6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'gre0', type: 'ip6gre', options: { remote_ip: 'flow', key: 'flow' } });
        await t.pipeline(`in_port=gre0,tun_id=0x66,tun_ipv6_src=${REMOTE.h2.ip6},actions=output:p1\n${underlayRules({ gre: true, v6: true })}`);
        const enc = (key: number) => fromRemote(t, 'h2', { v6: true, protocol: GRE }, greFrame({ key }, inner()));
        await t.expectDelivery('h2', [enc(0x67), enc(0x66)], { h1: [inner()] });
      },
    }),
    defineCase({
      id: 'tunnel-erspan.encap-v1',
      title: 'an ERSPAN v1 port sends GRE (S, sequence 0) protocol 0x88be with an ERSPAN type II header: version 1, session id = key, index = erspan_idx',
      features: ['tunnel.erspan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'ers0', type: 'erspan', options: { remote_ip: REMOTE.h2.ip, key: '0x55', erspan_ver: '1', erspan_idx: '0x1234' } });
        await t.pipeline(`in_port=p1,actions=output:ers0\n${underlayRules({ gre: true })}`);
        await expectEncap(t, mirrored(), 'h2', (free) =>
          outerFrame(
            toRemote(t, 'h2', { protocol: GRE }),
            free,
            greFrame({ seq: 0, protocol: ERSPAN_II }, Buffer.concat([erspanV1Header(0x55, 0x1234), mirrored()])),
          ),
        );
      },
    }),
    defineCase({
      id: 'tunnel-erspan.encap-v2',
      title: 'an ERSPAN v2 port sends GRE protocol 0x22eb with an ERSPAN type III header: session id, direction, hardware id (timestamp any)',
      features: ['tunnel.erspan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({
          name: 'ers0',
          type: 'erspan',
          options: { remote_ip: REMOTE.h2.ip, key: '0x56', erspan_ver: '2', erspan_dir: '1', erspan_hwid: '0x7' },
        });
        await t.pipeline(`in_port=p1,actions=output:ers0\n${underlayRules({ gre: true })}`);
        await expectEncap(t, mirrored(), 'h2', (free, got) => {
          t.note(`ERSPAN timestamp (a clock, any): 0x${ts(got).toString(16)}`);
          return outerFrame(
            toRemote(t, 'h2', { protocol: GRE }),
            free,
            greFrame({ seq: 0, protocol: ERSPAN_III }, Buffer.concat([erspanV2Header(0x56, 1, 7, ts(got)), mirrored()])),
          );
        });
      },
    }),
    defineCase({
      id: 'tunnel-erspan.decap-v1-match',
      title: 'a received ERSPAN v1 frame is delivered byte for byte with tun_erspan_ver=1 and tun_erspan_idx matched; another index is not',
      features: ['tunnel.erspan'],
      run: async (t) => {
        await underlay(t);
        await t.sw.tunnelPort({ name: 'ers0', type: 'erspan', options: { remote_ip: REMOTE.h2.ip, key: '0x55', erspan_ver: 'flow', erspan_idx: 'flow' } });
        await t.pipeline(`in_port=ers0,tun_erspan_ver=1,tun_erspan_idx=0x1234,actions=output:p1\n${underlayRules({ gre: true })}`);
        const enc = (idx: number, seq: number) =>
          fromRemote(t, 'h2', { protocol: GRE }, greFrame({ seq, protocol: ERSPAN_II }, Buffer.concat([erspanV1Header(0x55, idx), mirrored()])));
        await t.expectDelivery('h2', [enc(0x999, 0), enc(0x1234, 1)], { h1: [mirrored()] });
      },
    }),
    defineCase({
      id: 'tunnel-erspan6.encap-v1',
      title: 'an ip6erspan v1 port sends IPv6 next header 47, GRE protocol 0x88be and the ERSPAN type II header with session and index',
      features: ['tunnel.erspan6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({ name: 'ers0', type: 'ip6erspan', options: { remote_ip: REMOTE.h2.ip6, key: '0x21', erspan_ver: '1', erspan_idx: '0x3' } });
        await t.pipeline(`in_port=p1,actions=output:ers0\n${underlayRules({ gre: true, v6: true })}`);
        await expectEncap(t, mirrored(), 'h2', (free) =>
          outerFrame(
            toRemote(t, 'h2', { v6: true, protocol: GRE }),
            free,
            greFrame({ seq: 0, protocol: ERSPAN_II }, Buffer.concat([erspanV1Header(0x21, 3), mirrored()])),
          ),
        );
      },
    }),
    defineCase({
      id: 'tunnel-erspan6.encap-v2',
      title: 'an ip6erspan v2 port sends the ERSPAN type III header with direction 0 and hardware id 0x3f (timestamp any)',
      features: ['tunnel.erspan6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({
          name: 'ers0',
          type: 'ip6erspan',
          options: { remote_ip: REMOTE.h2.ip6, key: '0x22', erspan_ver: '2', erspan_dir: '0', erspan_hwid: '0x3f' },
        });
        await t.pipeline(`in_port=p1,actions=output:ers0\n${underlayRules({ gre: true, v6: true })}`);
        await expectEncap(t, mirrored(), 'h2', (free, got) => {
          t.note(`ERSPAN timestamp (a clock, any): 0x${ts(got).toString(16)}`);
          return outerFrame(
            toRemote(t, 'h2', { v6: true, protocol: GRE }),
            free,
            greFrame({ seq: 0, protocol: ERSPAN_III }, Buffer.concat([erspanV2Header(0x22, 0, 0x3f, ts(got)), mirrored()])),
          );
        });
      },
    }),
    defineCase({
      id: 'tunnel-erspan6.decap-v2-match',
      title: 'a received ip6erspan v2 frame is delivered byte for byte with tun_erspan_dir and tun_erspan_hwid matched; another hardware id is not',
      features: ['tunnel.erspan6'],
      run: async (t) => {
        await underlay(t, true);
        await t.sw.tunnelPort({
          name: 'ers0',
          type: 'ip6erspan',
          options: { remote_ip: REMOTE.h2.ip6, key: '0x22', erspan_ver: 'flow', erspan_dir: 'flow', erspan_hwid: 'flow' },
        });
        await t.pipeline(`in_port=ers0,tun_erspan_ver=2,tun_erspan_dir=1,tun_erspan_hwid=0x5,actions=output:p1\n${underlayRules({ gre: true, v6: true })}`);
        const enc = (hwid: number, seq: number) =>
          fromRemote(
            t,
            'h2',
            { v6: true, protocol: GRE },
            greFrame({ seq, protocol: ERSPAN_III }, Buffer.concat([erspanV2Header(0x22, 1, hwid, 0x1000), mirrored()])),
          );
        await t.expectDelivery('h2', [enc(0x6, 0), enc(0x5, 1)], { h1: [mirrored()] });
      },
    }),
  ],
};
