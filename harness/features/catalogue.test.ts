import { expect } from 'chai';
import { loadCatalogue, parseCatalogue } from './catalogue.js';

describe('feature catalogue', () => {
  it('loads the shipped catalogue with unique ids in groups', () => {
    const c = loadCatalogue();
    expect(c.features.length).to.be.greaterThan(20);
    expect(c.get('vlan.push').group).to.equal('vlan');
    expect(c.has('no.such')).to.equal(false);
  });

  it('covers the rows of the OVS datapath feature table that dplab tracks', () => {
    const rows = new Set(loadCatalogue().features.map((f) => f.ovsRow).filter(Boolean));
    for (const row of ['Connection tracking', 'NAT', 'Tunnel - VXLAN', 'Tunnel - Geneve', 'Meter action', 'check_pkt_len action', 'MPLS', '802.1ad', 'Tunnel - SRv6']) {
      expect(rows, row).to.include(row);
    }
  });

  it('rejects duplicate ids and bad ids, naming the source', () => {
    const dup = 'groups:\n  - {id: a, title: A, features: [{id: x, title: X}, {id: x, title: Y}]}\n';
    expect(() => parseCatalogue(dup, 'c.yaml')).to.throw("c.yaml: duplicate feature id 'x'");
    const bad = 'groups:\n  - {id: a, title: A, features: [{id: "Bad Id", title: X}]}\n';
    expect(() => parseCatalogue(bad, 'c.yaml')).to.throw(/^c\.yaml: groups\.0\.features\.0\.id: /);
  });
});
