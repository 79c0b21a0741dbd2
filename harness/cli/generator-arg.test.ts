import { expect } from 'chai';
import { availableParallelism } from 'node:os';
import { loadTopology, parseTopology } from '../../topologies/load.js';
import { labYaml } from '../../topologies/testing/lab-yaml.js';
import { generatorPlan } from './generator-arg.js';

const lab = (trex?: string, p2?: string) => parseTopology(labYaml({ ...(trex ? { trex } : {}), ...(p2 ? { p2 } : {}) }), 'lab.yaml');

const flags = (o: Partial<Parameters<typeof generatorPlan>[0]>) => ({ generator: 'soft' as const, trexTimeout: '5', ...o });

describe('choosing the benchmark generator', () => {
  it('keeps the soft generator on veth and attaches TRex from --trex or the topology', () => {
    expect(generatorPlan(flags({}), loadTopology('p2p'), true)).to.deep.equal({ kind: 'soft' });
    expect(generatorPlan(flags({ genCpu: '0' }), loadTopology('p2p'), true)).to.deep.equal({ kind: 'soft', cpu: 0 });
    expect(generatorPlan(flags({ generator: 'trex', trex: 'trex1:4501', trexTimeout: '2.5' }), lab(), true)).to.deep.equal({
      kind: 'trex',
      server: { address: 'trex1:4501' },
      timeoutMs: 2500,
      force: false,
    });
    expect(generatorPlan(flags({ generator: 'trex', trexForce: true }), lab('  trex: { address: trex2 }'), true)).to.deep.equal({
      kind: 'trex',
      server: { address: 'trex2' },
      timeoutMs: 5000,
      force: true,
    });
  });

  it('refuses combinations that cannot run, before anything is created', () => {
    const cases: [Parameters<typeof generatorPlan>[0], ReturnType<typeof lab>, string][] = [
      [
        flags({ generator: 'trex', trex: 'x' }),
        loadTopology('p2p'),
        '--generator trex: topology p2p (topologies/p2p.yaml) is kind veth; TRex drives a lab (nic) topology',
      ],
      [flags({}), lab(), 'topology lab (lab.yaml) is a lab (nic) topology: its generator ports are TRex ports; use --generator trex'],
      [flags({ trex: 'x' }), loadTopology('p2p'), '--trex: only with --generator trex'],
      [flags({ generator: 'trex' }), lab(), '--generator trex: no TRex server: give --trex HOST[:PORT] or generator.trex in lab.yaml'],
      [flags({ generator: 'trex', trex: 'x:99999' }), lab(), "--trex: 'x:99999' is not host[:port]"],
      [flags({ generator: 'trex', trex: 'x', trexTimeout: '0' }), lab(), '--trex-timeout 0: want seconds 0.1..600'],
      [flags({ genCpu: '99' }), loadTopology('p2p'), `--gen-cpu 99: want a CPU number 0..${availableParallelism() - 1}`],
      [flags({ genCpu: 'x' }), loadTopology('p2p'), '--gen-cpu x: want a CPU number'],
      [flags({ generator: 'trex', trex: 'x', genCpu: '1' }), lab(), '--gen-cpu: only with the soft generator'],
    ];
    for (const [o, topology, message] of cases) expect(() => generatorPlan(o, topology, true), message).to.throw(message);
  });

  it('needs DUT port p2 cabled to a TRex port for benchmarks', () => {
    const t = lab(undefined, 'p9');
    expect(() => generatorPlan(flags({ generator: 'trex', trex: 'x' }), t, true)).to.throw(
      'topology lab: benchmarks need DUT port p2 cabled to a TRex port (links: [<generator port>, p2])',
    );
  });

  it('lets a lab topology run cases (skipped there) with the soft default when no benchmark is asked', () => {
    expect(generatorPlan(flags({}), lab(), false)).to.deep.equal({ kind: 'soft' });
  });
});
