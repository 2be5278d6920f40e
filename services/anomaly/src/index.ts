/**
 * The anomaly service: storms and silences of syslog, flow and trap
 * traffic, found with a Bollinger band over message counts per time bin.
 * Also the detector's pieces, for the offline command.
 */
import type { RunningService, ServiceContext } from '@sekiwake/shared';
import { AnomalyService, type AnomalyOptions } from './service.js';

export { AnomalyService, bandOptions, type AnomalyConfig, type AnomalyOptions } from './service.js';
export { band, judge, type Band, type BandOptions, type Verdict } from './detect/band.js';
export { ScopeSeries, type JudgedBin, type Transition } from './detect/series.js';
export { BinCounter, binStart, severity } from './count/bins.js';
export { ANOMALY_TOPIC } from './notify/bus.js';
export type { AnomalyEvent } from './notify/event.js';
export { syslogMessage } from './notify/syslog.js';
export * from './offline/index.js';

/** Starts the anomaly service. */
export async function start(ctx: ServiceContext, opts: AnomalyOptions = {}): Promise<RunningService> {
  const service = new AnomalyService(ctx.config, ctx.log.child({ component: 'anomaly' }), ctx.metrics, opts);
  await service.start();
  return { health: () => ({ ok: true }), stop: () => service.stop() };
}
