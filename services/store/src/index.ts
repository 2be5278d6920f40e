/** The store service (not built yet: it only reports healthy). */
import type { RunningService, ServiceContext } from '@sekiwake/shared';

/** Starts the store service. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  ctx.log.warn({}, 'the store service does nothing yet');
  return { health: () => ({ ok: true }), stop: async () => undefined };
}
