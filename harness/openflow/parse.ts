import type { FlowRule, MatchField, OfAction } from './rule.js';
import {
  checkKind,
  checkMask,
  checkValue,
  MATCH_FIELDS,
  parseUint,
  SET_FIELDS,
  SHORTHAND_MATCH,
  SHORTHANDS,
  VLAN_HEADER,
  widthMax,
  type NamedField,
} from './fields.js';
import { PositionedError } from '../text/positioned-error.js';

/**
 * Reads OpenFlow rules in the subset of ovs-ofctl(8) flow syntax documented in SYNTAX.md:
 * one rule a line, `#` comments, ports by logical name. Every error is one line,
 * `source:line:column: what is wrong`.
 */

export interface ParseOptions {
  /** File name or other origin, used in errors and in each rule's `source`. */
  readonly source: string;
  /** Logical port name -> OpenFlow port number. Numbers are also accepted where ports go. */
  readonly ports: Readonly<Record<string, number>>;
}

export class FlowSyntaxError extends PositionedError {}

interface Token {
  readonly text: string;
  /** 1-based column in the line. */
  readonly col: number;
}

/** Splits on commas (and, in the match part, blanks) outside parentheses. */
function split(text: string, startCol: number, blanks: boolean): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let cur = '';
  let curCol = startCol;
  for (let i = 0; i <= text.length; i += 1) {
    const ch = text[i];
    const sep = ch === undefined || (depth === 0 && (ch === ',' || (blanks && /\s/.test(ch))));
    if (sep) {
      if (cur.trim()) out.push({ text: cur.trim(), col: curCol + (cur.length - cur.trimStart().length) });
      cur = '';
      curCol = startCol + i + 1;
      continue;
    }
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    cur += ch;
  }
  return out;
}

/** OpenFlow 1.0 port numbers, as ovs-ofctl takes them in matches and actions. */
const PORT_MAX = widthMax(MATCH_FIELDS.get('in_port')?.def.bits);
const COOKIE_MAX = 2n ** 64n - 1n;

/** What the rule guarantees about the frame where an action runs: set_field needs its field present. */
interface ActionContext {
  /** Protocol shorthands the match implies (`ip` for `tcp`, `tcp` for `ip,nw_proto=6`, ...). */
  readonly implied: ReadonlySet<string>;
  /** VLAN headers the frame has here: matched, then pushed and popped by the actions so far. */
  vlans: number;
}

function keyValue(tok: string): [string, string | undefined] {
  const i = tok.search(/[=:]/);
  return i < 0 ? [tok, undefined] : [tok.slice(0, i), tok.slice(i + 1)];
}

class LineParser {
  constructor(
    private readonly o: ParseOptions,
    private readonly lineNo: number,
  ) {}

  fail(col: number, reason: string): never {
    throw new FlowSyntaxError(this.o.source, this.lineNo, col, reason);
  }

  port(text: string, col: number, what: string): number {
    const n = this.o.ports[text] ?? parseUint(text);
    if (n === undefined) this.fail(col, `${what}: unknown port '${text}' (known: ${Object.keys(this.o.ports).join(', ') || 'none'})`);
    if (n > PORT_MAX) this.fail(col, `${what}: port ${text} is larger than ${PORT_MAX}`);
    return n;
  }

  uint(text: string | undefined, col: number, what: string, max: number): number {
    const v = text === undefined ? undefined : parseUint(text);
    if (v === undefined) this.fail(col, `${what}: expected a number, got '${text ?? ''}'`);
    if (v > max) this.fail(col, `${what}: ${text} is larger than ${max}`);
    return v;
  }

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

  /** One action, and what it does to the VLAN headers later actions see. */
  action(tok: Token, ctx: ActionContext): OfAction {
    const a = this.actionOf(tok, ctx);
    if (a.type === 'push_vlan') ctx.vlans += 1;
    // Without a tag, OVS's mod_vlan_vid/mod_vlan_pcp push one.
    if (a.type === 'mod_vlan_vid' || a.type === 'mod_vlan_pcp') ctx.vlans = Math.max(ctx.vlans, 1);
    if (a.type === 'strip_vlan') ctx.vlans = Math.max(ctx.vlans - 1, 0);
    return a;
  }

  actionOf(tok: Token, ctx: ActionContext): OfAction {
    const { text, col } = tok;
    if (text === 'drop') return { type: 'drop' };
    if (text === 'flood' || text === 'all' || text === 'normal' || text === 'in_port' || text === 'dec_ttl') return { type: text };
    if (text === 'strip_vlan' || text === 'pop_vlan') return { type: 'strip_vlan' };
    if (text === 'controller') return { type: 'controller' };
    const ctl = /^controller(?::(\d+)|\(max_len=(\d+)\))$/.exec(text);
    if (ctl) {
      const maxLen = ctl[1] ?? ctl[2] ?? '';
      // ofp_action_output's max_len is 16 bits.
      if (Number(maxLen) > 65535) this.fail(col, `controller: max_len ${maxLen} is larger than 65535`);
      return { type: 'controller', maxLen: Number(maxLen) };
    }
    const sf = /^set_field:(.+)->([a-z0-9_]+)$/.exec(text);
    if (sf) {
      const [, value, name] = sf as unknown as [string, string, string];
      const f = SET_FIELDS.get(name);
      if (!f)
        this.fail(
          col + text.length - name.length,
          `set_field: unknown or unsupported field '${name}' (supported: ${[...new Set([...SET_FIELDS.values()].map((x) => x.canonical))].join(', ')})`,
        );
      const bad = checkValue(f.def, value);
      if (bad) this.fail(col + 10, `set_field ${name}: ${bad}`);
      // OVS refuses a set_field whose field the rule does not guarantee ("lacks correct prerequisites").
      if (f.needs && !f.needs.some((n) => (n === VLAN_HEADER ? ctx.vlans > 0 : ctx.implied.has(n)))) {
        if (f.needs.includes(VLAN_HEADER)) this.fail(col, `set_field ${name}: the frame has no VLAN header here (match one with dl_vlan, or push_vlan first)`);
        this.fail(col, `set_field ${name}: prerequisite missing (add one of: ${f.needs.join(', ')})`);
      }
      return { type: 'set_field', field: f.canonical, value };
    }
    if (text.startsWith('set_field')) this.fail(col, `set_field: expected set_field:VALUE->FIELD, got '${text}'`);
    const rs = /^resubmit(?::(\w+)|\((\w*),(\d*)\))$/.exec(text);
    if (rs) {
      const portText = rs[1] ?? rs[2];
      const port = portText ? this.port(portText, col + 9, 'resubmit') : undefined;
      const table = rs[3] ? this.uint(rs[3], col, 'resubmit table', 254) : undefined;
      if (port === undefined && table === undefined) this.fail(col, 'resubmit: needs a port or a table');
      return { type: 'resubmit', ...(port !== undefined ? { port } : {}), ...(table !== undefined ? { table } : {}) };
    }
    const [name, arg] = keyValue(text);
    const at = col + name.length + 1;
    switch (name) {
      case 'output':
        return { type: 'output', port: this.port(arg ?? '', at, 'output') };
      case 'push_vlan': {
        const ethertype = this.uint(arg, at, 'push_vlan', 0xffff);
        if (ethertype !== 0x8100 && ethertype !== 0x88a8) this.fail(at, `push_vlan: ethertype must be 0x8100 or 0x88a8, got ${arg}`);
        return { type: 'push_vlan', ethertype };
      }
      case 'mod_vlan_vid':
        return { type: 'mod_vlan_vid', vid: this.uint(arg, at, name, 4095) };
      case 'mod_vlan_pcp':
        return { type: 'mod_vlan_pcp', pcp: this.uint(arg, at, name, 7) };
      case 'mod_dl_src':
      case 'mod_dl_dst': {
        const bad = checkKind('mac', arg ?? '');
        if (bad) this.fail(at, `${name}: ${bad}`);
        return { type: name, mac: arg as string };
      }
      case 'mod_nw_src':
      case 'mod_nw_dst': {
        const bad = checkKind('ipv4', arg ?? '');
        if (bad) this.fail(at, `${name}: ${bad}`);
        return { type: name, ip: arg as string };
      }
      case 'mod_nw_tos': {
        const tos = this.uint(arg, at, name, 255);
        if (tos & 3) this.fail(at, `mod_nw_tos: ${arg} sets ECN bits; the value must be a multiple of 4`);
        return { type: 'mod_nw_tos', tos };
      }
      case 'mod_nw_ttl':
        return { type: 'mod_nw_ttl', ttl: this.uint(arg, at, name, 255) };
      case 'mod_tp_src':
      case 'mod_tp_dst':
        return { type: name, port: this.uint(arg, at, name, 0xffff) };
      case 'goto_table':
        return { type: 'goto_table', table: this.uint(arg, at, name, 254) };
      default:
        // A bare port is `output:` (ovs-ofctl accepts `actions=2`).
        if (arg === undefined && (this.o.ports[text] !== undefined || parseUint(text) !== undefined))
          return { type: 'output', port: this.port(text, col, 'output') };
        return this.fail(col, `unknown action '${name}'`);
    }
  }

  parse(line: string): FlowRule {
    const actionsAt = line.search(/(^|[\s,])actions=/);
    if (actionsAt < 0) this.fail(1, "missing 'actions=' (every rule needs actions, e.g. actions=drop)");
    const actionsCol = line.indexOf('actions=', actionsAt) + 'actions='.length + 1;
    const matchTokens = split(line.slice(0, actionsAt + (line[actionsAt] === 'a' ? 0 : 1)), 1, true);
    const actionTokens = split(line.slice(actionsCol - 1), actionsCol, false);
    if (actionTokens.length === 0) this.fail(actionsCol, "empty action list (use 'actions=drop' to drop)");

    let table = 0;
    let priority = 32768;
    let cookie: bigint | undefined;
    let idleTimeout: number | undefined;
    let hardTimeout: number | undefined;
    const match: MatchField[] = [];
    const seen = new Set<string>();
    const pending: { name: string; needs: readonly string[]; col: number }[] = [];
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
      if (f.needs) pending.push({ name, needs: f.needs, col: tok.col });
    }
    // Prerequisites: a shorthand, or dl_type naming the protocol.
    const dlType = match.find((m) => m.name === 'dl_type')?.value;
    const proto = match.find((m) => m.name === 'nw_proto')?.value;
    const implied = new Set(match.filter((m) => m.value === '').map((m) => m.name));
    // The network layer, from a shorthand such as `ip` or from dl_type spelled out; with
    // nw_proto, the transport shorthand (`tcp`, `icmp6`) is implied too.
    const networkShorthands = [...implied].flatMap((i) => SHORTHAND_MATCH[i] ?? []).filter((m) => m.nwProto === undefined);
    const netTypes = new Set(networkShorthands.map((m) => m.dlType));
    if (dlType !== undefined) netTypes.add(Number(dlType));
    for (const [short, m] of Object.entries(SHORTHAND_MATCH)) {
      if (netTypes.has(m.dlType) && (m.nwProto === undefined || (proto !== undefined && Number(proto) === m.nwProto))) implied.add(short);
    }
    for (const p of pending) {
      if (!p.needs.some((n) => implied.has(n))) this.fail(p.col, `${p.name}: prerequisite missing (add one of: ${p.needs.join(', ')})`);
    }
    const ctx: ActionContext = { implied, vlans: matchesVlanHeader(match) ? 1 : 0 };
    const actions = actionTokens.map((t) => this.action(t, ctx));
    if (actions.some((a) => a.type === 'drop') && actions.length > 1) this.fail(actionsCol, "'drop' must be the only action");
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
