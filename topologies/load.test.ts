import { expect } from 'chai';
import { listTopologies, loadTopology, parseTopology, vethSpec } from './load.js';
import { labYaml } from './testing/lab-yaml.js';

const good = `name: t
kind: veth
endpoints:
  - name: h1
  - name: h2
dut:
  ports:
    - name: p1
    - name: p2
links:
  - [h1, p1]
  - [h2, p2]
`;

const errorOf = (text: string): string => {
  try {
    parseTopology(text, 'x.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a topology error');
};

describe('topology files', () => {
  it('ships p2p, triangle and a lab (nic) example that all validate', () => {
    const all = listTopologies();
    expect(all.map((t) => [t.spec.name, t.spec.kind])).to.deep.equal([
      ['lab-example', 'nic'],
      ['p2p', 'veth'],
      ['triangle', 'veth'],
    ]);
    expect(vethSpec(loadTopology('triangle')).endpoints).to.have.length(3);
    expect(() => vethSpec(loadTopology('lab-example'))).to.throw("kind 'nic' cannot be built on veth");
  });

  it('accepts a minimal veth topology', () => {
    expect(parseTopology(good, 'x.yaml').spec).to.deep.include({ name: 't', kind: 'veth' });
  });

  const bad: [string, string, string][] = [
    ['an unknown DUT port in a link', good.replace('[h2, p2]', '[h2, p9]'), "x.yaml:12: links[1][1]: unknown DUT port 'p9' (known: p1, p2)"],
    ['an unknown endpoint in a link', good.replace('[h2, p2]', '[h7, p2]'), "x.yaml:12: links[1][0]: unknown endpoints name 'h7' (known: h1, h2)"],
    ['a port linked twice', good.replace('[h2, p2]', '[h2, p1]'), "x.yaml:12: links[1][1]: DUT port 'p1' is linked twice"],
    ['a duplicate endpoint', good.replace('  - name: h2\n', '  - name: h1\n'), "x.yaml:5: endpoints[1].name: duplicate name 'h1'"],
    ['an unknown kind', good.replace('kind: veth', 'kind: ring'), "x.yaml:2: kind: Invalid discriminator value. Expected 'veth' | 'nic'"],
    ['an unknown key', good.replace('name: t\n', 'name: t\ncolour: red\n'), 'x.yaml:1: (top level): Unrecognized key: "colour"'],
    [
      'a bad MAC',
      good.replace('  - name: h1\n', '  - name: h1\n    mac: 0A:DD:00:00:00:01\n'),
      'x.yaml:5: endpoints[0].mac: must be a lowercase MAC address like 0a:dd:00:00:00:01',
    ],
    [
      'a name too long for interface names',
      good.replace('- name: h1', '- name: host1234').replace('[h1, p1]', '[host1234, p1]'),
      'x.yaml:4: endpoints[0].name: must be 1-6 lowercase letters/digits starting with a letter',
    ],
    ['an unlinked endpoint', good.replace('  - [h2, p2]\n', ''), "x.yaml:11: links: 'h2' is not linked to any DUT port"],
    ['YAML that does not parse', 'name: t\nkind: veth\nendpoints: [\n', 'x.yaml:4: invalid YAML:'],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what} naming file, line and field`, () => {
      const m = errorOf(text);
      expect(m.split('\n')).to.have.length(1);
      expect(m.startsWith(message), m).to.equal(true);
    });
  }

  it('names unknown built-ins and missing files', () => {
    expect(() => loadTopology('hexagon')).to.throw(
      "topology 'hexagon': no built-in topology of that name (built-in: lab-example, p2p, triangle; or give a YAML file path)",
    );
    expect(() => loadTopology('/nonexistent/t.yaml')).to.throw('/nonexistent/t.yaml: no such topology file');
  });

  const lab = (trex: string) => labYaml({ trex });

  it('takes a lab TRex server to attach to, or an image to start with its trex_cfg.yaml entry', () => {
    const attach = parseTopology(lab('  trex: { address: "trex1.lab:4501" }'), 'lab.yaml').spec;
    expect(attach.kind === 'nic' && attach.generator.trex).to.deep.equal({ address: 'trex1.lab:4501' });
    const image = parseTopology(lab('  trex:\n    image: trex:v3.08\n    cfg: { interfaces: ["0000:3b:00.0", "0000:3b:00.1"], c: 4 }'), 'lab.yaml').spec;
    expect(image.kind === 'nic' && image.generator.trex).to.deep.equal({ image: 'trex:v3.08', cfg: { interfaces: ['0000:3b:00.0', '0000:3b:00.1'], c: 4 } });
  });

  it('rejects a TRex server entry that is neither, naming file, line and field', () => {
    expect(errorOf(lab('  trex: { image: trex }').replace('x.yaml', 'x.yaml'))).to.equal(
      'x.yaml:8: generator.trex: must be { address: host[:port] } or { image, cfg: { interfaces: [...] }, ... }',
    );
  });
});
