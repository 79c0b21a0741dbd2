import { expect } from 'chai';
import { loadCatalogue } from '../harness/features/catalogue.js';
import { samplePoint, sampleResults } from '../harness/results/results.test.js';
import type { BenchmarkPoint } from '../harness/results/results.js';
import { drawCharts } from './chart-draw.js';
import { chartLibraryScript, runCharts } from './charts.js';
import { renderReport } from './html-report.js';

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

  it('lists the catalogue features no case exercises yet', () => {
    expect(html).to.match(/<ul id="uncovered-features"><li><b>ct<\/b> Connection tracking: no cases yet/);
  });
});
