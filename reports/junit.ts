import type { RunResults } from '../harness/results/results.js';

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
    // XML 1.0 forbids most control characters, even escaped.
    // eslint-disable-next-line no-control-regex -- these are exactly the characters to drop
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/**
 * JUnit XML: one testsuite per (suite, backend), one testcase per case.
 * `unsupported` and `skipped` map to <skipped> with the reason; `error` and `timeout` to <error>.
 */
export function junitXml(results: RunResults): string {
  const groups = new Map<string, RunResults['cases']>();
  for (const c of results.cases) {
    const key = `${c.suite}.${c.backend}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const suites = [...groups].map(([name, cases]) => {
    const n = (pred: (s: string) => boolean) => cases.filter((c) => pred(c.status)).length;
    const time = cases.reduce((t, c) => t + c.durationMs, 0) / 1000;
    const body = cases
      .map((c) => {
        const attrs = `classname="${esc(name)}" name="${esc(`${c.id} [${c.features.join(',')}]`)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
        switch (c.status) {
          case 'pass':
            return `    <testcase ${attrs}/>`;
          case 'fail':
            return `    <testcase ${attrs}><failure message="${esc(c.reason)}"/></testcase>`;
          case 'unsupported':
          case 'skipped':
            return `    <testcase ${attrs}><skipped message="${esc(`${c.status}: ${c.reason}`)}"/></testcase>`;
          default:
            return `    <testcase ${attrs}><error type="${c.status}" message="${esc(c.reason)}"/></testcase>`;
        }
      })
      .join('\n');
    return (
      `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${n((s) => s === 'fail')}" ` +
      `errors="${n((s) => s === 'error' || s === 'timeout')}" skipped="${n((s) => s === 'unsupported' || s === 'skipped')}" time="${time.toFixed(3)}">\n${body}\n  </testsuite>`
    );
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dplab run ${esc(results.run.id)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
