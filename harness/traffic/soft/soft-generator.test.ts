import { expect } from 'chai';
import { parseFrame } from '../../packet/index.js';
import { parseProfile } from '../streams/stream-model.js';
import type { EndpointHandle } from '../../../topologies/topology.js';
import { compileArgs, compileStreams, refusedByKernel } from './soft-generator.js';
import { ExecError } from '../../system/exec.js';
import { GeneratorUnavailableError } from '../trial-generator.js';
import { templateFrame } from '../streams/template.js';

const h1: EndpointHandle = { name: 'h1', netns: 'n1', ifname: 'e1', mac: '0a:00:00:00:00:01', dutPort: 'p1' };
const h2: EndpointHandle = { name: 'h2', netns: 'n2', ifname: 'e2', mac: '0a:00:00:00:00:02', dutPort: 'p2' };

describe('soft generator: compiling the stream model for dplab-gen', () => {
  it('builds a template of exactly the frame size minus the FCS, UDP checksum 0', () => {
    for (const size of [64, 128, 1518]) {
      const f = templateFrame(h1, h2, size);
      expect(f.length).to.equal(size - 4);
      const p = parseFrame(f);
      expect(p.udp?.sport).to.equal(1024);
      expect(f.readUInt16BE(40), 'UDP checksum').to.equal(0);
    }
  });

  it('puts each variable at its field offset and fixes the IPv4 checksum at 14, signature at 42', () => {
    const p = parseProfile(
      {
        streams: [
          {
            name: 'a',
            frameSize: 64,
            vars: [
              { field: 'udp.sport', op: 'inc', min: 1000, max: 1999 },
              { field: 'ipv4.src', op: 'random', min: 0x0a000001, max: 0x0a0000ff },
              { field: 'eth.src', op: 'dec', min: 1, max: 9, step: 3 },
            ],
          },
        ],
        rate: { pps: 0 },
        durationMs: 1000,
      },
      't',
    );
    const [stream, ...vars] = compileStreams(p, h1, h2).split('\n');
    expect(stream).to.match(/^stream 1 [0-9a-f]{120} 42 14 42$/);
    expect(vars).to.deep.equal(['var 34 2 inc 1000 1999 1', 'var 26 4 random 167772161 167772415 1', 'var 8 4 dec 1 9 3']);
  });

  it('writes one stream line per IMIX size with its weight', () => {
    const p = parseProfile(
      {
        streams: [
          { name: 'a', frameSize: 64, weight: 7 },
          { name: 'b', frameSize: 594, weight: 4 },
          { name: 'c', frameSize: 1518, weight: 1 },
        ],
        rate: { pps: 0 },
        durationMs: 1000,
      },
      't',
    );
    const lines = compileStreams(p, h1, h2).split('\n');
    expect(lines.map((l) => [l.split(' ')[1], (l.split(' ')[2] as string).length / 2])).to.deep.equal([
      ['7', 60],
      ['4', 590],
      ['1', 1514],
    ]);
  });

  it('refuses a value that does not fit its field', () => {
    const p = parseProfile(
      { streams: [{ name: 'a', frameSize: 64, vars: [{ field: 'udp.dport', op: 'inc', min: 0, max: 70_000 }] }], rate: { pps: 0 }, durationMs: 1000 },
      't',
    );
    expect(() => compileStreams(p, h1, h2)).to.throw('streams[0]: udp.dport: max 70000 does not fit 2 bytes');
  });

  it('turns rate and mode into arguments; bursts need a rate', () => {
    const base = { streams: [{ name: 'a', frameSize: 64 }], durationMs: 2000 };
    expect(compileArgs(parseProfile({ ...base, rate: { bpsL1: 1e9 } }, 't'), 'e1', 0)).to.deep.equal([
      '--if',
      'e1',
      '--duration-ms',
      '2000',
      '--pps',
      '1488095',
      '--cpu',
      '0',
    ]);
    expect(
      compileArgs(parseProfile({ ...base, rate: { pps: 1000 }, mode: { kind: 'multi-burst', frames: 10, bursts: 3, ibgUs: 500 } }, 't'), 'e1'),
    ).to.deep.equal(['--if', 'e1', '--duration-ms', '2000', '--pps', '1000', '--count', '30', '--burst', '10', '--ibg-us', '500']);
    expect(() => compileArgs(parseProfile({ ...base, rate: { pps: 0 }, mode: { kind: 'burst', frames: 5 } }, 't'), 'e1')).to.throw(
      'mode burst: needs a rate (bursts are paced)',
    );
  });
});

describe('soft generator: a kernel that refuses it', () => {
  const failed = (stderr: string) => new ExecError('ip netns exec n1 dplab-gen --if e1', { code: 1, stdout: '', stderr });

  it('names the refusal of BPF_PROG_RUN with live frames as an environment limit, not a failed trial', () => {
    const e = refusedByKernel(failed('dplab-gen: BPF_PROG_RUN (live frames) on e1: Operation not permitted\n'));
    expect(e).to.be.instanceOf(GeneratorUnavailableError);
    expect(e?.message).to.match(/^soft generator: kernel \S+ refuses BPF_PROG_RUN with live frames \(EPERM\), the only way dplab-gen sends$/);
  });

  it('leaves every other failure as it is', () => {
    expect(refusedByKernel(failed('dplab-gen: BPF_PROG_RUN (live frames) on e1: No such device\n'))).to.equal(undefined);
    expect(refusedByKernel(new Error('BPF_PROG_RUN (live frames) on e1: Operation not permitted'))).to.equal(undefined);
  });
});
