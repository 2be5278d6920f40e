/** The store's configuration: the syslog archive on disk. */
import { z } from 'zod';
import { metricsListen } from '../fields.js';

export const storeSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Root directory of the archive. */
    directory: z.string().min(1).default('./data/store'),
    metrics: metricsListen(9465),
  })
  .strict()
  .prefault({});
