import type { CaseResult, RunResults } from '../harness/results/results.js';

function esc(s: string): string {
  return (
    s
      .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
      // XML 1.0 forbids most control characters, even escaped.
      // eslint-disable-next-line no-control-regex -- these are exactly the characters to drop
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}

type Outcome = { readonly tag: 'failure' | 'error' | 'skipped'; readonly type?: string; readonly message: string } | undefined;

/**
 * JUnit XML: one testsuite per (suite, backend), one testcase per case.
 * `unsupported` and `skipped` map to <skipped> with the reason; `error` and `timeout` to <error>.
 * A known finding that behaved as expected is <skipped type="expected-fail"> (as pytest reports
 * an xfail), so CI does not count it; an expectation that no longer holds is a <failure
 * type="unexpected-..."> naming the expectation.
 */
function outcome(c: CaseResult): Outcome {
  const e = c.expectation;
  const skippedOrUnsupported = c.status === 'unsupported' || c.status === 'skipped';
  if (e && c.expected && !skippedOrUnsupported) {
    return { tag: 'skipped', type: `expected-${c.status}`, message: `expected ${c.status} (known finding, ${e.source}): ${c.reason} -- ${e.reason}` };
  }
  if (e && !c.expected) {
    return {
      tag: 'failure',
      type: `unexpected-${c.status}`,
      message: `expected ${e.status} (${e.source}), got ${c.status}${c.reason ? `: ${c.reason}` : ''}: update or remove the expectation`,
    };
  }
  if (c.status === 'pass') return undefined;
  if (c.status === 'fail') return { tag: 'failure', message: c.reason };
  if (skippedOrUnsupported) return { tag: 'skipped', message: `${c.status}: ${c.reason}` };
  return { tag: 'error', type: c.status, message: c.reason };
}

function testcase(name: string, c: CaseResult, o: Outcome): string {
  const attrs = `classname="${esc(name)}" name="${esc(`${c.id} [${c.features.join(',')}]`)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
  if (!o) return `    <testcase ${attrs}/>`;
  return `    <testcase ${attrs}><${o.tag}${o.type ? ` type="${esc(o.type)}"` : ''} message="${esc(o.message)}"/></testcase>`;
}

export function junitXml(results: RunResults): string {
  const groups = new Map<string, CaseResult[]>();
  for (const c of results.cases) {
    const key = `${c.suite}.${c.backend}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const suites = [...groups].map(([name, cases]) => {
    const outcomes = cases.map(outcome);
    const n = (tag: string) => outcomes.filter((o) => o?.tag === tag).length;
    const time = cases.reduce((t, c) => t + c.durationMs, 0) / 1000;
    const body = cases.map((c, i) => testcase(name, c, outcomes[i])).join('\n');
    return (
      `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${n('failure')}" ` +
      `errors="${n('error')}" skipped="${n('skipped')}" time="${time.toFixed(3)}">\n${body}\n  </testsuite>`
    );
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dplab run ${esc(results.run.id)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
