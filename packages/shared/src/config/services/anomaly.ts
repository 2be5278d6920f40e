/**
 * The anomaly service's configuration: message counts per time bin, judged
 * against a Bollinger band (moving mean plus and minus k standard
 * deviations) over the previous bins, to find storms and silences.
 */
import { z } from 'zod';
import { host, int, metricsListen, port } from '../fields.js';

const KIND_NAMES = ['syslog', 'flow', 'trap'] as const;

/** RFC 5424 facility names a notification may be sent with. */
const FACILITIES = [
  'kern', 'user', 'daemon', 'auth', 'syslog',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

const webhookSchema = z
  .object({
    /** Receives a JSON POST with a Slack-compatible `text` field. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    /** Longest one POST may take before it counts as failed. */
    timeoutMs: int(100, 60_000).default(5000),
    /** Tries per notification, the first one included. */
    maxAttempts: int(1, 20).default(6),
    /** Wait before the first retry; doubled each time up to maxRetryDelayMs. */
    retryDelayMs: int(10, 60_000).default(500),
    maxRetryDelayMs: int(10, 600_000).default(30_000),
    /** Notifications waiting to be posted; when full the oldest is dropped (counted). */
    maxQueued: int(1, 10_000).default(256),
  })
  .strict();

const syslogNotifySchema = z
  .object({
    host,
    port,
    facility: z.enum(FACILITIES).default('daemon'),
    /** RFC 5424 APP-NAME. */
    appName: z.string().regex(/^[!-~]{1,48}$/, 'must be 1-48 printable ASCII characters, no space').default('sekiwake-anomaly'),
  })
  .strict();

export const anomalySchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Bus topics to count, each judged on its own. */
    kinds: z.array(z.enum(KIND_NAMES)).min(1).max(3).default(['syslog', 'flow', 'trap']),
    /** Width of a bin; bins start at whole multiples of it since the Unix epoch (UTC). */
    binSeconds: int(1, 86_400).default(60),
    /** Closed bins the band is computed from (the bin judged is not one of them). */
    windowBins: int(2, 10_080).default(60),
    /** Closed bins needed before the first verdict; at most windowBins. */
    warmupBins: int(2, 10_080).default(10),
    /** Width of the band in standard deviations. */
    k: z.number().positive().max(100).default(3),
    /** Floor on the deviation, in messages per bin, so a flat history does not alarm on one extra message. */
    minStdDev: z.number().nonnegative().default(1),
    /** Floor on the deviation as a fraction of the mean; the larger floor wins. */
    minStdDevFraction: z.number().nonnegative().max(10).default(0.1),
    /** Also report bins below the lower band (silences). */
    silence: z.boolean().default(true),
    /** Keep a storm's or silence's bins out of the band's history while it lasts (at most one window). */
    holdBaseline: z.boolean().default(true),
    /** How long after a bin's end it stays open for datagrams still on their way. */
    closeDelayMs: int(0, 600_000).default(2000),
    sources: z
      .object({
        /** Judge the busiest sources on their own, besides the total. */
        enabled: z.boolean().default(true),
        /** Sources judged individually; the rest are judged together as "other". */
        maxTracked: int(1, 200).default(20),
      })
      .strict()
      .prefault({}),
    /** Judge each syslog severity (from the PRI) on its own. */
    severity: z.boolean().default(false),
    state: z
      .object({
        /** Where the band's history is kept across restarts; none when absent. */
        file: z.string().min(1).optional(),
        saveIntervalSeconds: int(1, 86_400).default(60),
      })
      .strict()
      .prefault({}),
    notify: z
      .object({
        webhook: webhookSchema.optional(),
        syslog: syslogNotifySchema.optional(),
        /** Publish each notification as JSON on the bus topic `anomaly`. */
        bus: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    metrics: metricsListen(9466),
  })
  .strict()
  .refine((c) => c.warmupBins <= c.windowBins, {
    path: ['warmupBins'],
    message: 'warmupBins must be at most windowBins',
  })
  .refine((c) => new Set(c.kinds).size === c.kinds.length, {
    path: ['kinds'],
    message: 'kinds must not repeat',
  })
  .prefault({});
