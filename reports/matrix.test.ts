import { expect } from 'chai';
import { parseCatalogue } from '../harness/features/catalogue.js';
import { sampleResults } from '../harness/results/results.test.js';
import { featureMatrix } from './matrix.js';

const catalogue = parseCatalogue(
  `groups:
  - id: forwarding
    title: Forwarding
    features:
      - { id: l2.output, title: "Output" }
      - { id: meter, title: "Meter" }
  - id: vlan
    title: VLAN
    features:
      - { id: vlan.qinq, title: "QinQ" }
      - { id: set.ip_tos, title: "TOS" }
`,
  'test catalogue',
);

describe('parity matrix', () => {
  it('has one column per backend of each run, so two kernels of one backend are two columns', () => {
    const a = sampleResults();
    const b = { ...sampleResults(), run: { ...sampleResults().run, id: 'def456', kernel: '6.19.1' } };
    const m = featureMatrix([a, b], catalogue);
    expect(m.columns.map((c) => `${c.key} ${c.kernel}`)).to.deep.equal(['r0-kernel 6.18.44', 'r0-afxdp 6.18.44', 'r1-kernel 6.19.1', 'r1-afxdp 6.19.1']);
  });

  it("shows each feature's worst outcome with the case and reason that made it so", () => {
    const m = featureMatrix([sampleResults()], catalogue);
    const row = (f: string) => m.groups.flatMap((g) => g.rows).find((r) => r.feature === f);
    const cell = (f: string, col: string) => row(f)?.cells.find((c) => c.column === col);
    expect(cell('l2.output', 'r0-afxdp')).to.include({ status: 'pass', passed: 1, total: 1, reason: '' });
    expect(cell('l2.output', 'r0-kernel')).to.include({ status: 'skipped', reason: 'l2.output: no openvswitch kernel module' });
    expect(cell('vlan.qinq', 'r0-afxdp')).to.include({ status: 'unsupported', reason: 'vlan.qinq: vlan.qinq: vlan-limit 1' });
    expect(cell('set.ip_tos', 'r0-afxdp')?.status).to.equal('fail');
    expect(cell('meter', 'r0-afxdp')).to.include({ status: 'none', total: 0 });
    expect(m.groups.map((g) => g.title)).to.deep.equal(['Forwarding', 'VLAN']);
  });
});
