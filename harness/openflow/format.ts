import type { FlowRule, MatchField, OfAction } from './rule.js';

/** Writes a rule in ovs-ofctl syntax with numeric ports, as `ovs-ofctl add-flows` reads it. */

function matchText(m: MatchField): string {
  if (m.value === '') return m.name;
  return m.mask === undefined ? `${m.name}=${m.value}` : `${m.name}=${m.value}/${m.mask}`;
}

export function formatAction(a: OfAction): string {
  switch (a.type) {
    case 'output':
      return `output:${a.port}`;
    case 'in_port':
    case 'flood':
    case 'all':
    case 'normal':
    case 'drop':
    case 'strip_vlan':
    case 'dec_ttl':
      return a.type;
    case 'controller':
      return a.maxLen === undefined ? 'controller' : `controller(max_len=${a.maxLen})`;
    case 'push_vlan':
      return `push_vlan:0x${a.ethertype.toString(16)}`;
    case 'mod_vlan_vid':
      return `mod_vlan_vid:${a.vid}`;
    case 'mod_vlan_pcp':
      return `mod_vlan_pcp:${a.pcp}`;
    case 'set_field':
      return `set_field:${a.value}->${a.field}`;
    case 'mod_dl_src':
    case 'mod_dl_dst':
      return `${a.type}:${a.mac}`;
    case 'mod_nw_src':
    case 'mod_nw_dst':
      return `${a.type}:${a.ip}`;
    case 'mod_nw_tos':
      return `mod_nw_tos:${a.tos}`;
    case 'mod_nw_ttl':
      return `mod_nw_ttl:${a.ttl}`;
    case 'mod_tp_src':
    case 'mod_tp_dst':
      return `${a.type}:${a.port}`;
    case 'resubmit':
      return `resubmit(${a.port ?? ''},${a.table ?? ''})`;
    case 'goto_table':
      return `goto_table:${a.table}`;
  }
}

export function formatOfctlFlow(r: FlowRule): string {
  const head = [`table=${r.table}`, `priority=${r.priority}`];
  if (r.cookie !== undefined) head.push(`cookie=0x${r.cookie.toString(16)}`);
  if (r.idleTimeout !== undefined) head.push(`idle_timeout=${r.idleTimeout}`);
  if (r.hardTimeout !== undefined) head.push(`hard_timeout=${r.hardTimeout}`);
  // Shorthands first: ovs-ofctl wants the protocol before the fields that depend on it.
  const sorted = [...r.match.filter((m) => m.value === ''), ...r.match.filter((m) => m.value !== '')];
  return [...head, ...sorted.map(matchText), `actions=${r.actions.map(formatAction).join(',')}`].join(',');
}
