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
      // releases.rst (3.1), "Feature support matrix": the user-visible table ...
      'Connection tracking',
      'Connection tracking-IPv6',
      'Conntrack Fragment Reass.',
      'Conntrack IPv6 Fragment',
      'Conntrack Timeout Policies',
      'Conntrack Zone Limit',
      'Conntrack NAT',
      'Conntrack NAT6',
      'Tunnel - LISP',
      'Tunnel - STT',
      'Tunnel - GRE',
      'Tunnel - VXLAN',
      'Tunnel - Geneve',
      'Tunnel - GRE-IPv6',
      'Tunnel - VXLAN-IPv6',
      'Tunnel - Geneve-IPv6',
      'Tunnel - ERSPAN',
      'Tunnel - ERSPAN-IPv6',
      'Tunnel - GTP-U',
      'Tunnel - SRv6',
      'Tunnel - Bareudp',
      'QoS - Policing',
      'QoS - Shaping',
      'sFlow',
      'IPFIX',
      'Set action',
      'NIC Bonding',
      'Multiple VTEPs',
      'Meter action',
      'check_pkt_len action',
      // ... and the one of features an ofproto layer can hide.
      'SCTP flows',
      'MPLS',
      'UFID',
      'Megaflows',
      'Masked set action',
      'Recirculation',
      'TCP flags matching',
      'Validate flow actions',
      'Multiple datapaths',
      'Tunnel TSO - STT',
      '802.1ad',
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

  it('has at least three cases for every feature', () => {
    const cases = new Map<string, number>();
    for (const f of [...CONFORMANCE, ...DATAPATH].flatMap((g) => g.cases.flatMap((c) => c.features))) cases.set(f, (cases.get(f) ?? 0) + 1);
    const thin = loadCatalogue()
      .features.filter((f) => (cases.get(f.id) ?? 0) < 3)
      .map((f) => `${f.id}: ${cases.get(f.id) ?? 0}`);
    expect(thin, 'features with fewer than three cases').to.deep.equal([]);
  });

  it('rejects duplicate ids and bad ids, naming the source', () => {
    const dup = 'groups:\n  - {id: a, title: A, features: [{id: x, title: X}, {id: x, title: Y}]}\n';
    expect(() => parseCatalogue(dup, 'c.yaml')).to.throw("c.yaml: duplicate feature id 'x'");
    const bad = 'groups:\n  - {id: a, title: A, features: [{id: "Bad Id", title: X}]}\n';
    expect(() => parseCatalogue(bad, 'c.yaml')).to.throw(/^c\.yaml: groups\.0\.features\.0\.id: /);
  });
});
