import { stringify } from 'csv-stringify/sync';
import { backendKernel, type RunResults } from '../harness/results/results.js';

/** One row per case: the parity data in a spreadsheet-friendly form. */
export function casesCsv(results: RunResults): string {
  return stringify(
    results.cases.map((c) => ({
      run: results.run.id,
      suite: c.suite,
      case: c.id,
      backend: c.backend,
      kernel: backendKernel(results, c.backend),
      product: results.run.backends.find((b) => b.id === c.backend)?.product ?? '',
      features: c.features.join(' '),
      status: c.status,
      // Known findings: 'yes' when the case behaved as its expectation predicts, 'no' when it no longer does.
      expected: c.expectation ? (c.expected ? 'yes' : 'no') : '',
      reason: c.reason,
      duration_ms: Math.round(c.durationMs),
    })),
    { header: true, columns: ['run', 'suite', 'case', 'backend', 'kernel', 'product', 'features', 'status', 'expected', 'reason', 'duration_ms'] },
  );
}

/** One row per benchmark point, trials joined so the spread stays visible. */
export function benchmarksCsv(results: RunResults): string {
  return stringify(
    results.benchmarks.map((b) => ({
      run: results.run.id,
      backend: b.backend,
      kernel: backendKernel(results, b.backend),
      product: results.run.backends.find((x) => x.id === b.backend)?.product ?? '',
      metric: b.metric,
      frame_size: b.frameSize,
      flows: b.flows,
      load_fraction: b.loadFraction ?? '',
      value: b.value,
      unit: b.unit,
      spread_min: b.spread?.min ?? '',
      spread_max: b.spread?.max ?? '',
      trials: b.trials.map((t) => t.value).join(' '),
      search_trials: b.search?.trials ?? '',
      search_converged: b.search ? String(b.search.converged) : '',
      search_ended: b.search?.ended ?? '',
      confirmed: b.confirm ? `${b.confirm.passed}/${b.confirm.trials.length}` : '',
      unsupported: b.unsupported ?? '',
      datapath_flows: b.datapathFlows ?? '',
      generator: b.generator.name,
      generator_limited: String(b.generator.limited),
      generator_note: b.generator.note,
    })),
    {
      header: true,
      columns: [
        'run',
        'backend',
        'kernel',
        'product',
        'metric',
        'frame_size',
        'flows',
        'load_fraction',
        'value',
        'unit',
        'spread_min',
        'spread_max',
        'trials',
        'search_trials',
        'search_converged',
        'search_ended',
        'confirmed',
        'unsupported',
        'datapath_flows',
        'generator',
        'generator_limited',
        'generator_note',
      ],
    },
  );
}
