/** The numbers of the protocols the builder writes and the parser reads. */

export const ETH_P = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MC: 0x8848,
  /** Transparent Ethernet bridging: an Ethernet frame inside GRE or Geneve. */
  TEB: 0x6558,
  ERSPAN_II: 0x88be,
  ERSPAN_III: 0x22eb,
} as const;
export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  IPV6_FRAGMENT: 44,
  GRE: 47,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  SCTP: 132,
} as const;
/** The UDP destination ports the parser reads tunnels on (IANA). */
export const UDP_PORT = { VXLAN: 4789, GENEVE: 6081, GTPU: 2152, LISP: 4341 } as const;

/** ICMP and ICMPv6 types whose body quotes the offending packet. */
export const ICMP_ERROR_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);
export const ICMP6_ERROR_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4]);

export const TCP_FLAG_BITS: Readonly<Record<string, number>> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80, N: 0x100 };

/** `'SA'` -> 0x12. */
export function tcpFlagsFromString(s: string): number {
  let v = 0;
  for (const ch of s) {
    const bit = TCP_FLAG_BITS[ch];
    if (bit === undefined) throw new Error(`bad TCP flag '${ch}' in '${s}' (use F S R P A U E C N)`);
    v |= bit;
  }
  return v;
}

/** 0x12 -> `'SA'`, in FSRPAUECN order. */
export function tcpFlagsToString(v: number): string {
  return Object.entries(TCP_FLAG_BITS)
    .filter(([, bit]) => (v & bit) !== 0)
    .map(([ch]) => ch)
    .join('');
}
