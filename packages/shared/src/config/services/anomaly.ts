/** The anomaly service's configuration: Bollinger-band storm and silence detection. */
import { z } from 'zod';
import { metricsListen } from '../fields.js';

export const anomalySchema = z
  .object({
    enabled: z.boolean().default(true),
    metrics: metricsListen(9466),
  })
  .strict()
  .prefault({});
