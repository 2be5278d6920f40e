/** The services the command can run, by name, loaded only when run. */
import type { ServiceName, ServiceStart } from '@sekiwake/shared';

/** Loads the start function of a service. */
export async function loadService(name: ServiceName): Promise<ServiceStart> {
  switch (name) {
    case 'proxy':
      return (await import('@sekiwake/proxy')).start;
    case 'capture':
      return (await import('@sekiwake/capture')).start;
    case 'syslog-forwarder':
      return (await import('@sekiwake/syslog-forwarder')).start;
    case 'xflow-forwarder':
      return (await import('@sekiwake/xflow-forwarder')).start;
    case 'snmptrap-forwarder':
      return (await import('@sekiwake/snmptrap-forwarder')).start;
    case 'store':
      return (await import('@sekiwake/store')).start;
    case 'anomaly':
      return (await import('@sekiwake/anomaly')).start;
  }
}

/**
 * The order `up` starts services in: the proxy first, subscribers next, the
 * capture last, so that nothing is published before someone listens.
 * Stopping goes the other way, so the capture stops feeding first.
 */
export const START_ORDER: readonly ServiceName[] = [
  'proxy',
  'store',
  'anomaly',
  'syslog-forwarder',
  'xflow-forwarder',
  'snmptrap-forwarder',
  'capture',
];
