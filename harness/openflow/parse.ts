import type { FlowRule, MatchField } from './rule.js';
import { checkMask, checkValue, CT_STATE_FLAGS, flagBits, impliedShorthands, MATCH_FIELDS, SHORTHANDS, type NamedField } from './fields.js';
import { LineContext, split, type ParseOptions } from './syntax.js';
import { parseActionList } from './actions.js';
import { CT_STATE_HINT, type ActionContext } from './context.js';

export { FlowSyntaxError, type ParseOptions } from './syntax.js';
export { parseOfctlGroups } from './groups.js';
export { parseOfctlMeters } from './meters.js';

/**
 * Reads OpenFlow rules in the subset of ovs-ofctl(8) flow syntax documented in SYNTAX.md:
 * one rule a line, `#` comments, ports by logical name. Every error is one line,
 * `source:line:column: what is wrong`.
 */

const COOKIE_MAX = 2n ** 64n - 1n;

class LineParser extends LineContext {
  value({ def }: NamedField, name: string, raw: string, col: number): { value: string; mask?: string } {
    const slash = raw.indexOf('/');
    const value = slash < 0 ? raw : raw.slice(0, slash);
    const mask = slash < 0 ? undefined : raw.slice(slash + 1);
    if (def.kind === 'port') return { value: String(this.port(value, col + name.length + 1, name)) };
    const bad = checkValue(def, value);
    if (bad) this.fail(col + name.length + 1, `${name}: ${bad}`);
    if (mask !== undefined) {
      if (!def.maskable) this.fail(col + name.length + 2 + value.length, `${name}: this field cannot be masked`);
      const isPrefix = (def.kind === 'ipv4' || def.kind === 'ipv6') && /^\d+$/.test(mask);
      const limit = def.kind === 'ipv4' ? 32 : 128;
      if (isPrefix && Number(mask) > limit) this.fail(col + name.length + 2 + value.length, `${name}: prefix /${mask} is longer than ${limit}`);
      const badMask = isPrefix ? undefined : checkMask(def, mask);
      if (badMask) this.fail(col + name.length + 2 + value.length, `${name}: bad mask: ${badMask}`);
    }
    return mask === undefined ? { value } : { value, mask };
  }

  /** The prerequisites beyond a protocol: a conntrack state, or another field OVS needs beside this one. */
  fieldPrerequisites(p: Pending, match: readonly MatchField[], ctState: boolean): void {
    const { def } = p.f;
    if (def.ct && !ctState) this.fail(p.col, `${p.name}: prerequisite missing: a conntrack state (${CT_STATE_HINT})`);
    const req = def.requires;
    if (!req) return;
    const other = match.find((m) => m.name === req.field);
    if (other && (!req.values || req.values.includes(Number(other.value)))) return;
    const what = req.values ? `${req.field}=${req.values.join(' or ')}` : req.field;
    this.fail(p.col, `${p.name}: prerequisite missing: ${what} (OVS drops ${p.name} from a match without it)`);
  }

  parse(line: string): FlowRule {
    const actionsAt = line.search(/(^|[\s,])actions=/);
    if (actionsAt < 0) this.fail(1, "missing 'actions=' (every rule needs actions, e.g. actions=drop)");
    const actionsCol = line.indexOf('actions=', actionsAt) + 'actions='.length + 1;
    const matchTokens = split(line.slice(0, actionsAt + (line[actionsAt] === 'a' ? 0 : 1)), 1, true);
    const actionTokens = split(line.slice(actionsCol - 1), actionsCol, false);

    let table = 0;
    let priority = 32768;
    let cookie: bigint | undefined;
    let idleTimeout: number | undefined;
    let hardTimeout: number | undefined;
    const match: MatchField[] = [];
    const seen = new Set<string>();
    const pending: Pending[] = [];
    for (const tok of matchTokens) {
      const eq = tok.text.indexOf('=');
      const name = eq < 0 ? tok.text : tok.text.slice(0, eq);
      const raw = eq < 0 ? undefined : tok.text.slice(eq + 1);
      const at = tok.col + name.length + 1;
      if (raw === undefined) {
        if (!SHORTHANDS.has(name)) this.fail(tok.col, MATCH_FIELDS.has(name) ? `${name}: needs a value (${name}=...)` : `unknown match field '${name}'`);
        if (seen.has(name)) this.fail(tok.col, `'${name}' given twice`);
        seen.add(name);
        match.push({ name, value: '' });
        continue;
      }
      switch (name) {
        case 'table':
          table = this.uint(raw, at, 'table', 254);
          continue;
        case 'priority':
          priority = this.uint(raw, at, 'priority', 65535);
          continue;
        case 'cookie':
          if (!/^(0x[0-9a-fA-F]{1,16}|\d+)$/.test(raw)) this.fail(at, `cookie: expected a number, got '${raw}'`);
          cookie = BigInt(raw);
          if (cookie > COOKIE_MAX) this.fail(at, `cookie: ${raw} is larger than ${COOKIE_MAX}`);
          continue;
        case 'idle_timeout':
          idleTimeout = this.uint(raw, at, name, 65535);
          continue;
        case 'hard_timeout':
          hardTimeout = this.uint(raw, at, name, 65535);
          continue;
      }
      const f = MATCH_FIELDS.get(name);
      if (!f) this.fail(tok.col, `unknown match field '${name}'`);
      if (seen.has(f.canonical)) this.fail(tok.col, `'${name}' given twice`);
      seen.add(f.canonical);
      const v = this.value(f, name, raw, tok.col);
      match.push({ name: f.canonical, ...v });
      pending.push({ name, f, needs: f.needs, col: tok.col });
    }
    // Prerequisites: a shorthand, or dl_type naming the protocol.
    const implied = impliedShorthands(match);
    for (const p of pending) {
      if (p.needs && !p.needs.some((n) => implied.has(n))) this.fail(p.col, `${p.name}: prerequisite missing (add one of: ${p.needs.join(', ')})`);
    }
    const ctState = validCtState(match);
    for (const p of pending) this.fieldPrerequisites(p, match, ctState);
    const ctx: ActionContext = { implied, vlans: matchesVlanHeader(match) ? 1 : 0, ctState };
    const actions = parseActionList(this, actionTokens, ctx, actionsCol);
    return {
      table,
      priority,
      ...(cookie !== undefined ? { cookie } : {}),
      ...(idleTimeout !== undefined ? { idleTimeout } : {}),
      ...(hardTimeout !== undefined ? { hardTimeout } : {}),
      match,
      actions,
      source: `${this.o.source}:${this.lineNo}`,
    };
  }
}

interface Pending {
  readonly name: string;
  readonly f: NamedField;
  readonly needs: readonly string[] | undefined;
  readonly col: number;
}

/**
 * Whether the match establishes a valid conntrack state, as OVS's is_ct_valid() asks of the
 * ct_nw_ and ct_tp_ fields and resubmit(,T,ct): one of new est rel rpl snat dnat set, or trk set
 * and inv clear.
 */
function validCtState(match: readonly MatchField[]): boolean {
  const m = match.find((x) => x.name === 'ct_state');
  const def = MATCH_FIELDS.get('ct_state')?.def;
  if (!m || !def) return false;
  const { value, mask } = flagBits(def, m.value, m.mask);
  const F = CT_STATE_FLAGS;
  const set = value & mask;
  return (set & (F.new | F.est | F.rel | F.rpl | F.snat | F.dnat)) !== 0 || ((set & F.trk) !== 0 && (mask & F.inv) !== 0 && (set & F.inv) === 0);
}

/** Whether the match only takes frames with a VLAN header (OVS sets VLAN_CFI in the match). */
function matchesVlanHeader(match: readonly MatchField[]): boolean {
  return match.some((m) => {
    if (m.name === 'dl_vlan') return Number(m.value) !== 0xffff;
    if (m.name === 'dl_vlan_pcp') return true;
    if (m.name === 'vlan_tci') return (Number(m.value) & Number(m.mask ?? 0xffff) & 0x1000) !== 0;
    return false;
  });
}

/** Parses a rule file or snippet. Throws FlowSyntaxError at the first problem. */
export function parseOfctlFlows(text: string, o: ParseOptions): FlowRule[] {
  const rules: FlowRule[] = [];
  text.split('\n').forEach((line, i) => {
    const body = line.replace(/#.*$/, '').trimEnd();
    if (!body.trim()) return;
    rules.push(new LineParser(o, i + 1).parse(body));
  });
  return rules;
}
