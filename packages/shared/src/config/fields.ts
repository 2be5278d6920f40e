/** Field schemas shared by every service's configuration. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { LOG_LEVELS } from '../log.js';

// RFC 1123 host names: dot-separated labels of letters, digits and hyphens.
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const LOOKS_NUMERIC = /^[0-9.]+$/;

/** An IP literal or a DNS name; "300.1.1.1" is neither. */
export const host = z.string().refine(
  (s) => isIP(s) !== 0 || (HOSTNAME.test(s) && !LOOKS_NUMERIC.test(s)),
  { message: 'must be an IPv4/IPv6 address or a host name' },
);

/** A UDP or TCP port a peer listens on. */
export const port = z.number().int().min(1, 'must be 1..65535').max(65535, 'must be 1..65535');

/** A port to listen on; 0 lets the system choose. */
export const listenPort = z.number().int().min(0, 'must be 0..65535').max(65535, 'must be 0..65535');

/** A ZeroMQ endpoint. */
export const endpoint = z.string().regex(/^(tcp:\/\/[^\s]+:\d+|ipc:\/\/\S+|inproc:\/\/\S+)$/, {
  message: 'must be a ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH or inproc://NAME',
});

/** Where a service serves /metrics and /healthz. */
export const metricsListen = (defaultPort: number) =>
  z
    .object({
      host: host.default('127.0.0.1'),
      port: listenPort.default(defaultPort),
    })
    .strict()
    .prefault({});

/** A pino log level. */
export const logLevel = z.enum(LOG_LEVELS);

/** A whole number within [min, max]. */
export const int = (min: number, max: number) => z.number().int().min(min).max(max);
