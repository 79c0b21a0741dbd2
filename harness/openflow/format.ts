import type { CtAction, FlowRule, LearnAction, LearnSpec, MatchField, NatSpec, OfAction, OfGroup, OfMeter } from './rule.js';
import { formatSubfield, isWhole } from './subfield.js';

/**
 * Writes rules, groups and meters in ovs-ofctl syntax with numeric ports, as `ovs-ofctl
 * add-flows`/`add-groups`/`add-meter` read them: the printer half of the action table in
 * actions.ts. Some constructs need a newer OpenFlow than 1.0: `meter:N` 1.3 (`-O OpenFlow13`),
 * `clone` 1.1+, and a group's selection_method/fields 1.5.
 */

function matchText(m: MatchField): string {
  if (m.value === '') return m.name;
  return m.mask === undefined ? `${m.name}=${m.value}` : `${m.name}=${m.value}/${m.mask}`;
}

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

function formatNat(n: NatSpec): string {
  if (!n.kind) return 'nat';
  const v6 = n.addrs?.min.includes(':');
  const addr = (a: string) => (v6 ? `[${a}]` : a);
  let range = '';
  if (n.addrs) range = `=${addr(n.addrs.min)}${n.addrs.max !== undefined ? `-${addr(n.addrs.max)}` : ''}`;
  if (n.ports) range += `:${n.ports.min}${n.ports.max !== undefined ? `-${n.ports.max}` : ''}`;
  return `nat(${[`${n.kind}${range}`, ...(n.flags ?? [])].join(',')})`;
}

function formatCt(a: CtAction): string {
  const args: string[] = [];
  if (a.commit) args.push('commit');
  if (a.force) args.push('force');
  if (a.zone !== undefined) args.push(`zone=${typeof a.zone === 'number' ? a.zone : formatSubfield(a.zone)}`);
  if (a.table !== undefined) args.push(`table=${a.table}`);
  if (a.alg) args.push(`alg=${a.alg}`);
  if (a.exec) args.push(`exec(${a.exec.map(formatAction).join(',')})`);
  if (a.nat) args.push(formatNat(a.nat));
  return args.length ? `ct(${args.join(',')})` : 'ct';
}

function formatLearnSpec(s: LearnSpec): string {
  switch (s.kind) {
    case 'output':
      return `output:${formatSubfield(s.src)}`;
    case 'load':
      return `load:${'src' in s ? formatSubfield(s.src) : hex(s.value)}->${formatSubfield(s.dst)}`;
    case 'match':
      if ('value' in s) return isWhole(s.dst) ? `${s.dst.field}=${s.value}` : `${formatSubfield(s.dst)}=${s.value}`;
      return s.src.field === s.dst.field && s.src.start === s.dst.start && s.src.end === s.dst.end
        ? formatSubfield(s.dst)
        : `${formatSubfield(s.dst)}=${formatSubfield(s.src)}`;
  }
}

function formatLearn(a: LearnAction): string {
  const args: string[] = [];
  if (a.table !== undefined) args.push(`table=${a.table}`);
  if (a.priority !== undefined) args.push(`priority=${a.priority}`);
  if (a.idleTimeout !== undefined) args.push(`idle_timeout=${a.idleTimeout}`);
  if (a.hardTimeout !== undefined) args.push(`hard_timeout=${a.hardTimeout}`);
  if (a.finIdleTimeout !== undefined) args.push(`fin_idle_timeout=${a.finIdleTimeout}`);
  if (a.finHardTimeout !== undefined) args.push(`fin_hard_timeout=${a.finHardTimeout}`);
  if (a.cookie !== undefined) args.push(`cookie=${hex(a.cookie)}`);
  return `learn(${[...args, ...a.specs.map(formatLearnSpec)].join(',')})`;
}

/** `key=value` pairs of the parenthesised actions, those given. */
function keyArgs(pairs: readonly [string, string | number | undefined][]): string {
  return pairs.flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`])).join(',');
}

export function formatAction(a: OfAction): string {
  switch (a.type) {
    case 'output':
      return `output:${a.port}`;
    case 'output_trunc':
      return `output(port=${a.port},max_len=${a.maxLen})`;
    case 'in_port':
    case 'flood':
    case 'all':
    case 'normal':
    case 'drop':
    case 'strip_vlan':
    case 'ct_clear':
    case 'dec_mpls_ttl':
      return a.type;
    case 'dec_ttl':
      return a.ids ? `dec_ttl(${a.ids.join(',')})` : 'dec_ttl';
    case 'controller':
      if (a.reason === undefined && a.userdata === undefined) return a.maxLen === undefined ? 'controller' : `controller(max_len=${a.maxLen})`;
      return `controller(${keyArgs([
        ['reason', a.reason],
        ['max_len', a.maxLen],
        ['userdata', a.userdata],
      ])})`;
    case 'push_vlan':
    case 'push_mpls':
    case 'pop_mpls':
      return `${a.type}:0x${a.ethertype.toString(16).padStart(4, '0')}`;
    case 'mod_vlan_vid':
      return `mod_vlan_vid:${a.vid}`;
    case 'mod_vlan_pcp':
      return `mod_vlan_pcp:${a.pcp}`;
    case 'set_field':
      return `set_field:${a.value}${a.mask !== undefined ? `/${a.mask}` : ''}->${a.field}`;
    case 'load':
      return `load:${hex(a.value)}->${formatSubfield(a.dst)}`;
    case 'move':
      return `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`;
    case 'mod_dl_src':
    case 'mod_dl_dst':
      return `${a.type}:${a.mac}`;
    case 'mod_nw_src':
    case 'mod_nw_dst':
      return `${a.type}:${a.ip}`;
    case 'mod_nw_tos':
      return `mod_nw_tos:${a.tos}`;
    case 'mod_nw_ecn':
      return `mod_nw_ecn:${a.ecn}`;
    case 'mod_nw_ttl':
      return `mod_nw_ttl:${a.ttl}`;
    case 'mod_tp_src':
    case 'mod_tp_dst':
      return `${a.type}:${a.port}`;
    case 'resubmit':
      return `resubmit(${a.port ?? ''},${a.table ?? ''}${a.ct ? ',ct' : ''})`;
    case 'goto_table':
      return `goto_table:${a.table}`;
    case 'ct':
      return formatCt(a);
    case 'set_mpls_label':
      return `set_mpls_label:${a.label}`;
    case 'set_mpls_tc':
      return `set_mpls_tc:${a.tc}`;
    case 'set_mpls_ttl':
      return `set_mpls_ttl:${a.ttl}`;
    case 'set_tunnel':
    case 'set_tunnel64':
      return `${a.type}:${hex(a.id)}`;
    case 'group':
      return `group:${a.group}`;
    case 'meter':
      return `meter:${a.meter}`;
    case 'clone':
      return `clone(${a.actions.map(formatAction).join(',')})`;
    case 'check_pkt_larger':
      return `check_pkt_larger(${a.len})->${formatSubfield(a.dst)}`;
    case 'sample':
      return `sample(${keyArgs([
        ['probability', a.probability],
        ['collector_set_id', a.collectorSetId],
        ['obs_domain_id', a.obsDomainId],
        ['obs_point_id', a.obsPointId],
        ['sampling_port', a.samplingPort],
      ])})`;
    case 'learn':
      return formatLearn(a);
  }
}

/** A rule as `ovs-ofctl add-flow` takes it. A rule with `meter:N` needs `-O OpenFlow13`, one with `clone` OpenFlow 1.1 or later. */
export function formatOfctlFlow(r: FlowRule): string {
  const head = [`table=${r.table}`, `priority=${r.priority}`];
  if (r.cookie !== undefined) head.push(`cookie=0x${r.cookie.toString(16)}`);
  if (r.idleTimeout !== undefined) head.push(`idle_timeout=${r.idleTimeout}`);
  if (r.hardTimeout !== undefined) head.push(`hard_timeout=${r.hardTimeout}`);
  // Shorthands first: ovs-ofctl wants the protocol before the fields that depend on it.
  const sorted = [...r.match.filter((m) => m.value === ''), ...r.match.filter((m) => m.value !== '')];
  return [...head, ...sorted.map(matchText), `actions=${r.actions.map(formatAction).join(',')}`].join(',');
}

/** A group as `ovs-ofctl add-group` takes it; selection_method and fields need `-O OpenFlow15`. */
export function formatOfctlGroup(g: OfGroup): string {
  const head = [`group_id=${g.groupId}`, `type=${g.type}`];
  if (g.selectionMethod) head.push(`selection_method=${g.selectionMethod}`);
  if (g.fields) head.push(`fields(${g.fields.map((f) => (f.mask === undefined ? f.name : `${f.name}=${f.mask}`)).join(',')})`);
  const buckets = g.buckets.map((b) => {
    const params: string[] = [];
    if (b.bucketId !== undefined) params.push(`bucket_id:${b.bucketId}`);
    if (b.weight !== undefined) params.push(`weight:${b.weight}`);
    if (b.watchPort !== undefined) params.push(`watch_port:${b.watchPort}`);
    if (b.watchGroup !== undefined) params.push(`watch_group:${b.watchGroup}`);
    return `bucket=${[...params, `actions=${b.actions.map(formatAction).join(',')}`].join(',')}`;
  });
  return [...head, ...buckets].join(',');
}

/** A meter as `ovs-ofctl -O OpenFlow13 add-meter` takes it. */
export function formatOfctlMeter(m: OfMeter): string {
  const head = [`meter=${m.meterId}`, m.unit, ...(m.burst ? ['burst'] : []), ...(m.stats ? ['stats'] : [])];
  const bands = m.bands.map((b) => [`type=${b.type}`, `rate=${b.rate}`, ...(b.burstSize !== undefined ? [`burst_size=${b.burstSize}`] : [])].join(','));
  return [...head, `bands=${bands.join(',')}`].join(',');
}
