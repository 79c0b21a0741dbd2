import { z } from 'zod';

/** Shapes of the TRex v3.08 STL results dplab reads (unknown extra keys are kept). */
export const SystemInfoSchema = z.looseObject({
  hostname: z.string(),
  core_type: z.string().optional(),
  dp_core_count: z.number(),
  port_count: z.number().int(),
  ports: z.array(z.looseObject({ index: z.number().int(), driver: z.string(), hw_mac: z.string(), speed: z.number().optional() })),
});

export const PortStatusSchema = z.looseObject({
  owner: z.string(),
  state: z.enum(['DOWN', 'IDLE', 'STREAMS', 'TX', 'PAUSE', 'PCAP_TX', 'ASSIGNED']),
  service: z.boolean().optional(),
  max_stream_id: z.number().optional(),
  /** `speed`: the port's speed in Gb/s (get_system_info has none). */
  attr: z.looseObject({ link: z.looseObject({ up: z.boolean() }).optional(), speed: z.number().optional() }).optional(),
});

export const PortStatsSchema = z.looseObject({
  opackets: z.number(),
  ipackets: z.number(),
  obytes: z.number(),
  ibytes: z.number(),
  oerrors: z.number(),
  ierrors: z.number(),
  m_total_tx_pps: z.number().optional(),
  m_total_rx_pps: z.number().optional(),
});

export const GlobalStatsSchema = z.looseObject({
  m_cpu_util: z.number(),
  m_tx_pps: z.number(),
  m_rx_pps: z.number(),
  m_total_tx_pkts: z.number(),
  m_total_rx_pkts: z.number(),
  /** Times a port's TX queue was full and the server waited for it (it then falls short of the rate). */
  m_total_queue_full: z.number().optional(),
  /** Frames dropped because a TX queue was full (a server started without queue-full retries). */
  m_total_queue_drop: z.number().optional(),
});

const perPort = z.record(z.string(), z.number());
export const PgidStatsSchema = z.looseObject({
  flow_stats: z.record(z.string(), z.looseObject({ tp: perPort, rp: perPort, tb: perPort.optional(), rb: perPort.optional() })).optional(),
  latency: z.record(z.string(), z.unknown()).optional(),
  ver_id: z.record(z.string(), z.number()).optional(),
});

export const ActivePgidsSchema = z.looseObject({ ids: z.looseObject({ flow_stats: z.array(z.number()), latency: z.array(z.number()) }) });

export const CaptureStartSchema = z.looseObject({ capture_id: z.number().int(), start_ts: z.number() });
export const CaptureFetchSchema = z.looseObject({
  pending: z.number().int(),
  pkts: z.array(z.looseObject({ binary: z.string(), port: z.number().int(), origin: z.string(), ts: z.number(), index: z.number().int() })),
});
export const CaptureStopSchema = z.looseObject({ pkt_count: z.number().int() });

export const AsyncEventsSchema = z.looseObject({
  data: z.array(z.looseObject({ name: z.string(), type: z.number().int(), data: z.unknown() })),
});

export type SystemInfo = z.infer<typeof SystemInfoSchema>;
export type PortStatus = z.infer<typeof PortStatusSchema>;
export type PortStats = z.infer<typeof PortStatsSchema>;
export type GlobalStats = z.infer<typeof GlobalStatsSchema>;
export type PgidStats = z.infer<typeof PgidStatsSchema>;
export type ActivePgids = z.infer<typeof ActivePgidsSchema>;
export type CaptureFetch = z.infer<typeof CaptureFetchSchema>;
export type AsyncEvents = z.infer<typeof AsyncEventsSchema>;

/** `start_traffic`/`update_traffic` multiplier: `raw` scales the streams' rates, the others set a total. */
export interface Multiplier {
  readonly type: 'raw' | 'pps' | 'bps' | 'bpsl1' | 'percentage';
  readonly value: number;
  readonly op?: 'abs' | 'add' | 'sub';
}
