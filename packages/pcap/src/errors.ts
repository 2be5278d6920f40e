/** Stable codes of every error this package raises. */
export const PcapErrorCode = {
  /** An option is missing, unknown or out of range. */
  OPTION: 'E_PCAP_OPTION',
  /** pcap_create or pcap_open_offline failed (e.g. file not readable). */
  OPEN: 'E_PCAP_OPEN',
  /** pcap_activate failed; `status` says why (e.g. NO_SUCH_DEVICE). */
  ACTIVATE: 'E_PCAP_ACTIVATE',
  /** pcap_compile or pcap_setfilter rejected the BPF filter. */
  FILTER: 'E_PCAP_FILTER',
  /** pcap_dispatch failed while capturing (e.g. the interface went away). */
  READ: 'E_PCAP_READ',
  /** A method was called in the wrong state (start twice, after stop). */
  STATE: 'E_PCAP_STATE',
  /** A batch buffer does not hold the records its count promises. */
  BATCH: 'E_PCAP_BATCH',
} as const;

/** One of the values of PcapErrorCode. */
export type PcapErrorCodeValue =
  (typeof PcapErrorCode)[keyof typeof PcapErrorCode];

/** Plain context of an error: which source, which libpcap status. */
export interface PcapErrorContext {
  device?: string | undefined;
  file?: string | undefined;
  status?: string | undefined;
  cause?: unknown;
}

/** An Error with a stable `code` and a plain snapshot of its context. */
export class PcapError extends Error {
  /** Stable identifier; branch on this, never on the message. */
  readonly code: PcapErrorCodeValue;
  /** Interface name, when capturing live. */
  readonly device: string | undefined;
  /** Savefile path, when reading offline. */
  readonly file: string | undefined;
  /** libpcap status name (e.g. NO_SUCH_DEVICE, PERM_DENIED), when known. */
  readonly status: string | undefined;

  /** Builds an error; `context.cause` becomes the standard Error cause. */
  constructor(
    code: PcapErrorCodeValue,
    message: string,
    context: PcapErrorContext = {},
  ) {
    super(message, context.cause === undefined ? {} : { cause: context.cause });
    this.name = 'PcapError';
    this.code = code;
    this.device = context.device;
    this.file = context.file;
    this.status = context.status;
  }
}
