import { expect } from 'chai';
import { CONFORMANCE } from '../../suites/conformance/index.js';
import { DATAPATH } from '../../suites/datapath/index.js';
import { loadCatalogue, parseCatalogue } from './catalogue.js';

describe('feature catalogue', () => {
  it('loads the shipped catalogue with unique ids in groups', () => {
    const c = loadCatalogue();
    expect(c.features.length).to.be.greaterThan(20);
    expect(c.get('vlan.push').group).to.equal('vlan');
    expect(c.has('no.such')).to.equal(false);
  });

  it('covers the rows of the OVS datapath feature table that dplab tracks', () => {
    const rows = new Set(
      loadCatalogue()
        .features.map((f) => f.ovsRow)
        .filter(Boolean),
    );
    for (const row of [
      'Connection tracking',
      'NAT',
      'Tunnel - VXLAN',
      'Tunnel - Geneve',
      'Meter action',
      'check_pkt_len action',
      'MPLS',
      '802.1ad',
      'Tunnel - SRv6',
    ]) {
      expect(rows, row).to.include(row);
    }
  });

  it('has a case for every feature, or says the feature is not covered yet (and no longer says so once a case exists)', () => {
    const exercised = new Set([...CONFORMANCE, ...DATAPATH].flatMap((g) => g.cases.flatMap((c) => c.features)));
    const c = loadCatalogue();
    const silent = c.features.filter((f) => !exercised.has(f.id) && !f.uncovered).map((f) => f.id);
    expect(silent, 'features with no case and no uncovered note').to.deep.equal([]);
    const stale = c.features.filter((f) => exercised.has(f.id) && f.uncovered).map((f) => f.id);
    expect(stale, 'features marked uncovered that a case exercises').to.deep.equal([]);
  });

  it('rejects duplicate ids and bad ids, naming the source', () => {
    const dup = 'groups:\n  - {id: a, title: A, features: [{id: x, title: X}, {id: x, title: Y}]}\n';
    expect(() => parseCatalogue(dup, 'c.yaml')).to.throw("c.yaml: duplicate feature id 'x'");
    const bad = 'groups:\n  - {id: a, title: A, features: [{id: "Bad Id", title: X}]}\n';
    expect(() => parseCatalogue(bad, 'c.yaml')).to.throw(/^c\.yaml: groups\.0\.features\.0\.id: /);
  });
});
