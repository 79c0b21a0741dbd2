import type { DatapathFlow, OdpAction, OdpField, OdpFlowStats, OdpKeyAttr } from './flow.js';
import { PositionedError } from '../text/positioned-error.js';

/**
 * Parser for datapath flow dumps in ODP syntax, as printed by `ovs-appctl dpctl/dump-flows`,
 * `ovs-dpctl dump-flows` and dplab's eBPF agent (the grammar of lib/odp-util.c):
 *
 *   [ufid:UUID, ]KEY-ATTR(...),..., packets:N, bytes:N, used:Xs|never[, flags:F][, dp:..], actions:A,...
 *
 * Errors name the source, line and column.
 */

export class OdpSyntaxError extends PositionedError {}

interface Item {
  readonly text: string;
  /** 0-based offset in the line. */
  readonly at: number;
}

/** Splits on top-level commas (and `, `), keeping offsets; unbalanced parentheses throw. */
function splitTop(text: string, base: number, fail: (at: number, why: string) => never): Item[] {
  const out: Item[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i += 1) {
    const ch = text[i];
    if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth < 0) fail(base + i, "unbalanced ')'");
    } else if (ch === undefined || (ch === ',' && depth === 0)) {
      const raw = text.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      if (raw.trim()) out.push({ text: raw.trim(), at: base + start + lead });
      start = i + 1;
    }
  }
  if (depth !== 0) fail(base + text.length, "unbalanced '(': missing ')'");
  return out;
}

function splitMask(s: string): { value: string; mask?: string } {
  const i = s.indexOf('/');
  return i < 0 ? { value: s } : { value: s.slice(0, i), mask: s.slice(i + 1) };
}

function parseAttr(item: Item, fail: (at: number, why: string) => never): OdpKeyAttr {
  const m = /^([a-z0-9_]+)\((.*)\)$/s.exec(item.text);
  if (!m) return fail(item.at, `expected NAME(...), got '${item.text}'`);
  const name = m[1] as string;
  const body = m[2] as string;
  const inner = splitTop(body, item.at + name.length + 1, fail);
  const fields: OdpField[] = [];
  const nested: OdpKeyAttr[] = [];
  let bare: { value: string; mask?: string } | undefined;
  for (const it of inner) {
    if (/^[a-z0-9_]+\(/.test(it.text)) nested.push(parseAttr(it, fail));
    else if (/^[a-z0-9_]+=/.test(it.text)) {
      const eq = it.text.indexOf('=');
      fields.push({ name: it.text.slice(0, eq), ...splitMask(it.text.slice(eq + 1)) });
    } else if (bare === undefined && inner.length === 1) bare = splitMask(it.text);
    else fail(it.at, `unexpected '${it.text}' in ${name}(...)`);
  }
  return {
    name,
    fields,
    ...(bare ? { value: bare.value, ...(bare.mask !== undefined ? { mask: bare.mask } : {}) } : {}),
    ...(nested.length ? { nested } : {}),
  };
}

const BARE_ACTIONS = new Set(['ct_clear', 'pop_eth', 'pop_nsh', 'pop_mpls', 'lb_output', 'tunnel_pop']);

function num(s: string): number {
  return Number(s);
}

function parseAction(item: Item, fail: (at: number, why: string) => never): OdpAction {
  const t = item.text;
  if (/^\d+$/.test(t)) return { type: 'output', port: Number(t) };
  if (t === 'drop') return { type: 'drop' };
  if (t === 'pop_vlan') return { type: 'pop_vlan' };
  const m = /^([a-z_0-9]+)(?:\((.*)\))?$/s.exec(t);
  if (!m) return { type: 'output', port: t };
  const name = m[1] as string;
  const body = m[2];
  // Argument-less actions other than drop/pop_vlan; anything else bare is a port printed by name.
  if (body === undefined) return BARE_ACTIONS.has(name) ? { type: 'other', name, raw: t } : { type: 'output', port: t };
  switch (name) {
    case 'drop':
      return { type: 'drop', reason: body };
    case 'push_vlan': {
      const f = Object.fromEntries(parseAttr({ text: t, at: item.at }, fail).fields.map((x) => [x.name, x.value]));
      return { type: 'push_vlan', vid: num(f.vid ?? '0'), pcp: num(f.pcp ?? '0'), tpid: num(f.tpid ?? '0x8100'), cfi: num(f.cfi ?? '1') };
    }
    case 'set':
    case 'set_masked': {
      const inner = splitTop(body, item.at + name.length + 1, fail);
      if (inner.length !== 1) fail(item.at, `${name}(...) takes one attribute`);
      const attr = parseAttr(inner[0] as Item, fail);
      const masked = name === 'set_masked' || attr.mask !== undefined || attr.fields.some((f) => f.mask !== undefined);
      return { type: 'set', masked, attr };
    }
    case 'recirc':
      return { type: 'recirc', id: num(body) };
    case 'ct':
      return { type: 'ct', raw: t };
    case 'userspace': {
      const args = splitTop(body, item.at + 10, fail).map((x) => {
        const call = /^([a-z_]+)\((.*)\)$/s.exec(x.text);
        if (call) return { name: call[1] as string, value: call[2] as string };
        const eq = x.text.indexOf('=');
        return eq < 0 ? { name: x.text, value: '' } : { name: x.text.slice(0, eq), value: x.text.slice(eq + 1) };
      });
      return { type: 'userspace', args, raw: t };
    }
    default:
      return { type: 'other', name, raw: t };
  }
}

function parseUsed(s: string): number | null {
  if (s === 'never') return null;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(s);
  return m ? Number(m[1]) : null;
}

/** Parses one flow line. */
export function parseOdpFlow(line: string, source = 'odp', lineNo = 1): DatapathFlow {
  const fail = (at: number, why: string): never => {
    throw new OdpSyntaxError(source, lineNo, at + 1, why);
  };
  const ai = line.search(/(^|[\s,])actions:/);
  if (ai < 0) fail(0, "missing 'actions:'");
  const actStart = line.indexOf('actions:', ai) + 'actions:'.length;
  const head = splitTop(line.slice(0, actStart - 'actions:'.length), 0, fail);
  const key: OdpKeyAttr[] = [];
  let ufid: string | undefined;
  const stats: { packets?: number; bytes?: number; usedSeconds?: number | null; tcpFlags?: string } = {};
  for (const it of head) {
    const s = /^(ufid|packets|bytes|used|flags|dp|offloaded|dp-extra-info):(.*)$/.exec(it.text);
    if (s) {
      const [, k, v] = s as unknown as [string, string, string];
      if (k === 'ufid') ufid = v;
      else if (k === 'packets' || k === 'bytes') {
        if (!/^\d+$/.test(v)) fail(it.at, `${k}: expected a count, got '${v}'`);
        stats[k] = Number(v);
      } else if (k === 'used') stats.usedSeconds = parseUsed(v);
      else if (k === 'flags') stats.tcpFlags = v;
      continue;
    }
    // `packets:3 bytes:...` separated by spaces in some printers.
    if (/^(packets|bytes|used):/.test(it.text)) fail(it.at, `bad statistics '${it.text}'`);
    key.push(parseAttr(it, fail));
  }
  if (stats.packets === undefined || stats.bytes === undefined) fail(actStart - 8, "missing 'packets:' or 'bytes:' before actions");
  // `dpctl/dump-flows -m` on the userspace datapath prints `dp-extra-info:...` after the actions.
  const actionItems = splitTop(line.slice(actStart), actStart, fail);
  const extra = actionItems.findIndex((it) => /^dp-extra-info:/.test(it.text));
  const actions = (extra < 0 ? actionItems : actionItems.slice(0, extra)).map((it) => parseAction(it, fail));
  const flowStats: OdpFlowStats = {
    packets: stats.packets as number,
    bytes: stats.bytes as number,
    usedSeconds: stats.usedSeconds ?? null,
    ...(stats.tcpFlags !== undefined ? { tcpFlags: stats.tcpFlags } : {}),
  };
  return { ...(ufid ? { ufid } : {}), key, stats: flowStats, actions, raw: line.trim() };
}

/**
 * Parses a whole dump. Lines that are not flows (blank, `flow-dump from pmd on cpu core: N`,
 * `flow-dump from the main thread:`) are skipped.
 */
export function parseOdpFlowDump(text: string, source = 'odp'): DatapathFlow[] {
  const flows: DatapathFlow[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim() || /^flow-dump from /.test(line.trim())) return;
    flows.push(parseOdpFlow(line, source, i + 1));
  });
  return flows;
}
