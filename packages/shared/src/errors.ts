/**
 * The one catalogue of error codes. Each code is stable (tests and operators
 * match on it, never on wording) and each error carries a plain snapshot of
 * its context: an interface name, an endpoint, a path, never a live socket.
 */

/** Every code a Sekiwake error can carry, with what it means. */
export const ERROR_CODES = {
  E_CONFIG_FILE: 'the configuration file cannot be read or is not valid YAML',
  E_CONFIG_INVALID: 'the configuration breaks a rule of its schema',
  E_USAGE: 'the command line is wrong',
  E_BUS: 'a ZeroMQ socket of the bus could not bind, connect or send',
  E_CAPTURE_OPEN: 'libpcap could not open the interface or file',
  E_CAPTURE_FAILED: 'libpcap stopped delivering packets',
  E_METRICS_LISTEN: 'the metrics HTTP server could not listen',
  E_DESTINATION: 'a destination socket could not be opened',
  E_ENVELOPE: 'a bus message is not a valid envelope batch',
  E_INTERNAL: 'a bug: an invariant did not hold',
} as const;

/** A stable error code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Plain, loggable context of an error. */
export type ErrorContext = Record<string, string | number | boolean | null>;

/** The base of every error Sekiwake raises on purpose. */
export class SekiwakeError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(
    code: ErrorCode,
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SekiwakeError';
    this.code = code;
    this.context = context;
  }
}

/** True when `err` is a {@link SekiwakeError} with the given code. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof SekiwakeError && err.code === code;
}

/**
 * Process exit codes, after sysexits(3), so that supervisors and scripts can
 * tell a configuration mistake from a crash.
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 64,
  UNAVAILABLE: 69,
  CONFIG: 78,
} as const;

/** The exit code a process should end with after `err` stopped it. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof SekiwakeError)) return EXIT.FAILURE;
  switch (err.code) {
    case 'E_CONFIG_FILE':
    case 'E_CONFIG_INVALID':
      return EXIT.CONFIG;
    case 'E_USAGE':
      return EXIT.USAGE;
    case 'E_BUS':
    case 'E_CAPTURE_OPEN':
    case 'E_METRICS_LISTEN':
    case 'E_DESTINATION':
      return EXIT.UNAVAILABLE;
    default:
      return EXIT.FAILURE;
  }
}
