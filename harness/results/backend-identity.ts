import type { ProbeResult } from '../datapath/datapath.js';
import type { BackendIdentity } from './results.js';

/** What a started backend (or benchmark target) says of itself once up. */
export interface StartedIdentity {
  /** e.g. `afxdp-native/ovs-3.1.0/linux-6.18`: what was really obtained. */
  readonly product: string;
  readonly versions?: Readonly<Record<string, string>>;
  /** Features it lacks, id -> the probe's reason. */
  readonly unsupported?: Readonly<Record<string, string>>;
  /** Features it has, id -> how its probe said so. */
  readonly supported?: Readonly<Record<string, string>>;
}

/**
 * The one builder of a backend's identity in the results: its probe's answer (why it cannot
 * run, its versions), refined by what the started backend says (product, versions, features it
 * lacks). A target without a probe (a baseline) is known by what it started as.
 */
export function backendIdentity(id: string, probe: ProbeResult | undefined, started?: StartedIdentity): BackendIdentity {
  const available = started !== undefined || probe?.available === true;
  const product = started?.product ?? probe?.product;
  const unsupported = started?.unsupported && Object.keys(started.unsupported).length > 0 ? { ...started.unsupported } : undefined;
  const supported = started?.supported && Object.keys(started.supported).length > 0 ? { ...started.supported } : undefined;
  return {
    id,
    available,
    versions: { ...probe?.versions, ...started?.versions },
    ...(product ? { product } : {}),
    ...(!available && probe?.reason ? { reason: probe.reason } : {}),
    ...(unsupported ? { unsupported } : {}),
    ...(supported ? { supported } : {}),
  };
}

/**
 * A backend's identity as a run inside a guest kernel recorded it, taken into the host's run:
 * its kernel is the guest's, its product names the guest kind (`...-uml`, `...-qemu`).
 */
export function guestIdentity(inner: BackendIdentity | undefined, id: string, guest: { label: string; kind: string; kernel: string }): BackendIdentity {
  return {
    id,
    available: inner?.available ?? false,
    versions: { ...inner?.versions, kernel: guest.kernel, guest: guest.label },
    ...(inner?.product ? { product: `${inner.product}-${guest.kind}` } : {}),
    ...(inner?.reason ? { reason: inner.reason } : {}),
    ...(inner?.unsupported ? { unsupported: inner.unsupported } : {}),
    ...(inner?.supported ? { supported: inner.supported } : {}),
  };
}
