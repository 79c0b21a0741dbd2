/** The typed form of OpenFlow rules written in the documented subset of `ovs-ofctl` flow syntax. */

/** A match field: `name=value[/mask]` under its canonical name (dl_src for eth_src), or a protocol shorthand such as `tcp` (value ''). */
export interface MatchField {
  readonly name: string;
  readonly value: string;
  readonly mask?: string;
}

export type OfAction =
  | { readonly type: 'output'; readonly port: number }
  | { readonly type: 'in_port' }
  | { readonly type: 'flood' }
  | { readonly type: 'all' }
  | { readonly type: 'normal' }
  | { readonly type: 'controller'; readonly maxLen?: number }
  | { readonly type: 'drop' }
  | { readonly type: 'push_vlan'; readonly ethertype: number }
  | { readonly type: 'strip_vlan' }
  | { readonly type: 'mod_vlan_vid'; readonly vid: number }
  | { readonly type: 'mod_vlan_pcp'; readonly pcp: number }
  /** `field` is the canonical name: `set_field:V->nw_dst` is read as ip_dst (harness/openflow/fields.ts). */
  | { readonly type: 'set_field'; readonly field: string; readonly value: string }
  | { readonly type: 'mod_dl_src' | 'mod_dl_dst'; readonly mac: string }
  | { readonly type: 'mod_nw_src' | 'mod_nw_dst'; readonly ip: string }
  | { readonly type: 'mod_nw_tos'; readonly tos: number }
  | { readonly type: 'mod_nw_ttl'; readonly ttl: number }
  | { readonly type: 'dec_ttl' }
  | { readonly type: 'mod_tp_src' | 'mod_tp_dst'; readonly port: number }
  | { readonly type: 'resubmit'; readonly port?: number; readonly table?: number }
  | { readonly type: 'goto_table'; readonly table: number };

export interface FlowRule {
  readonly table: number;
  readonly priority: number;
  readonly cookie?: bigint;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly match: readonly MatchField[];
  readonly actions: readonly OfAction[];
  /** Where the rule was written: `file:line`. */
  readonly source: string;
}
