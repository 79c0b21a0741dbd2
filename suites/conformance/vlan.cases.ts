import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { tcp4, udp4, udp6 } from './frames.js';

const plain = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 7000, dport: 8000, payload: 'vlan case', ...o });

export const vlanCases: CaseGroup = {
  suite: 'conformance',
  name: 'vlan',
  cases: [
    defineCase({
      id: 'vlan.push-vid',
      title: 'push_vlan + set_field vlan_vid tags an untagged frame with VID 10, PCP 0',
      features: ['vlan.push'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:p2');
        await t.expectDelivery('h1', plain(), { h2: [plain({ vlans: [{ vid: 10 }] })] });
      },
    }),
    defineCase({
      id: 'vlan.push-vid-pcp',
      title: 'mod_vlan_vid and mod_vlan_pcp on an untagged frame push a tag with both set',
      features: ['vlan.push'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=mod_vlan_vid:20,mod_vlan_pcp:5,output:p2');
        await t.expectDelivery('h1', plain(), { h2: [plain({ vlans: [{ vid: 20, pcp: 5 }] })] });
      },
    }),
    defineCase({
      id: 'vlan.push-on-tcp',
      title: 'a pushed tag keeps the TCP segment and its checksum intact',
      features: ['vlan.push'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:p2');
        const seg = (vlans?: { vid: number }[]) => tcp4({ sport: 33000, dport: 80, flags: 'SA', payload: 'tcp payload', ...(vlans ? { vlans } : {}) });
        await t.expectDelivery('h1', seg(), { h2: [seg([{ vid: 100 }])] });
      },
    }),
    defineCase({
      id: 'vlan.pop',
      title: 'strip_vlan removes the 802.1Q tag',
      features: ['vlan.pop'],
      run: async (t) => {
        await t.pipeline('in_port=p1,dl_vlan=10,actions=strip_vlan,output:p2');
        await t.expectDelivery('h1', plain({ vlans: [{ vid: 10, pcp: 3 }] }), { h2: [plain()] });
      },
    }),
    defineCase({
      id: 'vlan.pop-ipv6',
      title: 'pop_vlan on an IPv6 frame restores the 0x86dd ethertype',
      features: ['vlan.pop', 'match.ipv6'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=pop_vlan,output:p2');
        const f = (vlans?: { vid: number }[]) => udp6({ sport: 1, dport: 2, payload: 'v6', ...(vlans ? { vlans } : {}) });
        await t.expectDelivery('h1', f([{ vid: 42 }]), { h2: [f()] });
      },
    }),
    defineCase({
      id: 'vlan.pop-untagged-noop',
      title: 'strip_vlan on an untagged frame leaves it unchanged',
      features: ['vlan.pop'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=strip_vlan,output:p2');
        await t.expectDelivery('h1', plain(), { h2: [plain()] });
      },
    }),
    defineCase({
      id: 'vlan.modify-vid',
      title: 'mod_vlan_vid rewrites the VID of a tagged frame and keeps its PCP',
      features: ['vlan.modify'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=mod_vlan_vid:30,output:p2');
        await t.expectDelivery('h1', plain({ vlans: [{ vid: 10, pcp: 6 }] }), { h2: [plain({ vlans: [{ vid: 30, pcp: 6 }] })] });
      },
    }),
    defineCase({
      id: 'vlan.modify-pcp',
      title: 'mod_vlan_pcp rewrites the PCP of a tagged frame and keeps its VID',
      features: ['vlan.modify'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=mod_vlan_pcp:7,output:p2');
        await t.expectDelivery('h1', plain({ vlans: [{ vid: 10, pcp: 1 }] }), { h2: [plain({ vlans: [{ vid: 10, pcp: 7 }] })] });
      },
    }),
    defineCase({
      id: 'vlan.translate-by-match',
      title: 'VID 10 is translated to 20 while VID 11 passes unchanged',
      features: ['vlan.modify', 'match.vlan'],
      run: async (t) => {
        await t.pipeline(['priority=10,in_port=p1,dl_vlan=10,actions=mod_vlan_vid:20,output:p2', 'priority=5,in_port=p1,actions=output:p2'].join('\n'));
        await t.expectDelivery('h1', [plain({ vlans: [{ vid: 10 }] }), plain({ vlans: [{ vid: 11 }] })], {
          h2: [plain({ vlans: [{ vid: 20 }] }), plain({ vlans: [{ vid: 11 }] })],
        });
      },
    }),
    defineCase({
      id: 'vlan.push-pop-roundtrip',
      title: 'a tag pushed toward h2 is popped on the way back to h1',
      features: ['vlan.push', 'vlan.pop'],
      run: async (t) => {
        await t.pipeline(['in_port=p1,actions=mod_vlan_vid:99,output:p2', 'in_port=p2,dl_vlan=99,actions=strip_vlan,output:p1'].join('\n'));
        await t.expectDelivery('h1', plain(), { h2: [plain({ vlans: [{ vid: 99 }] })] });
        await t.expectDelivery('h2', plain({ vlans: [{ vid: 99 }] }), { h1: [plain()] });
      },
    }),
    defineCase({
      id: 'vlan.qinq-push-outer',
      title: 'push_vlan:0x88a8 adds an 802.1ad service tag outside the customer tag',
      features: ['vlan.qinq'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=push_vlan:0x88a8,set_field:4296->vlan_vid,output:p2');
        await t.expectDelivery('h1', plain({ vlans: [{ vid: 10 }] }), {
          h2: [plain({ vlans: [{ vid: 200, tpid: 0x88a8 }, { vid: 10 }] })],
        });
      },
    }),
  ],
};
