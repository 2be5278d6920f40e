/** Stable codes of every error this package raises. */
export const UdpBatchErrorCode = {
  /** A bad option or argument; thrown as a TypeError or RangeError. */
  ARGUMENT: 'E_UDP_ARGUMENT',
  /** socket(), setsockopt(), bind() or connect() failed; see `errno`. */
  OPEN: 'E_UDP_OPEN',
} as const;

/** One of the values of UdpBatchErrorCode. */
export type UdpBatchErrorCodeValue =
  (typeof UdpBatchErrorCode)[keyof typeof UdpBatchErrorCode];

/** Plain context of an open failure. */
export interface UdpBatchErrorContext {
  errno: string;
  syscall: string;
  address: string;
  port: number;
}

/** Opening a socket failed; carries the errno and the destination. */
export class UdpBatchError extends Error {
  /** Stable identifier; branch on this, never on the message. */
  readonly code: UdpBatchErrorCodeValue = UdpBatchErrorCode.OPEN;
  /** Symbolic errno of the failed call, e.g. 'EADDRNOTAVAIL'. */
  readonly errno: string;
  /** The system call that failed, e.g. 'bind'. */
  readonly syscall: string;
  /** Destination address. */
  readonly address: string;
  /** Destination port. */
  readonly port: number;

  /** Builds an open failure from its plain context. */
  constructor(message: string, context: UdpBatchErrorContext) {
    super(message);
    this.name = 'UdpBatchError';
    this.errno = context.errno;
    this.syscall = context.syscall;
    this.address = context.address;
    this.port = context.port;
  }
}

/** A TypeError or RangeError with code E_UDP_ARGUMENT. */
export function argumentError(
  kind: 'type' | 'range',
  message: string,
): TypeError {
  const error = kind === 'type' ? new TypeError(message) : new RangeError(message);
  return Object.assign(error, { code: UdpBatchErrorCode.ARGUMENT });
}
