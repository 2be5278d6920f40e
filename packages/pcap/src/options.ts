import { PcapError, PcapErrorCode } from './errors.js';

/** Options of PcapCapture.open; exactly one of device and file is given. */
export interface OpenOptions {
  /** Interface to capture on, or "any" (pcap_create). */
  device?: string;
  /** pcap or pcapng savefile to read (pcap_open_offline). */
  file?: string;
  /** Bytes kept of each packet (pcap_set_snaplen). */
  snaplen?: number;
  /** Kernel ring buffer size in bytes (pcap_set_buffer_size). */
  bufferBytes?: number;
  /** Capture packets not addressed to this host (pcap_set_promisc). */
  promiscuous?: boolean;
  /** Longest wait before a partly filled ring block is delivered. */
  timeoutMs?: number;
  /** Deliver each packet as it arrives (pcap_set_immediate_mode). */
  immediate?: boolean;
  /** Capture only packets this host receives, not those it sends (pcap_setdirection PCAP_D_IN). */
  inboundOnly?: boolean;
  /** BPF filter expression, compiled optimized (pcap_compile). */
  filter?: string;
  /** Most packets in one batch handed to JavaScript. */
  batchPackets?: number;
  /** Most bytes (records and padding) in one batch. */
  batchBytes?: number;
}

/** Defaults of every numeric and boolean option, in one place. */
export const DEFAULT_OPTIONS = {
  snaplen: 262_144,
  bufferBytes: 32 * 1024 * 1024,
  promiscuous: false,
  timeoutMs: 10,
  immediate: false,
  inboundOnly: false,
  filter: '',
  batchPackets: 1024,
  batchBytes: 1024 * 1024,
} as const;

/** Options with defaults applied, as the native open() receives them. */
export interface ResolvedOptions {
  device: string;
  file: string;
  filter: string;
  promiscuous: boolean;
  immediate: boolean;
  inboundOnly: boolean;
  snaplen: number;
  bufferBytes: number;
  timeoutMs: number;
  batchPackets: number;
  batchBytes: number;
}

// Inclusive integer ranges. 262144 is libpcap's largest snapshot length.
const RANGES = {
  snaplen: [1, 262_144],
  bufferBytes: [65_536, 2 ** 31 - 1],
  timeoutMs: [1, 60_000],
  batchPackets: [1, 1_048_576],
  batchBytes: [4096, 256 * 1024 * 1024],
} as const;

const KNOWN_KEYS = new Set(['device', 'file', ...Object.keys(DEFAULT_OPTIONS)]);

function optionError(message: string): PcapError {
  return new PcapError(PcapErrorCode.OPTION, message);
}

function checkSource(o: OpenOptions): void {
  const hasDevice = o.device !== undefined;
  if (hasDevice === (o.file !== undefined)) {
    throw optionError('give exactly one of device and file');
  }
  const value = hasDevice ? o.device : o.file;
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw optionError(
      `${hasDevice ? 'device' : 'file'} must be a non-empty string`,
    );
  }
}

function checkInteger(name: keyof typeof RANGES, value: unknown): number {
  const [min, max] = RANGES[name];
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw optionError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value as number;
}

function checkType(name: string, value: unknown, type: string): void {
  if (typeof value !== type) throw optionError(`${name} must be a ${type}`);
}

/** Checks options strictly (unknown keys too) and fills in the defaults. */
export function resolveOptions(o: OpenOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) {
    throw optionError('options must be an object');
  }
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) throw optionError(`unknown option ${key}`);
  }
  checkSource(o);
  const r = { ...DEFAULT_OPTIONS, ...dropUndefined(o) };
  checkType('promiscuous', r.promiscuous, 'boolean');
  checkType('immediate', r.immediate, 'boolean');
  checkType('inboundOnly', r.inboundOnly, 'boolean');
  checkType('filter', r.filter, 'string');
  return {
    device: o.device ?? '',
    file: o.file ?? '',
    filter: r.filter,
    promiscuous: r.promiscuous,
    immediate: r.immediate,
    inboundOnly: r.inboundOnly,
    snaplen: checkInteger('snaplen', r.snaplen),
    bufferBytes: checkInteger('bufferBytes', r.bufferBytes),
    timeoutMs: checkInteger('timeoutMs', r.timeoutMs),
    batchPackets: checkInteger('batchPackets', r.batchPackets),
    batchBytes: checkInteger('batchBytes', r.batchBytes),
  };
}

function dropUndefined(o: OpenOptions): Partial<OpenOptions> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined),
  );
}
