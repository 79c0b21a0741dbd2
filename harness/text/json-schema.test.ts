import { expect } from 'chai';
import { z } from 'zod';
import { JsonInputError, parseJson } from './json-schema.js';

describe('JSON from helpers, tools and files is checked where it enters', () => {
  const Report = z.strictObject({ sent: z.number().int(), streams: z.array(z.strictObject({ index: z.number() })) });

  it('returns the typed value when it matches', () => {
    expect(parseJson(Report, '{"sent":3,"streams":[{"index":0}]}', 'dplab-gen report')).to.deep.equal({ sent: 3, streams: [{ index: 0 }] });
  });

  it('names the source and the field that is wrong, or says it is not JSON', () => {
    expect(() => parseJson(Report, '{"sent":3,"streams":[{"index":"0"}]}', 'dplab-gen report')).to.throw(
      JsonInputError,
      /^dplab-gen report: streams\.0\.index: /,
    );
    expect(() => parseJson(Report, '{"sent":3,"streams":[],"extra":1}', 'dplab-gen report')).to.throw(JsonInputError, /^dplab-gen report: \(root\): /);
    expect(() => parseJson(Report, 'sent=3', 'dplab-gen report')).to.throw(JsonInputError, /^dplab-gen report: not JSON: /);
  });
});
