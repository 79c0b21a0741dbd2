import type { OfAction } from './rule.js';
import { checkKind, checkMask, checkValue, IP_ANY, MPLS, parseBig, parseUint, SET_FIELDS, SHORTHAND_MATCH } from './fields.js';
import { checkRead, checkWrite, CT_STATE_HINT, missing, nestedContext, type ActionContext } from './context.js';
import { LineContext, split, type Token } from './syntax.js';
import { parseSubfield, subfieldWidth } from './subfield.js';
import { parseCt } from './ct.js';
import { parseLearn } from './learn.js';

/**
 * The action table: one parser an action name, in the manner of ovs-ofp-actions' parse_X
 * (the printer, format.ts, is its other half). Nested lists (clone, ct's exec, group buckets)
 * are read by the same table.
 */

interface Call {
  readonly p: LineContext;
  readonly tok: Token;
  readonly name: string;
  /** What follows the name: '', `:ARG` or `(ARGS)`. */
  readonly rest: string;
  readonly ctx: ActionContext;
}
type Parser = (c: Call) => OfAction;

/** `name:ARG`: the argument and its column. */
function arg(c: Call): { text: string; col: number } {
  if (!c.rest.startsWith(':')) c.p.fail(c.tok.col, `${c.name}: expected ${c.name}:VALUE, got '${c.tok.text}'`);
  return { text: c.rest.slice(1), col: c.tok.col + c.name.length + 1 };
}

function bare(a: OfAction): Parser {
  return (c) => (c.rest ? c.p.fail(c.tok.col, `${c.name}: takes no argument, got '${c.tok.text}'`) : a);
}

/** `key=value` arguments inside `name(...)`, each known to `keys`, none twice. */
function keyArgs(c: Call, keys: readonly string[]): Map<string, Token> {
  const out = new Map<string, Token>();
  for (const t of split(c.p.inner(c.tok, c.name).text, c.tok.col + c.name.length + 1, false)) {
    const eq = t.text.indexOf('=');
    const key = eq < 0 ? t.text : t.text.slice(0, eq);
    if (!keys.includes(key)) c.p.fail(t.col, `${c.name}: unknown argument '${key}' (known: ${keys.join(', ')})`);
    if (out.has(key)) c.p.fail(t.col, `${c.name}: '${key}' given twice`);
    out.set(key, { text: eq < 0 ? '' : t.text.slice(eq + 1), col: t.col + key.length + 1 });
  }
  return out;
}

const uintArg =
  <T extends OfAction['type']>(type: T, key: string, max: number, needs?: readonly string[]): Parser =>
  (c) => {
    const a = arg(c);
    const v = c.p.uint(a.text, a.col, c.name, max);
    const bad = missing(needs, c.ctx);
    if (bad) c.p.fail(c.tok.col, `${c.name}: ${bad}`);
    return { type, [key]: v } as unknown as OfAction;
  };

function setField(c: Call): OfAction {
  const m = /^:(.+)->([A-Za-z0-9_]+)$/.exec(c.rest);
  if (!m) return c.p.fail(c.tok.col, `set_field: expected set_field:VALUE->FIELD, got '${c.tok.text}'`);
  const [, raw, name] = m as unknown as [string, string, string];
  const f = SET_FIELDS.get(name);
  if (!f) return c.p.fail(c.tok.col + c.tok.text.length - name.length, `set_field: unknown or unsupported field '${name}' (supported: ${SET_FIELD_LIST})`);
  const slash = raw.indexOf('/');
  const value = slash < 0 ? raw : raw.slice(0, slash);
  const mask = slash < 0 ? undefined : raw.slice(slash + 1);
  const bad = checkValue(f.def, value);
  if (bad) c.p.fail(c.tok.col + 10, `set_field ${name}: ${bad}`);
  if (mask !== undefined) {
    const at = c.tok.col + 11 + value.length;
    if (!f.def.maskable) c.p.fail(at, `set_field ${name}: this field cannot be written masked`);
    // A prefix length here is misread by ovs-ofctl (it writes the whole address): masks are spelled out.
    const badMask = /^\d+$/.test(mask) && (f.def.kind === 'ipv4' || f.def.kind === 'ipv6') ? `write the mask out, not /${mask}` : checkMask(f.def, mask);
    if (badMask) c.p.fail(at, `set_field ${name}: bad mask: ${badMask}`);
  }
  // OVS refuses a set_field whose field the rule does not guarantee ("lacks correct prerequisites").
  const why = missing(f.needs, c.ctx);
  if (why) c.p.fail(c.tok.col, `set_field ${name}: ${why}`);
  return { type: 'set_field', field: f.canonical, value, ...(mask !== undefined ? { mask } : {}) };
}

/** Canonical set_field names, with numbered families (reg0..reg15, tun_metadata0..63) said once. */
const SET_FIELD_LIST = (() => {
  const names = [...new Set([...SET_FIELDS.values()].map((x) => x.canonical))];
  const families = new Map<string, number[]>();
  for (const n of names) {
    const m = /^([a-z_]+?)(\d+)$/.exec(n);
    if (m) families.set(m[1] as string, [...(families.get(m[1] as string) ?? []), Number(m[2])]);
  }
  const out: string[] = [];
  for (const n of names) {
    const m = /^([a-z_]+?)(\d+)$/.exec(n);
    const nums = m ? (families.get(m[1] as string) ?? []) : [];
    if (!m || nums.length < 3) out.push(n);
    else if (Number(m[2]) === nums[0]) out.push(`${m[1]}${nums[0]}..${m[1]}${nums[nums.length - 1]}`);
  }
  return out.join(', ');
})();

function load(c: Call): OfAction {
  const { text, col } = arg(c);
  const i = text.indexOf('->');
  if (i < 0) c.p.fail(col, `load: expected load:VALUE->FIELD[lo..hi], got '${c.tok.text}'`);
  const { sf: dst, f } = parseSubfield(c.p, text.slice(i + 2), col + i + 2, 'load');
  const value = parseBig(text.slice(0, i));
  if (value === undefined) c.p.fail(col, `load: expected a number, got '${text.slice(0, i)}' (move:FIELD[]->FIELD[] copies a field)`);
  const bits = subfieldWidth(dst);
  if (value >> BigInt(bits) !== 0n) c.p.fail(col, `load: ${text.slice(0, i)} does not fit in ${bits} bits`);
  checkWrite(c.p, col + i + 2, 'load', f, c.ctx);
  return { type: 'load', value, dst };
}

function move(c: Call): OfAction {
  const { text, col } = arg(c);
  const i = text.indexOf('->');
  if (i < 0) c.p.fail(col, `move: expected move:FIELD[lo..hi]->FIELD[lo..hi], got '${c.tok.text}'`);
  const src = parseSubfield(c.p, text.slice(0, i), col, 'move');
  const dst = parseSubfield(c.p, text.slice(i + 2), col + i + 2, 'move');
  checkRead(c.p, col, 'move', src.f, c.ctx);
  checkWrite(c.p, col + i + 2, 'move', dst.f, c.ctx);
  if (subfieldWidth(src.sf) !== subfieldWidth(dst.sf))
    c.p.fail(col, `move: the source is ${subfieldWidth(src.sf)} bits and the destination ${subfieldWidth(dst.sf)}; they must be the same width`);
  return { type: 'move', src: src.sf, dst: dst.sf };
}

function resubmit(c: Call): OfAction {
  const m = /^(?::(\w+)|\((\w*),(\d*)(?:,(\w+))?\))$/.exec(c.rest);
  if (!m) return c.p.fail(c.tok.col, `resubmit: expected resubmit:PORT, resubmit(PORT,TABLE) or resubmit(PORT,TABLE,ct), got '${c.tok.text}'`);
  const portText = m[1] ?? m[2];
  const port = portText ? c.p.port(portText, c.tok.col + 9, 'resubmit') : undefined;
  const table = m[3] ? c.p.uint(m[3], c.tok.col, 'resubmit table', 254) : undefined;
  if (port === undefined && table === undefined) c.p.fail(c.tok.col, 'resubmit: needs a port or a table');
  if (m[4] !== undefined && m[4] !== 'ct') c.p.fail(c.tok.col, `resubmit: the third argument can only be 'ct', got '${m[4]}'`);
  // OVS refuses to look the table up with a conntrack tuple the match does not establish.
  if (m[4] && !c.ctx.ctState && !c.ctx.unchecked) c.p.fail(c.tok.col, `resubmit(,,ct): needs a conntrack state matched (${CT_STATE_HINT})`);
  return { type: 'resubmit', ...(port !== undefined ? { port } : {}), ...(table !== undefined ? { table } : {}), ...(m[4] ? { ct: true as const } : {}) };
}

function controller(c: Call): OfAction {
  if (c.rest === '') return { type: 'controller' };
  if (c.rest.startsWith(':')) {
    // ofp_action_output's max_len is 16 bits.
    const a = arg(c);
    if (Number(a.text) > 65535) c.p.fail(c.tok.col, `controller: max_len ${a.text} is larger than 65535`);
    return { type: 'controller', maxLen: c.p.uint(a.text, a.col, 'controller', 65535) };
  }
  const args = keyArgs(c, ['reason', 'max_len', 'userdata']);
  const maxLen = args.get('max_len');
  if (maxLen && Number(maxLen.text) > 65535) c.p.fail(c.tok.col, `controller: max_len ${maxLen.text} is larger than 65535`);
  const reason = args.get('reason');
  const reasons = ['action', 'no_match', 'invalid_ttl', 'action_set', 'group', 'packet_out'];
  if (reason && !reasons.includes(reason.text)) c.p.fail(reason.col, `controller: unknown reason '${reason.text}' (known: ${reasons.join(', ')})`);
  const userdata = args.get('userdata');
  if (userdata && !/^[0-9a-fA-F]{2}(\.[0-9a-fA-F]{2})*$/.test(userdata.text))
    c.p.fail(userdata.col, `controller: userdata is hex bytes joined by dots (00.11.22), got '${userdata.text}'`);
  return {
    type: 'controller',
    ...(maxLen ? { maxLen: c.p.uint(maxLen.text, maxLen.col, 'controller max_len', 65535) } : {}),
    ...(reason ? { reason: reason.text } : {}),
    ...(userdata ? { userdata: userdata.text } : {}),
  };
}

function decTtl(c: Call): OfAction {
  if (c.rest === '') return { type: 'dec_ttl' };
  const inner = c.p.inner(c.tok, 'dec_ttl');
  const ids = split(inner.text, inner.col, false).map((t) => c.p.uint(t.text, t.col, 'dec_ttl controller id', 65535));
  if (ids.length === 0) c.p.fail(inner.col, 'dec_ttl: give controller ids in dec_ttl(ID,...), or none with plain dec_ttl');
  return { type: 'dec_ttl', ids };
}

function outputTrunc(c: Call): OfAction {
  const args = keyArgs(c, ['port', 'max_len']);
  const port = args.get('port');
  const maxLen = args.get('max_len');
  if (!port || !maxLen) return c.p.fail(c.tok.col, 'output: output(port=P,max_len=N) needs both port and max_len');
  // OVS refuses to truncate below an Ethernet header.
  return { type: 'output_trunc', port: c.p.port(port.text, port.col, 'output'), maxLen: c.p.uint(maxLen.text, maxLen.col, 'output max_len', 0xffffffff, 14) };
}

function sample(c: Call): OfAction {
  const args = keyArgs(c, ['probability', 'collector_set_id', 'obs_domain_id', 'obs_point_id', 'sampling_port']);
  const probability = args.get('probability');
  if (!probability) return c.p.fail(c.tok.col, 'sample: needs probability=N (1..65535, out of 65535)');
  const u32 = (key: string) => {
    const t = args.get(key);
    return t ? c.p.uint(t.text, t.col, `sample ${key}`, 0xffffffff) : undefined;
  };
  const port = args.get('sampling_port');
  const [collectorSetId, obsDomainId, obsPointId] = [u32('collector_set_id'), u32('obs_domain_id'), u32('obs_point_id')];
  return {
    type: 'sample',
    probability: c.p.uint(probability.text, probability.col, 'sample probability', 65535, 1),
    ...(collectorSetId !== undefined ? { collectorSetId } : {}),
    ...(obsDomainId !== undefined ? { obsDomainId } : {}),
    ...(obsPointId !== undefined ? { obsPointId } : {}),
    ...(port ? { samplingPort: c.p.port(port.text, port.col, 'sample sampling_port') } : {}),
  };
}

function checkPktLarger(c: Call): OfAction {
  const m = /^\(([^)]*)\)->(.+)$/.exec(c.rest);
  if (!m) return c.p.fail(c.tok.col, `check_pkt_larger: expected check_pkt_larger(LEN)->FIELD[bit], got '${c.tok.text}'`);
  const len = c.p.uint(m[1], c.tok.col + 17, 'check_pkt_larger', 65535);
  const at = c.tok.col + c.tok.text.length - (m[2] as string).length;
  const { sf: dst, f } = parseSubfield(c.p, m[2] as string, at, 'check_pkt_larger');
  if (subfieldWidth(dst) !== 1) c.p.fail(at, `check_pkt_larger: the result is one bit (FIELD[bit]), got ${subfieldWidth(dst)} bits`);
  checkWrite(c.p, at, 'check_pkt_larger', f, c.ctx);
  return { type: 'check_pkt_larger', len, dst };
}

function pushMpls(c: Call): OfAction {
  const a = arg(c);
  const ethertype = c.p.uint(a.text, a.col, 'push_mpls', 0xffff);
  const short = Object.entries(SHORTHAND_MATCH).find(([s, m]) => MPLS.includes(s) && m.dlType === ethertype)?.[0];
  if (!short) return c.p.fail(a.col, `push_mpls: ethertype must be 0x8847 or 0x8848, got ${a.text}`);
  // What was under the new label is opaque now: IP and L4 fields are not there to set.
  c.ctx.implied = new Set([short]);
  return { type: 'push_mpls', ethertype };
}

function popMpls(c: Call): OfAction {
  const a = arg(c);
  const ethertype = c.p.uint(a.text, a.col, 'pop_mpls', 0xffff);
  const bad = missing(MPLS, c.ctx);
  if (bad) c.p.fail(c.tok.col, `pop_mpls: ${bad}`);
  // The ethertype given is what the frame is now; OVS knows nothing of its nw_proto.
  c.ctx.implied = new Set(Object.entries(SHORTHAND_MATCH).flatMap(([s, m]) => (m.dlType === ethertype && m.nwProto === undefined ? [s] : [])));
  return { type: 'pop_mpls', ethertype };
}

const tunnelId =
  (type: 'set_tunnel' | 'set_tunnel64'): Parser =>
  (c) => {
    const a = arg(c);
    return { type, id: c.p.big(a.text, a.col, type, 64) };
  };

function addrArg(kind: 'mac' | 'ipv4', build: (name: string, v: string) => OfAction): Parser {
  return (c) => {
    const a = arg(c);
    const bad = checkKind(kind, a.text);
    if (bad) c.p.fail(a.col, `${c.name}: ${bad}`);
    return build(c.name, a.text);
  };
}

function output(c: Call): OfAction {
  if (c.rest.startsWith('(')) return outputTrunc(c);
  const a = arg(c);
  return { type: 'output', port: c.p.port(a.text, a.col, 'output') };
}

function modNwTos(c: Call): OfAction {
  const a = arg(c);
  const tos = c.p.uint(a.text, a.col, c.name, 255);
  if (tos & 3) c.p.fail(a.col, `mod_nw_tos: ${a.text} sets ECN bits; the value must be a multiple of 4`);
  return { type: 'mod_nw_tos', tos };
}

function pushVlan(c: Call): OfAction {
  const a = arg(c);
  const ethertype = c.p.uint(a.text, a.col, 'push_vlan', 0xffff);
  if (ethertype !== 0x8100 && ethertype !== 0x88a8) c.p.fail(a.col, `push_vlan: ethertype must be 0x8100 or 0x88a8, got ${a.text}`);
  return { type: 'push_vlan', ethertype };
}

function clone(c: Call): OfAction {
  const inner = c.p.inner(c.tok, 'clone');
  // The clone's changes to the packet end with it: what follows sees the frame as before.
  const actions = parseActionList(c.p, split(inner.text, inner.col, false), nestedContext(c.ctx), inner.col);
  return { type: 'clone', actions };
}

const OFP_GROUP_MAX = 0xffffff00;
const OFP_METER_MAX = 0xffff0000;

const ACTIONS: Readonly<Record<string, Parser>> = {
  drop: bare({ type: 'drop' }),
  flood: bare({ type: 'flood' }),
  all: bare({ type: 'all' }),
  normal: bare({ type: 'normal' }),
  in_port: bare({ type: 'in_port' }),
  strip_vlan: bare({ type: 'strip_vlan' }),
  pop_vlan: bare({ type: 'strip_vlan' }),
  ct_clear: bare({ type: 'ct_clear' }),
  dec_mpls_ttl: (c) => {
    const bad = missing(MPLS, c.ctx);
    return bad ? c.p.fail(c.tok.col, `dec_mpls_ttl: ${bad}`) : bare({ type: 'dec_mpls_ttl' })(c);
  },
  dec_ttl: decTtl,
  controller,
  output,
  set_field: setField,
  load,
  move,
  resubmit,
  goto_table: uintArg('goto_table', 'table', 254),
  push_vlan: pushVlan,
  mod_vlan_vid: uintArg('mod_vlan_vid', 'vid', 4095),
  mod_vlan_pcp: uintArg('mod_vlan_pcp', 'pcp', 7),
  mod_dl_src: addrArg('mac', (n, mac) => ({ type: n as 'mod_dl_src', mac })),
  mod_dl_dst: addrArg('mac', (n, mac) => ({ type: n as 'mod_dl_dst', mac })),
  mod_nw_src: addrArg('ipv4', (n, ip) => ({ type: n as 'mod_nw_src', ip })),
  mod_nw_dst: addrArg('ipv4', (n, ip) => ({ type: n as 'mod_nw_dst', ip })),
  mod_nw_tos: modNwTos,
  mod_nw_ecn: uintArg('mod_nw_ecn', 'ecn', 3, IP_ANY),
  mod_nw_ttl: uintArg('mod_nw_ttl', 'ttl', 255),
  mod_tp_src: uintArg('mod_tp_src', 'port', 0xffff),
  mod_tp_dst: uintArg('mod_tp_dst', 'port', 0xffff),
  ct: (c) => parseCt(c.p, c.tok, c.ctx, parseAction),
  push_mpls: pushMpls,
  pop_mpls: popMpls,
  set_mpls_label: uintArg('set_mpls_label', 'label', 0xfffff, MPLS),
  set_mpls_tc: uintArg('set_mpls_tc', 'tc', 7, MPLS),
  set_mpls_ttl: uintArg('set_mpls_ttl', 'ttl', 255, MPLS),
  set_tunnel: tunnelId('set_tunnel'),
  set_tunnel64: tunnelId('set_tunnel64'),
  group: uintArg('group', 'group', OFP_GROUP_MAX),
  meter: (c) => {
    const a = arg(c);
    return { type: 'meter', meter: c.p.uint(a.text, a.col, 'meter', OFP_METER_MAX, 1) };
  },
  clone,
  check_pkt_larger: checkPktLarger,
  sample,
  learn: (c) => parseLearn(c.p, c.tok, c.ctx),
};

/** One action, and what it does to the VLAN headers later actions see. */
export function parseAction(p: LineContext, tok: Token, ctx: ActionContext): OfAction {
  const name = /^[a-z_0-9]+/.exec(tok.text)?.[0] ?? '';
  const parser = ACTIONS[name];
  if (!parser) {
    // A bare port is `output:` (ovs-ofctl accepts `actions=2`).
    if (p.o.ports[tok.text] !== undefined || parseUint(tok.text) !== undefined) return { type: 'output', port: p.port(tok.text, tok.col, 'output') };
    const key = tok.text.split(/[=:(]/)[0];
    return p.fail(tok.col, `unknown action '${key}'`);
  }
  const a = parser({ p, tok, name, rest: tok.text.slice(name.length), ctx });
  if (a.type === 'push_vlan') ctx.vlans += 1;
  // Without a tag, OVS's mod_vlan_vid/mod_vlan_pcp push one.
  if (a.type === 'mod_vlan_vid' || a.type === 'mod_vlan_pcp') ctx.vlans = Math.max(ctx.vlans, 1);
  if (a.type === 'strip_vlan') ctx.vlans = Math.max(ctx.vlans - 1, 0);
  return a;
}

/** A comma-separated action list; `col` is where it starts, for the errors about the list as a whole. */
export function parseActionList(p: LineContext, tokens: readonly Token[], ctx: ActionContext, col: number): OfAction[] {
  if (tokens.length === 0) p.fail(col, "empty action list (use 'actions=drop' to drop)");
  const actions = tokens.map((t) => parseAction(p, t, ctx));
  if (actions.some((a) => a.type === 'drop') && actions.length > 1) p.fail(col, "'drop' must be the only action");
  return actions;
}
