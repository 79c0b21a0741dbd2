import { CT_EXEC, MPLS, VLAN_HEADER, type NamedField } from './fields.js';
import type { LineContext } from './syntax.js';

/** What the rule guarantees about the frame where an action runs: set_field needs its field present. */
export interface ActionContext {
  /** Protocol shorthands guaranteed here: the match's (`ip` for `tcp`, ...), then as push_mpls/pop_mpls change the ethertype. */
  implied: Set<string>;
  /** VLAN headers the frame has here: matched, then pushed and popped by the actions so far. */
  vlans: number;
  /** The match establishes a valid conntrack state (ct_nw_* and resubmit(,T,ct) need one). */
  readonly ctState: boolean;
  /** Inside ct(exec(...)), the one place ct_mark and ct_label are written. */
  readonly ctExec?: boolean;
  /** Group buckets: the flows that output to the group provide the prerequisites, and OVS checks them there. */
  readonly unchecked?: boolean;
}

export function nestedContext(ctx: ActionContext, extra: Partial<Pick<ActionContext, 'ctExec'>> = {}): ActionContext {
  return { ...ctx, implied: new Set(ctx.implied), ...extra };
}

/** Why the frame here does not have what `needs` asks for (one of them), or undefined. */
export function missing(needs: readonly string[] | undefined, ctx: ActionContext): string | undefined {
  if (!needs) return undefined;
  if (needs.includes(CT_EXEC)) return ctx.ctExec ? undefined : 'OVS writes this field only inside ct(exec(...))';
  if (ctx.unchecked || needs.some((n) => (n === VLAN_HEADER ? ctx.vlans > 0 : ctx.implied.has(n)))) return undefined;
  if (needs.includes(VLAN_HEADER)) return 'the frame has no VLAN header here (match one with dl_vlan, or push_vlan first)';
  if (needs.every((n) => MPLS.includes(n))) return 'the frame has no MPLS header here (match mpls or mplsm, or push_mpls first)';
  return `prerequisite missing (add one of: ${needs.join(', ')})`;
}

/** Checks that a subfield can be read here: its prerequisite, and a conntrack state for the ct_* tuple. */
export function checkRead(p: LineContext, col: number, what: string, f: NamedField, ctx: ActionContext): void {
  const bad = missing(f.needs, ctx);
  if (bad) p.fail(col, `${what}: ${f.canonical}: ${bad}`);
  if (f.def.ct && !ctx.ctState && !ctx.unchecked) p.fail(col, `${what}: ${f.canonical}: needs a conntrack state matched (${CT_STATE_HINT})`);
}

export const CT_STATE_HINT = 'ct_state=+new, +est, +rel, +rpl, +snat, +dnat or +trk-inv';

/** Checks that a subfield can be written here: a field set_field takes, with its prerequisite. */
export function checkWrite(p: LineContext, col: number, what: string, f: NamedField, ctx: ActionContext): void {
  if (!f.def.set) p.fail(col, `${what}: ${f.canonical} is not a field actions write (read-only in OVS, or not one set_field takes here)`);
  const bad = missing(f.def.set.needs, ctx);
  if (bad) p.fail(col, `${what}: ${f.canonical}: ${bad}`);
}
