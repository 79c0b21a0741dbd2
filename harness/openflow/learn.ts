import type { LearnAction, LearnSpec, MatchField } from './rule.js';
import { checkValue, fieldBits, impliedShorthands, parseBig, SUB_FIELDS } from './fields.js';
import { checkRead, checkWrite, missing, type ActionContext } from './context.js';
import { split, type LineContext, type Token } from './syntax.js';
import { isSubfield, parseSubfield, subfieldWidth } from './subfield.js';

/**
 * `learn(...)` (ovs-actions(7) "The learn action"), the subset: the new flow's table, priority,
 * timeouts and cookie; match specs `FIELD[]`, `FIELD[lo..hi]`, `FIELD[]=FIELD[]` and
 * `FIELD=VALUE`; `load:` from a field or a value; `output:FIELD[]`. As OVS does, fields read
 * from the packet need their prerequisites in this rule, and fields of the learned flow in the
 * learned flow's own match (its `eth_type=`/`nw_proto=` specs, in order).
 */

const NUMBERS: Readonly<Record<string, [keyof LearnAction, number]>> = {
  table: ['table', 254],
  priority: ['priority', 65535],
  idle_timeout: ['idleTimeout', 65535],
  hard_timeout: ['hardTimeout', 65535],
  fin_idle_timeout: ['finIdleTimeout', 65535],
  fin_hard_timeout: ['finHardTimeout', 65535],
};

export function parseLearn(p: LineContext, tok: Token, ctx: ActionContext): LearnAction {
  const inner = p.inner(tok, 'learn');
  const out: { -readonly [K in keyof LearnAction]: LearnAction[K] } = { type: 'learn', specs: [] };
  const specs: LearnSpec[] = [];
  // The learned flow's match so far: its prerequisites for later specs.
  const learned: MatchField[] = [];
  const learnedCtx = (): ActionContext => ({ implied: impliedShorthands(learned), vlans: 0, ctState: false });
  const seen = new Set<string>();
  for (const t of split(inner.text, inner.col, false)) {
    const eq = t.text.search(/[=:]/);
    const key = eq < 0 ? t.text : t.text.slice(0, eq);
    const value = t.text.slice(eq + 1);
    const at = t.col + key.length + 1;
    const num = NUMBERS[key];
    if ((num || key === 'cookie') && t.text[eq] === '=') {
      if (seen.has(key)) p.fail(t.col, `learn: '${key}' given twice`);
      seen.add(key);
      if (num) (out as Record<string, unknown>)[num[0]] = p.uint(value, at, `learn ${key}`, num[1]);
      else out.cookie = p.big(value, at, 'learn cookie', 64);
      continue;
    }
    if (key === 'load' && t.text[eq] === ':') specs.push(loadSpec(p, value, at, ctx, learnedCtx()));
    else if (key === 'output' && t.text[eq] === ':') {
      const src = parseSubfield(p, value, at, 'learn output');
      checkRead(p, at, 'learn output', src.f, ctx);
      specs.push({ kind: 'output', src: src.sf });
    } else specs.push(matchSpec(p, t, ctx, learnedCtx(), learned));
  }
  if (specs.length === 0) p.fail(inner.col, 'learn: the learned flow needs at least one match, load or output spec');
  return { ...out, specs };
}

function loadSpec(p: LineContext, text: string, col: number, ctx: ActionContext, learnedCtx: ActionContext): LearnSpec {
  const i = text.indexOf('->');
  if (i < 0) return p.fail(col, `learn: expected load:FIELD[]->FIELD[] or load:VALUE->FIELD[], got 'load:${text}'`);
  const dst = parseSubfield(p, text.slice(i + 2), col + i + 2, 'learn load');
  checkWrite(p, col + i + 2, 'learn load', dst.f, learnedCtx);
  const srcText = text.slice(0, i);
  if (isSubfield(srcText)) {
    const src = parseSubfield(p, srcText, col, 'learn load');
    checkRead(p, col, 'learn load', src.f, ctx);
    if (subfieldWidth(src.sf) !== subfieldWidth(dst.sf))
      p.fail(col, `learn: load: the source is ${subfieldWidth(src.sf)} bits and the destination ${subfieldWidth(dst.sf)}`);
    return { kind: 'load', dst: dst.sf, src: src.sf };
  }
  const value = parseBig(srcText);
  if (value === undefined) return p.fail(col, `learn: load: expected a number or FIELD[], got '${srcText}'`);
  if (value >> BigInt(subfieldWidth(dst.sf)) !== 0n) p.fail(col, `learn: load: ${srcText} does not fit in ${subfieldWidth(dst.sf)} bits`);
  return { kind: 'load', dst: dst.sf, value };
}

function matchSpec(p: LineContext, t: Token, ctx: ActionContext, learnedCtx: ActionContext, learned: MatchField[]): LearnSpec {
  const eq = t.text.indexOf('=');
  const dstText = eq < 0 ? t.text : t.text.slice(0, eq);
  const srcText = eq < 0 ? undefined : t.text.slice(eq + 1);
  const srcCol = t.col + dstText.length + 1;
  // FIELD=VALUE names a whole field the way a match does; FIELD[..] is a subfield.
  const whole = !isSubfield(dstText);
  const named = whole ? SUB_FIELDS.get(dstText) : undefined;
  if (whole && !named) return p.fail(t.col, `learn: unknown field or argument '${dstText}'`);
  const dst = named ? { sf: { field: named.canonical, start: 0, end: fieldBits(named.def) - 1 }, f: named } : parseSubfield(p, dstText, t.col, 'learn');
  const bad = missing(dst.f.needs, learnedCtx);
  if (bad) p.fail(t.col, `learn: ${dst.f.canonical} in the learned flow: ${bad} (give it earlier in the learn, e.g. eth_type=0x800)`);
  if (srcText === undefined || isSubfield(srcText)) {
    if (whole && srcText === undefined) p.fail(t.col, `learn: ${dstText} needs a value or a source (${dstText}=VALUE, ${dstText}[]=FIELD[] or ${dstText}[])`);
    const src = srcText === undefined ? dst : parseSubfield(p, srcText, srcCol, 'learn');
    checkRead(p, srcText === undefined ? t.col : srcCol, 'learn', src.f, ctx);
    if (subfieldWidth(src.sf) !== subfieldWidth(dst.sf))
      p.fail(t.col, `learn: ${t.text}: the source is ${subfieldWidth(src.sf)} bits and the match ${subfieldWidth(dst.sf)}`);
    return { kind: 'match', dst: dst.sf, src: src.sf };
  }
  if (whole) {
    const value = dst.f.def.kind === 'port' ? String(p.port(srcText, srcCol, `learn ${dstText}`)) : srcText;
    const badValue = checkValue(dst.f.def, value);
    if (badValue) p.fail(srcCol, `learn: ${dstText}: ${badValue}`);
    learned.push({ name: dst.f.def.match?.name ?? dst.f.canonical, value });
    return { kind: 'match', dst: dst.sf, value };
  }
  const v = parseBig(srcText);
  if (v === undefined) return p.fail(srcCol, `learn: ${dstText}: expected a number or FIELD[], got '${srcText}'`);
  if (v >> BigInt(subfieldWidth(dst.sf)) !== 0n) p.fail(srcCol, `learn: ${srcText} does not fit in ${subfieldWidth(dst.sf)} bits`);
  return { kind: 'match', dst: dst.sf, value: srcText };
}
