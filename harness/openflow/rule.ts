/** The typed form of OpenFlow rules written in the documented subset of `ovs-ofctl` flow syntax. */

/** A match field: `name=value[/mask]` under its canonical name (dl_src for eth_src), or a protocol shorthand such as `tcp` (value ''). */
export interface MatchField {
  readonly name: string;
  readonly value: string;
  readonly mask?: string;
}

/** Bits `start..end` (inclusive, 0 the least significant) of a field: `reg0[0..15]`; `reg0[]` is the whole width. `field` is the canonical name (fields.ts SUB_FIELDS). */
export interface SubField {
  readonly field: string;
  readonly start: number;
  readonly end: number;
}

/** ct's `nat(...)`: bare `nat` (undo the NAT of the connection) when `kind` is absent. */
export interface NatSpec {
  readonly kind?: 'src' | 'dst';
  /** Address range: IPv4 or IPv6 text; `max` absent for one address. */
  readonly addrs?: { readonly min: string; readonly max?: string };
  readonly ports?: { readonly min: number; readonly max?: number };
  readonly flags?: readonly ('random' | 'hash' | 'persistent')[];
}

/**
 * One spec of `learn(...)`: a match of the learned flow on `dst`, from the packet's `src` bits
 * (`FIELD[]` is `FIELD[]=FIELD[]`) or a `value` (field syntax for a whole field, a number for a
 * subfield); a `load` the learned flow does; or its `output` to the port in `src`.
 */
export type LearnSpec =
  | { readonly kind: 'match'; readonly dst: SubField; readonly src: SubField }
  | { readonly kind: 'match'; readonly dst: SubField; readonly value: string }
  | { readonly kind: 'load'; readonly dst: SubField; readonly src: SubField }
  | { readonly kind: 'load'; readonly dst: SubField; readonly value: bigint }
  | { readonly kind: 'output'; readonly src: SubField };

export interface LearnAction {
  readonly type: 'learn';
  readonly table?: number;
  readonly priority?: number;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly finIdleTimeout?: number;
  readonly finHardTimeout?: number;
  readonly cookie?: bigint;
  readonly specs: readonly LearnSpec[];
}

export interface CtAction {
  readonly type: 'ct';
  readonly commit?: true;
  /** Only with commit: end a connection in the other direction first. */
  readonly force?: true;
  readonly zone?: number | SubField;
  /** Recirculate to this table with the conntrack state; without it the packet carries on untracked in this pipeline. */
  readonly table?: number;
  readonly alg?: 'ftp' | 'tftp';
  readonly nat?: NatSpec;
  /** Only set_field/load to ct_mark or ct_label (OVS refuses anything else here). */
  readonly exec?: readonly OfAction[];
}

export type OfAction =
  | { readonly type: 'output'; readonly port: number }
  /** `output(port=P,max_len=N)`: the packet truncated to N bytes. */
  | { readonly type: 'output_trunc'; readonly port: number; readonly maxLen: number }
  | { readonly type: 'in_port' }
  | { readonly type: 'flood' }
  | { readonly type: 'all' }
  | { readonly type: 'normal' }
  | { readonly type: 'controller'; readonly maxLen?: number; readonly reason?: string; readonly userdata?: string }
  | { readonly type: 'drop' }
  | { readonly type: 'push_vlan'; readonly ethertype: number }
  | { readonly type: 'strip_vlan' }
  | { readonly type: 'mod_vlan_vid'; readonly vid: number }
  | { readonly type: 'mod_vlan_pcp'; readonly pcp: number }
  /** `field` is the canonical name: `set_field:V->nw_dst` is read as ip_dst (harness/openflow/fields.ts). */
  | { readonly type: 'set_field'; readonly field: string; readonly value: string; readonly mask?: string }
  /** `load:VALUE->FIELD[lo..hi]`. */
  | { readonly type: 'load'; readonly value: bigint; readonly dst: SubField }
  | { readonly type: 'move'; readonly src: SubField; readonly dst: SubField }
  | { readonly type: 'mod_dl_src' | 'mod_dl_dst'; readonly mac: string }
  | { readonly type: 'mod_nw_src' | 'mod_nw_dst'; readonly ip: string }
  | { readonly type: 'mod_nw_tos'; readonly tos: number }
  | { readonly type: 'mod_nw_ecn'; readonly ecn: number }
  | { readonly type: 'mod_nw_ttl'; readonly ttl: number }
  /** `ids`: the controllers told when the TTL runs out (`dec_ttl(1,2)`); absent for plain `dec_ttl`. */
  | { readonly type: 'dec_ttl'; readonly ids?: readonly number[] }
  | { readonly type: 'mod_tp_src' | 'mod_tp_dst'; readonly port: number }
  /** `ct`: look the table up with the conntrack original-direction tuple (needs a valid ct_state match). */
  | { readonly type: 'resubmit'; readonly port?: number; readonly table?: number; readonly ct?: true }
  | { readonly type: 'goto_table'; readonly table: number }
  | CtAction
  | { readonly type: 'ct_clear' }
  | { readonly type: 'push_mpls' | 'pop_mpls'; readonly ethertype: number }
  | { readonly type: 'set_mpls_label'; readonly label: number }
  | { readonly type: 'set_mpls_tc'; readonly tc: number }
  | { readonly type: 'set_mpls_ttl'; readonly ttl: number }
  | { readonly type: 'dec_mpls_ttl' }
  /** `set_tunnel` (OVS sends a 64-bit id as set_tunnel64 itself) and `set_tunnel64`. */
  | { readonly type: 'set_tunnel' | 'set_tunnel64'; readonly id: bigint }
  | { readonly type: 'group'; readonly group: number }
  /** The OpenFlow 1.3 meter instruction: ovs-ofctl takes it only with `-O OpenFlow13` (or later). */
  | { readonly type: 'meter'; readonly meter: number }
  | { readonly type: 'clone'; readonly actions: readonly OfAction[] }
  /** `check_pkt_larger(N)->FIELD[bit]`: sets the bit when the packet is longer than N bytes. */
  | { readonly type: 'check_pkt_larger'; readonly len: number; readonly dst: SubField }
  | {
      readonly type: 'sample';
      readonly probability: number;
      readonly collectorSetId?: number;
      readonly obsDomainId?: number;
      readonly obsPointId?: number;
      readonly samplingPort?: number;
    }
  | LearnAction;

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

/** One bucket of a group (ovs-ofctl(8) "Group Syntax"). */
export interface OfBucket {
  /** OpenFlow 1.5 bucket ids; OVS numbers buckets itself when absent. */
  readonly bucketId?: number;
  /** select groups only. */
  readonly weight?: number;
  /** Liveness, for ff (one of the two is required there) and select groups. */
  readonly watchPort?: number;
  readonly watchGroup?: number;
  readonly actions: readonly OfAction[];
}

export interface OfGroup {
  readonly groupId: number;
  readonly type: 'all' | 'select' | 'indirect' | 'ff';
  /** select groups only; needs OpenFlow 1.5 (`ovs-ofctl -O OpenFlow15`). */
  readonly selectionMethod?: 'dp_hash' | 'hash';
  /** `fields(...)` of the hash method: the fields hashed, each optionally with a mask. */
  readonly fields?: readonly { readonly name: string; readonly mask?: string }[];
  readonly buckets: readonly OfBucket[];
  /** Where the group was written: `file:line`. */
  readonly source: string;
}

export interface OfMeterBand {
  /** ovs-ofctl(8) documents the one band type, drop. */
  readonly type: 'drop';
  /** kbps or packets per second, as the meter's unit says. */
  readonly rate: number;
  /** Only for a meter with `burst`. */
  readonly burstSize?: number;
}

export interface OfMeter {
  readonly meterId: number;
  readonly unit: 'kbps' | 'pktps';
  readonly burst: boolean;
  readonly stats: boolean;
  readonly bands: readonly OfMeterBand[];
  /** Where the meter was written: `file:line`. */
  readonly source: string;
}
