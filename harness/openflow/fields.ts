import { isIpv4, isIpv6, isMac } from '../packet/index.js';

/**
 * The match fields dplab understands, with the value syntax and prerequisites ovs-fields(7)
 * gives them. A rule that uses a field without its prerequisite is rejected (OVS would
 * silently drop such a match and the case would test something else).
 */

export type ValueKind = 'mac' | 'ipv4' | 'ipv6' | 'uint' | 'port' | 'tcp_flags' | 'frag';

export interface FieldDef {
  readonly kind: ValueKind;
  /** Largest value for `uint`. */
  readonly max?: number;
  readonly maskable: boolean;
  /** Prerequisite as protocol shorthands, one of which must be present. */
  readonly needs?: readonly string[];
  /** Canonical name (aliases map to it). */
  readonly canonical?: string;
}

const IP = ['ip', 'tcp', 'udp', 'icmp'];
const IP6 = ['ipv6', 'tcp6', 'udp6', 'icmp6'];
const L4 = ['tcp', 'udp', 'tcp6', 'udp6'];

export const MATCH_FIELDS: Readonly<Record<string, FieldDef>> = {
  in_port: { kind: 'port', maskable: false },
  dl_src: { kind: 'mac', maskable: true },
  dl_dst: { kind: 'mac', maskable: true },
  eth_src: { kind: 'mac', maskable: true, canonical: 'dl_src' },
  eth_dst: { kind: 'mac', maskable: true, canonical: 'dl_dst' },
  dl_type: { kind: 'uint', max: 0xffff, maskable: false },
  eth_type: { kind: 'uint', max: 0xffff, maskable: false, canonical: 'dl_type' },
  dl_vlan: { kind: 'uint', max: 0xffff, maskable: false },
  dl_vlan_pcp: { kind: 'uint', max: 7, maskable: false },
  vlan_tci: { kind: 'uint', max: 0xffff, maskable: true },
  nw_src: { kind: 'ipv4', maskable: true, needs: [...IP, 'arp'] },
  nw_dst: { kind: 'ipv4', maskable: true, needs: [...IP, 'arp'] },
  ip_src: { kind: 'ipv4', maskable: true, needs: IP, canonical: 'nw_src' },
  ip_dst: { kind: 'ipv4', maskable: true, needs: IP, canonical: 'nw_dst' },
  nw_proto: { kind: 'uint', max: 255, maskable: false, needs: [...IP, ...IP6, 'arp'] },
  ip_proto: { kind: 'uint', max: 255, maskable: false, needs: [...IP, ...IP6], canonical: 'nw_proto' },
  nw_tos: { kind: 'uint', max: 255, maskable: false, needs: [...IP, ...IP6] },
  ip_dscp: { kind: 'uint', max: 63, maskable: false, needs: [...IP, ...IP6] },
  nw_ecn: { kind: 'uint', max: 3, maskable: false, needs: [...IP, ...IP6] },
  nw_ttl: { kind: 'uint', max: 255, maskable: false, needs: [...IP, ...IP6] },
  nw_frag: { kind: 'frag', maskable: false, needs: [...IP, ...IP6] },
  tp_src: { kind: 'uint', max: 0xffff, maskable: true, needs: L4 },
  tp_dst: { kind: 'uint', max: 0xffff, maskable: true, needs: L4 },
  tcp_src: { kind: 'uint', max: 0xffff, maskable: true, needs: ['tcp', 'tcp6'], canonical: 'tp_src' },
  tcp_dst: { kind: 'uint', max: 0xffff, maskable: true, needs: ['tcp', 'tcp6'], canonical: 'tp_dst' },
  udp_src: { kind: 'uint', max: 0xffff, maskable: true, needs: ['udp', 'udp6'], canonical: 'tp_src' },
  udp_dst: { kind: 'uint', max: 0xffff, maskable: true, needs: ['udp', 'udp6'], canonical: 'tp_dst' },
  tcp_flags: { kind: 'tcp_flags', maskable: true, needs: ['tcp', 'tcp6'] },
  icmp_type: { kind: 'uint', max: 255, maskable: false, needs: ['icmp'] },
  icmp_code: { kind: 'uint', max: 255, maskable: false, needs: ['icmp'] },
  icmpv6_type: { kind: 'uint', max: 255, maskable: false, needs: ['icmp6'] },
  icmpv6_code: { kind: 'uint', max: 255, maskable: false, needs: ['icmp6'] },
  ipv6_src: { kind: 'ipv6', maskable: true, needs: IP6 },
  ipv6_dst: { kind: 'ipv6', maskable: true, needs: IP6 },
  ipv6_label: { kind: 'uint', max: 0xfffff, maskable: true, needs: IP6 },
  nd_target: { kind: 'ipv6', maskable: true, needs: ['icmp6'] },
  nd_sll: { kind: 'mac', maskable: true, needs: ['icmp6'] },
  nd_tll: { kind: 'mac', maskable: true, needs: ['icmp6'] },
  arp_op: { kind: 'uint', max: 0xffff, maskable: false, needs: ['arp'] },
  arp_spa: { kind: 'ipv4', maskable: true, needs: ['arp'] },
  arp_tpa: { kind: 'ipv4', maskable: true, needs: ['arp'] },
  arp_sha: { kind: 'mac', maskable: true, needs: ['arp'] },
  arp_tha: { kind: 'mac', maskable: true, needs: ['arp'] },
};

/** Protocol shorthands (ovs-fields(7) "Shorthand notation"): the dl_type and nw_proto each stands for. */
export const SHORTHAND_MATCH: Readonly<Record<string, { readonly dlType: number; readonly nwProto?: number }>> = {
  ip: { dlType: 0x0800 },
  ipv6: { dlType: 0x86dd },
  arp: { dlType: 0x0806 },
  tcp: { dlType: 0x0800, nwProto: 6 },
  udp: { dlType: 0x0800, nwProto: 17 },
  icmp: { dlType: 0x0800, nwProto: 1 },
  tcp6: { dlType: 0x86dd, nwProto: 6 },
  udp6: { dlType: 0x86dd, nwProto: 17 },
  icmp6: { dlType: 0x86dd, nwProto: 58 },
};
export const SHORTHANDS: ReadonlySet<string> = new Set(Object.keys(SHORTHAND_MATCH));

/** Fields `set_field:V->F` may write, with their value syntax. */
export const SET_FIELDS: Readonly<Record<string, FieldDef>> = {
  eth_src: { kind: 'mac', maskable: false },
  eth_dst: { kind: 'mac', maskable: false },
  // OpenFlow 1.2+ vlan_vid carries OFPVID_PRESENT (0x1000): 4106 is VID 10.
  vlan_vid: { kind: 'uint', max: 0x1fff, maskable: false },
  vlan_pcp: { kind: 'uint', max: 7, maskable: false },
  ip_src: { kind: 'ipv4', maskable: false },
  ip_dst: { kind: 'ipv4', maskable: false },
  ip_dscp: { kind: 'uint', max: 63, maskable: false },
  nw_ttl: { kind: 'uint', max: 255, maskable: false },
  ipv6_src: { kind: 'ipv6', maskable: false },
  ipv6_dst: { kind: 'ipv6', maskable: false },
  ipv6_label: { kind: 'uint', max: 0xfffff, maskable: false },
  tcp_src: { kind: 'uint', max: 0xffff, maskable: false },
  tcp_dst: { kind: 'uint', max: 0xffff, maskable: false },
  udp_src: { kind: 'uint', max: 0xffff, maskable: false },
  udp_dst: { kind: 'uint', max: 0xffff, maskable: false },
};

export function parseUint(s: string): number | undefined {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) return undefined;
  return Number(s);
}

const FRAG = new Set(['no', 'yes', 'first', 'later', 'not_later']);
const TCP_FLAG_NAMES = new Set(['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns']);

/** Why `text` is not a valid value (or mask) of this kind, or undefined when it is. */
export function checkValue(kind: ValueKind, text: string, max?: number): string | undefined {
  switch (kind) {
    case 'mac':
      return isMac(text) ? undefined : `'${text}' is not a MAC address`;
    case 'ipv4':
      return isIpv4(text) ? undefined : `'${text}' is not an IPv4 address`;
    case 'ipv6':
      return isIpv6(text) ? undefined : `'${text}' is not an IPv6 address`;
    case 'uint': {
      const v = parseUint(text);
      if (v === undefined) return `'${text}' is not a number`;
      return max !== undefined && v > max ? `${text} is larger than ${max}` : undefined;
    }
    case 'frag':
      return FRAG.has(text) ? undefined : `'${text}' is not one of ${[...FRAG].join(', ')}`;
    case 'tcp_flags': {
      if (parseUint(text) !== undefined) return checkValue('uint', text, 0xfff);
      const parts = text.match(/[+-][a-z]+/g);
      if (!parts || parts.join('') !== text) return `'${text}' is not a TCP flag set like +syn-ack`;
      const bad = parts.find((p) => !TCP_FLAG_NAMES.has(p.slice(1)));
      return bad ? `unknown TCP flag '${bad.slice(1)}'` : undefined;
    }
    case 'port':
      return undefined;
  }
}
