import type { OfAction, OfBucket, OfGroup } from './rule.js';
import { checkMask, MATCH_FIELDS } from './fields.js';
import { keyValue, LineContext, split, type ParseOptions, type Token } from './syntax.js';
import { parseActionList } from './actions.js';

/**
 * Reads groups in ovs-ofctl(8) "Group Syntax", one a line:
 * `group_id=N,type=all|select|indirect|ff[,selection_method=dp_hash|hash][,fields(...)],bucket=...`,
 * each bucket `[bucket_id:N,][weight:W,][watch_port:P,][watch_group:G,]actions=ACTIONS` or, as
 * older OVS wrote it, just `ACTIONS`. Bucket actions are the flow actions; their prerequisites
 * are the business of the flows that output to the group (OVS checks them there, not here).
 */

const TYPES: Readonly<Record<string, OfGroup['type']>> = { all: 'all', select: 'select', indirect: 'indirect', ff: 'ff', fast_failover: 'ff' };
const BUCKET_KEYS = ['bucket_id', 'weight', 'watch_port', 'watch_group'];
/** OFPG_MAX: group ids above it are reserved. */
const GROUP_MAX = 0xffffff00;

class GroupParser extends LineContext {
  parse(line: string): OfGroup {
    const tokens = split(line, 1, true);
    const firstBucket = tokens.findIndex((t) => t.text.startsWith('bucket='));
    const head = firstBucket < 0 ? tokens : tokens.slice(0, firstBucket);
    let groupId: number | undefined;
    let type: OfGroup['type'] | undefined;
    let selectionMethod: OfGroup['selectionMethod'];
    let fields: OfGroup['fields'];
    for (const t of head) {
      const fm = /^fields(?:=(.*)|\((.*)\))$/.exec(t.text);
      if (fm) {
        fields = this.fields(fm[1] ?? fm[2] ?? '', t.col + 7);
        continue;
      }
      const [key, value = ''] = keyValue(t.text);
      const at = t.col + key.length + 1;
      if (key === 'group_id') groupId = this.uint(value, at, 'group_id', GROUP_MAX);
      else if (key === 'type') {
        type = TYPES[value];
        if (!type) this.fail(at, `type: unknown group type '${value}' (known: all, select, indirect, ff)`);
      } else if (key === 'selection_method') {
        if (value !== 'dp_hash' && value !== 'hash') this.fail(at, `selection_method: expected dp_hash or hash, got '${value}'`);
        selectionMethod = value;
      } else this.fail(t.col, `unknown group field '${key}' (known: group_id, type, selection_method, fields, bucket)`);
    }
    if (groupId === undefined) this.fail(1, 'group_id=N is required');
    if (type === undefined) this.fail(1, 'type=all|select|indirect|ff is required');
    if (selectionMethod && type !== 'select') this.fail(1, 'selection_method is for select groups only');
    // OVS takes hash fields with the hash method only.
    if (fields && selectionMethod !== 'hash') this.fail(1, 'fields(...) needs selection_method=hash');
    const buckets = this.buckets(firstBucket < 0 ? [] : tokens.slice(firstBucket), type);
    if (buckets.length === 0) this.fail(line.length + 1, 'a group needs at least one bucket=...');
    if (type === 'indirect' && buckets.length > 1) this.fail(1, 'an indirect group has exactly one bucket');
    return {
      groupId,
      type,
      ...(selectionMethod ? { selectionMethod } : {}),
      ...(fields ? { fields } : {}),
      buckets,
      source: `${this.o.source}:${this.lineNo}`,
    };
  }

  /** `fields(eth_src,ip_dst=255.255.0.0)`: a value is the field's mask (ovs-ofctl(8)). */
  fields(text: string, col: number): NonNullable<OfGroup['fields']> {
    return split(text, col, false).map((t) => {
      const [name, mask] = keyValue(t.text);
      const f = MATCH_FIELDS.get(name);
      if (!f || f.def.kind === 'port') return this.fail(t.col, `fields: unknown or unhashable field '${name}'`);
      if (mask === undefined) return { name: f.canonical };
      const bad = checkMask(f.def, mask);
      if (bad) this.fail(t.col + name.length + 1, `fields: ${name}: bad mask: ${bad}`);
      return { name: f.canonical, mask };
    });
  }

  buckets(tokens: readonly Token[], type: OfGroup['type']): OfBucket[] {
    const groups: Token[][] = [];
    for (const t of tokens) {
      if (t.text.startsWith('bucket=')) groups.push([{ text: t.text.slice(7), col: t.col + 7 }]);
      else groups[groups.length - 1]?.push(t);
    }
    return groups.map((items) => this.bucket(items, type));
  }

  bucket(items: readonly Token[], type: OfGroup['type']): OfBucket {
    const out: { -readonly [K in keyof OfBucket]: OfBucket[K] } = { actions: [] };
    let i = 0;
    for (; i < items.length; i += 1) {
      const t = items[i] as Token;
      const [key, value = ''] = keyValue(t.text);
      if (!BUCKET_KEYS.includes(key)) break;
      const at = t.col + key.length + 1;
      if (key === 'bucket_id') out.bucketId = this.uint(value, at, 'bucket_id', 0xffffff00);
      if (key === 'weight') out.weight = this.uint(value, at, 'weight', 0xffff);
      if (key === 'watch_port') out.watchPort = this.port(value, at, 'watch_port');
      if (key === 'watch_group') out.watchGroup = this.uint(value, at, 'watch_group', GROUP_MAX);
    }
    const rest = items.slice(i);
    const first = rest[0];
    const start = first?.text.startsWith('actions=') ? [{ text: first.text.slice(8), col: first.col + 8 }, ...rest.slice(1)] : rest;
    const col = first?.col ?? (items[0]?.col as number);
    if (out.weight !== undefined && type !== 'select') this.fail(col, 'weight is for select groups only');
    // A fast-failover bucket is live when what it watches is; without a watch it never is.
    if (type === 'ff' && out.watchPort === undefined && out.watchGroup === undefined) this.fail(col, 'an ff bucket needs watch_port or watch_group');
    const actions: OfAction[] = parseActionList(this, start, { implied: new Set(), vlans: 0, ctState: false, unchecked: true }, col);
    return { ...out, actions };
  }
}

/** Parses a group file or snippet. Throws FlowSyntaxError at the first problem. */
export function parseOfctlGroups(text: string, o: ParseOptions): OfGroup[] {
  const groups: OfGroup[] = [];
  text.split('\n').forEach((line, i) => {
    const body = line.replace(/#.*$/, '').trimEnd();
    if (body.trim()) groups.push(new GroupParser(o, i + 1).parse(body));
  });
  return groups;
}
