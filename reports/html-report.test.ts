import { expect } from 'chai';
import { loadCatalogue, parseCatalogue } from '../harness/features/catalogue.js';
import { samplePoint, sampleResults } from '../harness/results/results.test.js';
import type { BenchmarkPoint } from '../harness/results/results.js';
import { drawCharts } from './chart-draw.js';
import { chartLibraryScript, runCharts } from './charts.js';
import { renderReport } from './html-report.js';
import { sampleCase, sampleRun } from '../harness/results/kernel-diff.test.js';

const afxdpMrr: BenchmarkPoint = samplePoint('afxdp', 'mrr_pps', 700000, { generator: { name: 'soft', note: 'sent as requested', limited: false } });

describe('HTML report', () => {
  const html = renderReport([sampleResults()], loadCatalogue());

  it('is self-contained: the chart library inline, nothing fetched', () => {
    expect(html).to.not.match(/<(script|img|iframe)[^>]+src=|<link[^>]+href=/);
    expect(html).to.contain(chartLibraryScript());
    // No benchmark points, no canvases; the drawing still runs, so PDF rendering and tests do not wait in vain.
    expect(html).to.not.contain('<canvas');
    expect(html).to.contain(`})(${drawCharts.toString()}, []);</script>`);
  });

  it('draws the charts of its benchmark points (reports/charts.ts)', () => {
    const r = { ...sampleResults(), benchmarks: [afxdpMrr] };
    const page = renderReport([r], loadCatalogue());
    expect(page).to.contain(runCharts([r]));
    expect(page).to.contain('<canvas id="chart-throughput">');
    expect(page.indexOf(chartLibraryScript())).to.be.greaterThan(page.indexOf('<table id="benchmarks">'));
  });

  it('has a matrix cell per feature and backend, linked to its cases, the reason on hover', () => {
    expect(html).to.match(
      /<td class="cell s-fail" data-column="r0-afxdp" data-feature="set\.ip_tos" data-status="fail" title="set\.tos: h2: ipv4\.tos: expected 0xb9, got &quot;0x01&quot;"><a href="#cell-r0-afxdp-set_ip_tos">fail<\/a><\/td>/,
    );
    expect(html).to.contain('<section class="details" id="cell-r0-afxdp-set_ip_tos">');
    expect(html).to.match(/data-column="r0-kernel" data-feature="l2\.output" data-status="skipped"/);
  });

  it('escapes what the results carry', () => {
    expect(html).to.contain('qinq &lt;&amp;&gt;');
    expect(html).to.not.contain('qinq <&>');
  });

  it('shows a known finding that behaved as expected distinctly, with its explanation and reference', () => {
    const r = sampleResults();
    const expectation = {
      status: 'fail' as const,
      reason: 'the userspace datapath rewrites ECN too',
      reference: 'https://example.org/issue/7',
      source: 'suites/expectations/afxdp.yaml',
    };
    const page = renderReport([{ ...r, cases: r.cases.map((c) => (c.id === 'set.tos' ? { ...c, expectation, expected: true } : c)) }], loadCatalogue());
    expect(page).to.match(
      /<td class="cell s-expected" data-column="r0-afxdp" data-feature="set\.ip_tos" data-status="fail" data-expected="true"[^>]*><a [^>]*>expected fail<\/a>/,
    );
    expect(page).to.match(/<table id="known-findings">.*<td>conformance\/set\.tos<\/td><td>expected fail<\/td><td>the userspace datapath rewrites ECN too/s);
    expect(page).to.contain('<a href="https://example.org/issue/7">');
  });

  it('has a kernel diff section when a backend ran on two kernels: the probes and the cases that differ, with both statuses', () => {
    const r = sampleRun(
      'r1',
      [
        { id: 'ebpf', available: true, versions: {} },
        {
          id: 'ebpf@uml-debian',
          available: true,
          versions: { kernel: '6.1.176', guest: 'uml 6.1.176' },
          unsupported: { 'ct.zone': 'kfunc bpf_ct_set_zone <missing>' },
        },
        { id: 'afxdp', available: true, versions: {} },
        { id: 'afxdp@uml-debian', available: false, reason: 'CONFIG_XDP_SOCKETS not set', versions: { kernel: '6.1.176', guest: 'uml 6.1.176' } },
      ],
      [
        sampleCase('ebpf', 'ct.zone', 'pass'),
        sampleCase('ebpf', 'l2.output', 'pass'),
        sampleCase('ebpf@uml-debian', 'ct.zone', 'unsupported', 'ct.zone: kfunc missing'),
        sampleCase('ebpf@uml-debian', 'l2.output', 'pass'),
        sampleCase('afxdp', 'l2.output', 'pass'),
        sampleCase('afxdp@uml-debian', 'l2.output', 'skipped', 'CONFIG_XDP_SOCKETS not set'),
      ],
    );
    const page = renderReport([r], loadCatalogue());
    const section = page.slice(page.indexOf('<h2>Kernel diff</h2>'), page.indexOf('<h2>Benchmarks</h2>'));
    expect(page.indexOf('<h2>Kernel diff</h2>')).to.be.greaterThan(page.indexOf('<h2>Known findings</h2>'));
    expect([...section.matchAll(/<h3>(.*?)<\/h3>/g)].map((m) => m[1])).to.deep.equal([
      'afxdp: 6.18.44 (host) → 6.1.176 (uml)',
      'ebpf: 6.18.44 (host) → 6.1.176 (uml)',
    ]);
    // The cases a backend could not run are counted on its line, not listed one by one.
    expect(section).to.contain('<li>not available on 6.1.176 (uml): CONFIG_XDP_SOCKETS not set (1 case(s) not run there, not listed)</li>');
    expect(section).to.contain('<li>feature ct.zone: unsupported on 6.1.176 (uml): kfunc bpf_ct_set_zone &lt;missing&gt;</li>');
    expect(section).to.contain(
      '<tr data-case="ct.zone" data-from="pass" data-to="unsupported"><td>ct.zone</td><td>conformance</td><td class="s-pass">pass</td><td class="s-unsupported">unsupported<br><small>ct.zone: kfunc missing</small></td></tr>',
    );
    expect(section.match(/<tr data-case=/g)).to.have.length(1);
    expect(section).to.contain('<p>2 case(s) compared, 1 same, 1 differ</p>');
    // Merged runs: each heading names its run.
    const merged = renderReport([r, { ...r, run: { ...r.run, id: 'r2' } }], loadCatalogue());
    expect([...merged.matchAll(/<h3>(ebpf: .*?)<\/h3>/g)].map((m) => m[1])).to.deep.equal([
      'ebpf: 6.18.44 (host) → 6.1.176 (uml) (run r1)',
      'ebpf: 6.18.44 (host) → 6.1.176 (uml) (run r2)',
    ]);
  });

  it('has no kernel diff section when every backend ran on one kernel', () => {
    expect(html).to.not.contain('Kernel diff').and.not.contain('id="kernel-diff"');
  });

  it('lists the catalogue features no case exercises yet, and shows their rows as not covered', () => {
    const catalogue = parseCatalogue(
      'groups:\n  - {id: g, title: G, features: [{id: l2.output, title: Output}, {id: ct.x, title: Conntrack X, uncovered: "needs a zone"}]}\n',
      'test.yaml',
    );
    const page = renderReport([sampleResults()], catalogue);
    expect(page).to.match(/<ul id="uncovered-features"><li><b>ct\.x<\/b> Conntrack X: needs a zone<\/li><\/ul>/);
    expect(page).to.contain('not covered yet');
  });
});
