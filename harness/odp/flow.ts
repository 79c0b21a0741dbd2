/**
 * The typed form of datapath flows in ODP syntax (lib/odp-util.c, `ovs-dpctl dump-flows`),
 * the shared observation language of all backends.
 */

/** One `field=value[/mask]` inside a key attribute, e.g. `src=10.0.0.1/255.255.255.0`. */
export interface OdpField {
  readonly name: string;
  readonly value: string;
  /** Absent when the field is exact (no `/mask` and no wildcarding). */
  readonly mask?: string;
}

/**
 * One key attribute: `in_port(1)`, `eth(src=..,dst=..)`, `eth_type(0x0800/0xffff)`,
 * `vlan(vid=10,pcp=0)`, `encap(eth_type(0x0800),ipv4(...))`, `tunnel(...)`, `ct_state(+trk)`.
 */
export interface OdpKeyAttr {
  readonly name: string;
  /** `field=value` arguments, in order. */
  readonly fields: readonly OdpField[];
  /** A bare argument, e.g. `1` in `in_port(1)` or `0x0800/0xffff` in `eth_type(...)`. */
  readonly value?: string;
  readonly mask?: string;
  /** Nested attributes, e.g. inside `encap(...)`. */
  readonly nested?: readonly OdpKeyAttr[];
}

/** Datapath actions (odp-util.c format_odp_action). Unknown ones are kept, not dropped. */
export type OdpAction =
  | { readonly type: 'output'; readonly port: number | string }
  | { readonly type: 'drop'; readonly reason?: string }
  | { readonly type: 'userspace'; readonly args: readonly OdpField[]; readonly raw: string }
  | { readonly type: 'push_vlan'; readonly vid: number; readonly pcp: number; readonly tpid: number; readonly cfi: number }
  | { readonly type: 'pop_vlan' }
  | { readonly type: 'set'; readonly masked: boolean; readonly attr: OdpKeyAttr }
  | { readonly type: 'recirc'; readonly id: number }
  | { readonly type: 'ct'; readonly raw: string }
  | { readonly type: 'other'; readonly name: string; readonly raw: string };

export interface OdpFlowStats {
  readonly packets: number;
  readonly bytes: number;
  /** Seconds since last use; null for `never`. */
  readonly usedSeconds: number | null;
  /** TCP flags seen, as printed (e.g. `S.`), when present. */
  readonly tcpFlags?: string;
}

export interface DatapathFlow {
  /** `ufid:...` when the dump carried one. */
  readonly ufid?: string;
  readonly key: readonly OdpKeyAttr[];
  readonly stats: OdpFlowStats;
  readonly actions: readonly OdpAction[];
  /** The line as dumped, for reports. */
  readonly raw: string;
}
