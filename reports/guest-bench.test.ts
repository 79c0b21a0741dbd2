import { expect } from 'chai';
import { loadCatalogue } from '../harness/features/catalogue.js';
import { guestBenchRun } from '../harness/results/guest-ratios.test.js';
import { GUEST_BENCH_EXPLAINED, guestBenchmarkSection, guestRatioLines } from './guest-bench.js';
import { renderReport } from './html-report.js';
import { chartLibraryScript, runCharts } from './charts.js';
import { hostPoints } from '../harness/results/guest-ratios.js';
import { sampleResults } from '../harness/results/results.test.js';

describe('report: benchmarks inside guest kernels', () => {
  const r = guestBenchRun();
  const page = renderReport([r], loadCatalogue());

  it('says why only ratios are shown, and shows no absolute figure of a guest', () => {
    expect(page).to.contain('<h2>Benchmarks inside guest kernels: ratios only</h2>');
    expect(GUEST_BENCH_EXPLAINED).to.contain("absolute rates there are the emulator's: they are neither shown nor compared");
    // The guests' pps figures appear nowhere: not in the table, not in a chart.
    const ours = page.replace(chartLibraryScript(), '');
    for (const v of ['100000', '90000', '400000', '20000', '15000']) expect(ours, v).to.not.contain(`<td>${v}</td>`);
    expect(page).to.contain(runCharts([{ ...r, benchmarks: hostPoints(r) }]));
  });

  it('keeps the host kernel’s table as it was', () => {
    expect(page).to.match(/<table id="benchmarks">.*<tr><td>ebpf<\/td><td>mrr_pps<\/td><td>64<\/td><td>1<\/td><td><\/td><td>3000000<\/td>/s);
    expect(page.match(/<table id="benchmarks">.*?<\/table>/s)?.[0]).to.not.contain('@');
  });

  it('has a table per guest kernel: each target over kernel with the range its trials allow', () => {
    const qemu = page.match(/<table class="guest-ratios" data-kernel="6\.1\.0-57-amd64 \(qemu-tcg\)">.*?<\/table>/s)?.[0] ?? '';
    expect(qemu).to.contain(
      '<tr data-column="ebpf@debian-6.1.0-57-amd64" data-flows="1" data-ratio="0.9000"><td>ebpf@debian-6.1.0-57-amd64</td><td>64</td><td>1</td><td>0.90 (0.81..1.05)</td><td></td></tr>',
    );
    expect(qemu).to.contain('<td>1 (reference; trials 0.95..1.05 of its median)</td>');
    expect(qemu).to.contain('<td>0.50 (0.48..0.55)</td><td>the generator bounded afxdp@debian-6.1.0-57-amd64</td>');
    expect(qemu).to.contain('<td>unsupported: afxdp holds 500 flows</td>');
    expect(page).to.contain('<li><b>ebpf-xdp@debian-6.1.0-57-amd64</b>: benchmark error: XDP attach failed</li>');
    expect(page).to.contain('Guest qemu-tcg 6.1.0-57-amd64; MRR, 3 trial(s) of 2 s a point');
  });

  it('reads sensibly where only kernel ran (UML): no ratios, and why the others did not run', () => {
    expect(page).to.contain('<p class="no-ratios">No ratios on this kernel: no other target was measured next to kernel@uml-debian here.</p>');
    expect(page).to.contain('<li><b>ebpf@uml-debian</b>: no kernel BTF (/sys/kernel/btf/vmlinux)</li>');
  });

  it('is absent from reports without guest benchmarks', () => {
    expect(guestBenchmarkSection([sampleResults()])).to.equal('');
    expect(renderReport([sampleResults()], loadCatalogue())).to.not.contain('guest kernels: ratios only');
  });

  it('prints the same ratios after dplab run', () => {
    const lines = guestRatioLines(r);
    expect(lines[0]).to.equal(
      "in-guest benchmark, linux 6.1.0-57-amd64 (qemu-tcg) (MRR, 3 trial(s) of 2 s a point): MRR as a ratio to kernel@debian-6.1.0-57-amd64, the emulator's absolute rates not shown",
    );
    expect(lines).to.include('  ebpf@debian-6.1.0-57-amd64         64 B, 1000 flows   0.75 (0.72..0.78)');
    expect(lines).to.include('  ebpf-xdp@debian-6.1.0-57-amd64     not measured: benchmark error: XDP attach failed');
    expect(lines).to.include('  no ratios: no other target was measured next to kernel@uml-debian here');
    for (const v of ['100000', '90000', '20000']) expect(lines.join('\n')).to.not.contain(v);
  });
});
