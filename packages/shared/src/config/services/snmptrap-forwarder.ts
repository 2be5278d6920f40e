/** The SNMP trap forwarder's configuration: traps and informs to managers. */
import { z } from 'zod';
import { int } from '../fields.js';
import { forwarderSchema } from '../forwarder.js';

export const snmptrapForwarderSchema = forwarderSchema(9464)
  .unwrap()
  .extend({
    /**
     * Distinct label values kept per metric; traps from further agents,
     * or with further trap OIDs, are counted under "other".
     */
    labels: z
      .object({
        maxAgents: int(1, 10_000).default(256),
        maxTrapOids: int(1, 10_000).default(256),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
