import type { CtAction, NatSpec, OfAction, SubField } from './rule.js';
import { checkKind, IP, IP6, IP_ANY, TCP, UDP } from './fields.js';
import { checkRead, missing, nestedContext, type ActionContext } from './context.js';
import { split, type LineContext, type Token } from './syntax.js';
import { isSubfield, parseSubfield, subfieldWidth } from './subfield.js';
import { ipv4ToBytes, ipv6ToBytes } from '../packet/index.js';

/**
 * `ct(...)` and its `nat(...)` (ovs-actions(7) "The ct action"), with the checks OVS makes when
 * it installs the flow: ct needs IP or IPv6, alg its transport, nat an address family the match
 * guarantees, and exec writes only the connection's ct_mark and ct_label.
 */

type ActionParser = (p: LineContext, tok: Token, ctx: ActionContext) => OfAction;

const CT_ARGS = ['commit', 'force', 'zone', 'table', 'alg', 'exec', 'nat'];

export function parseCt(p: LineContext, tok: Token, ctx: ActionContext, parseAction: ActionParser): CtAction {
  const fail = (col: number, reason: string): never => p.fail(col, `ct: ${reason}`);
  const prereq = missing(IP_ANY, ctx);
  if (prereq) fail(tok.col, prereq);
  if (tok.text === 'ct') return { type: 'ct' };
  const inner = p.inner(tok, 'ct');
  const seen = new Set<string>();
  let out: { -readonly [K in keyof CtAction]: CtAction[K] } = { type: 'ct' };
  for (const t of split(inner.text, inner.col, false)) {
    const key = /^[a-z_]+/.exec(t.text)?.[0] ?? t.text;
    const value = t.text.slice(key.length + 1);
    const at = t.col + key.length + 1;
    if (!CT_ARGS.includes(key)) {
      // ovs-ofctl 3.1 has no ct timeout: timeout policies belong to zones, in the OVS database.
      const why = key === 'timeout' ? ' (ovs-ofctl 3.1 refuses it: timeout policies are set per zone in the OVS database)' : '';
      fail(t.col, `unknown argument '${key}'${why} (known: ${CT_ARGS.join(', ')})`);
    }
    if (seen.has(key)) fail(t.col, `'${key}' given twice`);
    seen.add(key);
    switch (key) {
      case 'commit':
      case 'force':
        if (t.text !== key) fail(t.col, `'${key}' takes no value`);
        out = { ...out, [key]: true };
        break;
      case 'zone':
        out.zone = zone(p, value, at, ctx);
        break;
      case 'table':
        out.table = p.uint(value, at, 'ct table', 254);
        break;
      case 'alg': {
        if (value !== 'ftp' && value !== 'tftp') fail(at, `alg must be ftp or tftp, got '${value}'`);
        // OVS refuses a helper for a transport the match does not guarantee.
        const bad = missing(value === 'ftp' ? TCP : UDP, ctx);
        if (bad) fail(t.col, `alg=${value}: ${bad}`);
        out.alg = value as 'ftp' | 'tftp';
        break;
      }
      case 'exec':
        out.exec = exec(p, t, ctx, parseAction);
        break;
      case 'nat':
        out.nat = nat(p, t, ctx);
        break;
    }
  }
  if (out.force && !out.commit) fail(tok.col, "'force' needs 'commit'");
  // OVS sets up NAT for a connection only as it commits it; plain `nat` applies the NAT it has.
  if (out.nat?.kind && !out.commit) fail(tok.col, `nat(${out.nat.kind}...) needs 'commit'`);
  return out;
}

function zone(p: LineContext, value: string, col: number, ctx: ActionContext): number | SubField {
  if (!isSubfield(value)) return p.uint(value, col, 'ct zone', 0xffff);
  const { sf, f } = parseSubfield(p, value, col, 'ct zone');
  if (subfieldWidth(sf) !== 16) p.fail(col, `ct: zone=${value}: a zone is 16 bits, got ${subfieldWidth(sf)}`);
  checkRead(p, col, 'ct zone', f, ctx);
  return sf;
}

function exec(p: LineContext, t: Token, ctx: ActionContext, parseAction: ActionParser): OfAction[] {
  const inner = p.inner(t, 'exec');
  const execCtx = nestedContext(ctx, { ctExec: true });
  return split(inner.text, inner.col, false).map((a) => {
    const parsed = parseAction(p, a, execCtx);
    const field = parsed.type === 'set_field' ? parsed.field : parsed.type === 'load' ? parsed.dst.field : undefined;
    if (field !== 'ct_mark' && field !== 'ct_label')
      p.fail(a.col, `ct: exec may only write ct_mark or ct_label (set_field or load), not '${a.text}' (OVS refuses other actions there)`);
    return parsed;
  });
}

const NAT_FLAGS = ['random', 'hash', 'persistent'] as const;

function nat(p: LineContext, t: Token, ctx: ActionContext): NatSpec {
  if (t.text === 'nat') return {};
  const inner = p.inner(t, 'nat');
  let out: { -readonly [K in keyof NatSpec]: NatSpec[K] } = {};
  const flags: NatSpec['flags'] & string[] = [];
  split(inner.text, inner.col, false).forEach((a, i) => {
    const flag = NAT_FLAGS.find((f) => f === a.text);
    if (flag) {
      if (flags.includes(flag)) p.fail(a.col, `ct: nat: '${flag}' given twice`);
      flags.push(flag);
      return;
    }
    const m = /^(src|dst)(?:=(.*))?$/.exec(a.text);
    if (!m || i > 0) p.fail(a.col, `ct: nat: expected src or dst first, then random, hash or persistent, got '${a.text}'`);
    out = { kind: m[1] as 'src' | 'dst', ...(m[2] !== undefined ? natRange(p, m[2], a.col + 4, ctx) : {}) };
  });
  if (flags.length && !out.kind) p.fail(inner.col, 'ct: nat: flags are allowed only with src or dst');
  if (flags.includes('random') && flags.includes('hash')) p.fail(inner.col, "ct: nat: 'random' and 'hash' exclude each other");
  return flags.length ? { ...out, flags } : out;
}

/** ADDR[-ADDR][:PORT[-PORT]], IPv6 addresses in brackets. */
function natRange(p: LineContext, text: string, col: number, ctx: ActionContext): Pick<NatSpec, 'addrs' | 'ports'> {
  const m = /^(?:\[([^\]]+)\](?:-\[([^\]]+)\])?|([0-9.]+)(?:-([0-9.]+))?)(?::(\d+)(?:-(\d+))?)?$/.exec(text);
  if (!m) return p.fail(col, `ct: nat: expected ADDR[-ADDR][:PORT[-PORT]] (IPv6 in brackets), got '${text}'`);
  const v6 = m[1] !== undefined;
  const [min, max] = (v6 ? [m[1], m[2]] : [m[3], m[4]]) as [string, string | undefined];
  for (const a of [min, max]) {
    const bad = a === undefined ? undefined : checkKind(v6 ? 'ipv6' : 'ipv4', a);
    if (bad) p.fail(col, `ct: nat: ${bad}`);
  }
  const bytes = (a: string) => BigInt(`0x${Buffer.from(v6 ? ipv6ToBytes(a) : ipv4ToBytes(a)).toString('hex')}`);
  if (max !== undefined && bytes(max) < bytes(min)) p.fail(col, `ct: nat: the address range ${min}-${max} is reversed`);
  const pmin = m[5] === undefined ? undefined : p.uint(m[5], col, 'ct nat port', 0xffff);
  const pmax = m[6] === undefined ? undefined : p.uint(m[6], col, 'ct nat port', 0xffff);
  if (pmin !== undefined && pmax !== undefined && pmax < pmin) p.fail(col, `ct: nat: the port range ${pmin}-${pmax} is reversed`);
  // OVS refuses NAT to an address family the match does not guarantee.
  const bad = missing(v6 ? IP6 : IP, ctx);
  if (bad) p.fail(col, `ct: nat to ${v6 ? 'IPv6' : 'IPv4'}: ${bad}`);
  return {
    addrs: { min, ...(max !== undefined ? { max } : {}) },
    ...(pmin !== undefined ? { ports: { min: pmin, ...(pmax !== undefined ? { max: pmax } : {}) } } : {}),
  };
}
