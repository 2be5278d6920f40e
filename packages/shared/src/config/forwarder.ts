/** What every forwarder's configuration has: its destinations. */
import { z } from 'zod';
import { host, int, metricsListen, port } from './fields.js';

/** A UDP destination. */
export const destinationSchema = z
  .object({
    host,
    port,
    /** Shown in metrics and logs; defaults to host:port. */
    name: z.string().regex(/^[\w.:-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . : -').optional(),
  })
  .strict();

/** A forwarder: delivers one kind to its destinations. */
export const forwarderSchema = (defaultMetricsPort: number) =>
  z
    .object({
      enabled: z.boolean().default(true),
      destinations: z.array(destinationSchema).max(64).default([]),
      /**
       * Replicas of a forwarder with the same group name share its stream,
       * each datagram delivered by one of them. Defaults to the service
       * name; null makes every replica receive everything (a fan-out).
       */
      replicaGroup: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -').nullable().optional(),
      /** SO_SNDBUF of each destination socket. */
      sendBufferBytes: int(65536, 256 << 20).default(8 << 20),
      metrics: metricsListen(defaultMetricsPort),
    })
    .strict()
    .prefault({});

/** A configured destination. */
export type Destination = z.infer<typeof destinationSchema>;
