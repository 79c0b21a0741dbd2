import { expect } from 'chai';
import { defineCase, type CaseGroup } from '../../harness/conformance/case.js';
import { ethRaw, udp4 } from './frames.js';

const frame = udp4({ sport: 1000, dport: 2000, payload: 'l2 output' });

export const l2Cases: CaseGroup = {
  suite: 'conformance',
  name: 'l2',
  cases: [
    defineCase({
      id: 'l2.output-p1-to-p2',
      title: 'output:p2 delivers the frame unchanged to h2 and nowhere else',
      features: ['l2.output'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        await t.expectDelivery('h1', frame, { h2: [frame] });
      },
    }),
    defineCase({
      id: 'l2.output-p2-to-p1',
      title: 'output:p1 delivers frames from h2 unchanged to h1',
      features: ['l2.output'],
      run: async (t) => {
        await t.pipeline('in_port=p2,actions=output:p1');
        await t.expectDelivery('h2', frame, { h1: [frame] });
      },
    }),
    defineCase({
      id: 'l2.output-burst-in-order',
      title: 'a burst of 50 distinct frames arrives complete and in order',
      features: ['l2.output'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        const burst = Array.from({ length: 50 }, (_, i) => udp4({ sport: 1000, dport: 2000, payload: `burst frame ${i}` }));
        await t.expectDelivery('h1', burst, { h2: burst });
      },
    }),
    defineCase({
      id: 'l2.output-frame-sizes',
      title: 'a 60-byte minimum frame and a 1514-byte maximum frame are forwarded intact',
      features: ['l2.output'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        const small = udp4({ sport: 1, dport: 2, payload: Buffer.alloc(18, 0x5a) });
        const large = udp4({ sport: 1, dport: 2, payload: Buffer.alloc(1472, 0xa5) });
        expect(small.length).to.equal(60);
        expect(large.length).to.equal(1514);
        await t.expectDelivery('h1', [small, large], { h2: [small, large] });
      },
    }),
    defineCase({
      id: 'l2.output-in-port',
      title: 'the in_port action sends the frame back out of its ingress port',
      features: ['l2.output'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=in_port');
        await t.expectDelivery('h1', frame, { h1: [frame] }, { listen: ['h1', 'h2'] });
      },
    }),
    defineCase({
      id: 'l2.output-to-ingress-is-dropped',
      title: 'output to the ingress port is not carried out (OpenFlow: use in_port)',
      features: ['l2.output'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p1');
        await t.expectDelivery('h1', frame, {}, { listen: ['h1', 'h2'] });
      },
    }),
    defineCase({
      id: 'l2.output-twice',
      title: 'two outputs to the same port deliver two copies',
      features: ['l2.flood'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2,output:p2');
        await t.expectDelivery('h1', frame, { h2: [frame, frame] });
      },
    }),
    defineCase({
      id: 'l2.flood',
      title: 'flood sends to every port except the ingress port',
      features: ['l2.flood'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=flood');
        const others = Object.fromEntries(t.topology.endpoints.filter((e) => e.name !== 'h1').map((e) => [e.name, [frame]]));
        await t.expectDelivery('h1', frame, others, { listen: t.topology.endpoints.map((e) => e.name) });
      },
    }),
    defineCase({
      id: 'l2.all',
      title: 'output:all sends to every port except the ingress port',
      features: ['l2.flood'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=all');
        const others = Object.fromEntries(t.topology.endpoints.filter((e) => e.name !== 'h1').map((e) => [e.name, [frame]]));
        await t.expectDelivery('h1', frame, others, { listen: t.topology.endpoints.map((e) => e.name) });
      },
    }),
    defineCase({
      id: 'l2.output-to-third-port',
      title: 'output:p3 reaches only h3 in a three-port topology',
      features: ['l2.output'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p3');
        await t.expectDelivery('h1', frame, { h3: [frame] });
      },
    }),
    defineCase({
      id: 'l2.output-two-ports',
      title: 'output:p2,output:p3 delivers one copy to each',
      features: ['l2.flood'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2,output:p3');
        await t.expectDelivery('h1', frame, { h2: [frame], h3: [frame] });
      },
    }),
    defineCase({
      id: 'l2.ten-outputs',
      title: 'ten output actions, p2 and p3 in turn, send five copies to each: none is lost to an action limit',
      features: ['l2.flood'],
      endpoints: 3,
      run: async (t) => {
        await t.pipeline(`in_port=p1,actions=${Array.from({ length: 10 }, (_, i) => `output:p${2 + (i % 2)}`).join(',')}`);
        const five = Array.from({ length: 5 }, () => frame);
        await t.expectDelivery('h1', frame, { h2: five, h3: five });
      },
    }),
    defineCase({
      id: 'l2.broadcast-and-non-ip',
      title: 'a broadcast frame of a non-IP ethertype is forwarded unchanged',
      features: ['l2.output', 'match.eth'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=output:p2');
        const bcast = ethRaw({ dst: 'ff:ff:ff:ff:ff:ff', ethertype: 0x88b5, payload: 'local experimental ethertype' });
        await t.expectDelivery('h1', bcast, { h2: [bcast] });
      },
    }),
    defineCase({
      id: 'drop.explicit',
      title: 'actions=drop forwards nothing',
      features: ['drop'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=drop');
        await t.expectDelivery('h1', frame, {});
      },
    }),
    defineCase({
      id: 'drop.table-miss',
      title: 'a packet matching no rule is dropped (no NORMAL fallback)',
      features: ['drop'],
      run: async (t) => {
        await t.pipeline('in_port=p2,actions=output:p1');
        await t.expectDelivery('h1', frame, {});
      },
    }),
    defineCase({
      id: 'drop.selective',
      title: 'UDP to port 53 is dropped while other UDP passes',
      features: ['drop', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['priority=200,udp,in_port=p1,tp_dst=53,actions=drop', 'priority=100,in_port=p1,actions=output:p2'].join('\n'));
        const dns = udp4({ sport: 4000, dport: 53, payload: 'dns' });
        const other = udp4({ sport: 4000, dport: 54, payload: 'other' });
        await t.expectDelivery('h1', [dns, other], { h2: [other] });
      },
    }),
  ],
};
