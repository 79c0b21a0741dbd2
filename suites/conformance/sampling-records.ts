/**
 * Just enough of sFlow version 5 (sflow.org sflow_version_5.txt) and IPFIX (RFC 7011) to read
 * what a switch exports about the frames it sampled.
 */

/** A flow sample of an sFlow v5 datagram, with its raw packet header record. */
export interface SflowFlowSample {
  readonly samplingRate: number;
  readonly samplePool: number;
  readonly drops: number;
  /** ifIndex of the input and output ports (sFlow's encoding; 0x3fffffff = unknown / several). */
  readonly input: number;
  readonly output: number;
  /** The raw packet header record (format 1), when present. */
  readonly header?: { readonly protocol: number; readonly frameLength: number; readonly stripped: number; readonly bytes: Buffer };
}

export interface SflowDatagram {
  readonly agent: string;
  readonly flowSamples: readonly SflowFlowSample[];
}

/** Parses an sFlow v5 datagram (IPv4 agent address); throws on anything else. */
export function parseSflow(d: Buffer): SflowDatagram {
  if (d.readUInt32BE(0) !== 5) throw new Error(`sFlow: version ${d.readUInt32BE(0)}, expected 5`);
  if (d.readUInt32BE(4) !== 1) throw new Error(`sFlow: agent address type ${d.readUInt32BE(4)}, expected 1 (IPv4)`);
  const agent = [...d.subarray(8, 12)].join('.');
  const n = d.readUInt32BE(24);
  let at = 28;
  const flowSamples: SflowFlowSample[] = [];
  for (let i = 0; i < n; i++) {
    const format = d.readUInt32BE(at);
    const len = d.readUInt32BE(at + 4);
    const s = d.subarray(at + 8, at + 8 + len);
    at += 8 + len;
    // Enterprise 0: 1 flow sample, 3 expanded flow sample (ifIndex as format + value).
    if (format !== 1 && format !== 3) continue;
    const x = format === 3 ? 4 : 0;
    const base = {
      samplingRate: s.readUInt32BE(8 + x),
      samplePool: s.readUInt32BE(12 + x),
      drops: s.readUInt32BE(16 + x),
      input: s.readUInt32BE(20 + 2 * x),
      output: s.readUInt32BE(24 + 3 * x),
    };
    const records = s.readUInt32BE(28 + 3 * x);
    let r = 32 + 3 * x;
    let header: SflowFlowSample['header'];
    for (let j = 0; j < records; j++) {
      const rf = s.readUInt32BE(r);
      const rl = s.readUInt32BE(r + 4);
      if (rf === 1) {
        const hl = s.readUInt32BE(r + 20);
        header = {
          protocol: s.readUInt32BE(r + 8),
          frameLength: s.readUInt32BE(r + 12),
          stripped: s.readUInt32BE(r + 16),
          bytes: Buffer.from(s.subarray(r + 24, r + 24 + hl)),
        };
      }
      r += 8 + rl;
    }
    flowSamples.push({ ...base, ...(header ? { header } : {}) });
  }
  return { agent, flowSamples };
}

/** IPFIX information elements a case reads (IANA IPFIX registry numbers). */
export const IE = {
  octetDeltaCount: 1,
  packetDeltaCount: 2,
  protocolIdentifier: 4,
  sourceTransportPort: 7,
  sourceIPv4Address: 8,
  ingressInterface: 10,
  destinationTransportPort: 11,
  destinationIPv4Address: 12,
  egressInterface: 14,
  sourceMacAddress: 56,
  destinationMacAddress: 80,
  observationPointId: 138,
  ethernetType: 256,
} as const;

/** One data record: its observation domain, template, and fields by IE (enterprise fields as `enterprise/id`). */
export interface IpfixRecord {
  readonly domain: number;
  readonly template: number;
  readonly fields: ReadonlyMap<number | string, Buffer>;
}

export interface IpfixMessages {
  /** Templates seen (domain/template id -> field count). */
  readonly templates: ReadonlyMap<string, number>;
  readonly records: readonly IpfixRecord[];
  /** Data sets whose template was never defined in their observation domain, as `domain/set id`. */
  readonly orphanSets: readonly string[];
}

interface Field {
  readonly key: number | string;
  readonly len: number;
}

/**
 * Parses a sequence of IPFIX messages in order: template sets (2) define templates per
 * observation domain (RFC 7011 section 8: a Template ID is scoped by its Observation Domain),
 * data sets (>= 256) are decoded with them (variable-length fields included); options
 * templates (3) are read like templates, and data sets of a template unknown in their domain
 * are listed.
 */
export function parseIpfix(messages: readonly Buffer[]): IpfixMessages {
  const templates = new Map<string, Field[]>();
  const records: IpfixRecord[] = [];
  const orphans = new Set<string>();
  for (const m of messages) {
    if (m.readUInt16BE(0) !== 10) throw new Error(`IPFIX: version ${m.readUInt16BE(0)}, expected 10`);
    const end = Math.min(m.length, m.readUInt16BE(2));
    const domain = m.readUInt32BE(12);
    let at = 16;
    while (at + 4 <= end) {
      const setId = m.readUInt16BE(at);
      const setLen = m.readUInt16BE(at + 2);
      if (setLen < 4) throw new Error(`IPFIX: set length ${setLen}`);
      const set = m.subarray(at + 4, at + setLen);
      at += setLen;
      if (setId === 2 || setId === 3) {
        // A template record: id, field count; an options template record adds its scope field count.
        const head = setId === 2 ? 4 : 6;
        let p = 0;
        while (p + head <= set.length) {
          const id = set.readUInt16BE(p);
          const count = set.readUInt16BE(p + 2);
          if (id < 256) break; // padding
          p += head;
          const fields: Field[] = [];
          for (let i = 0; i < count; i++) {
            const ie = set.readUInt16BE(p);
            const len = set.readUInt16BE(p + 2);
            p += 4;
            if (ie & 0x8000) {
              fields.push({ key: `${set.readUInt32BE(p)}/${ie & 0x7fff}`, len });
              p += 4;
            } else fields.push({ key: ie, len });
          }
          templates.set(`${domain}/${id}`, fields);
        }
      } else if (setId >= 256) {
        const fields = templates.get(`${domain}/${setId}`);
        if (!fields) {
          orphans.add(`${domain}/${setId}`);
          continue;
        }
        let p = 0;
        const min = fields.reduce((n, f) => n + (f.len === 0xffff ? 1 : f.len), 0);
        while (p + min <= set.length) {
          const rec = new Map<number | string, Buffer>();
          for (const f of fields) {
            let len = f.len;
            if (len === 0xffff) {
              len = set.readUInt8(p);
              p += 1;
              if (len === 255) {
                len = set.readUInt16BE(p);
                p += 2;
              }
            }
            rec.set(f.key, Buffer.from(set.subarray(p, p + len)));
            p += len;
          }
          records.push({ domain, template: setId, fields: rec });
        }
      }
    }
  }
  return { templates: new Map([...templates].map(([k, v]) => [k, v.length])), records, orphanSets: [...orphans] };
}
