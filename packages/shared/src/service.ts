/**
 * The life of a service process: logger, metrics server, start, signals,
 * a bounded drain on SIGTERM/SIGINT, and exit codes that tell a
 * configuration mistake from a crash.
 */
import type { Config, ServiceName } from './config/schema.js';
import { exitCodeFor, EXIT, SekiwakeError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { Metrics, serveMetrics, type HealthCheck } from './metrics.js';

/** Longest a service may take to drain and stop before it is abandoned. */
export const STOP_TIMEOUT_MS = 15_000;

/** Longest the last log lines may take to leave before the process exits anyway. */
export const EXIT_FLUSH_MS = 1000;

/** How far apart the metrics ports of replicas on one host are. */
export const REPLICA_PORT_STEP = 100;

/** What a service's start function receives. */
export interface ServiceContext {
  config: Config;
  log: Logger;
  metrics: Metrics;
  /** Replica number within its group, from 0 (SEKIWAKE_REPLICA). */
  replica: number;
}

/** A started service. */
export interface RunningService {
  /** Answers /healthz. */
  health: HealthCheck;
  /** Drains what was accepted and releases every resource. */
  stop(): Promise<void>;
  /** Settles when the service ends by itself (an offline capture at end of file). */
  finished?: Promise<void>;
}

/** Starts a service from its context. */
export type ServiceStart = (ctx: ServiceContext) => Promise<RunningService>;

/**
 * Runs one service until a signal or its own end, then exits the process.
 * `metricsOf` picks the service's metrics listen address from the config.
 */
export async function runService(
  name: ServiceName,
  config: Config,
  start: ServiceStart,
): Promise<never> {
  const replica = Number(process.env.SEKIWAKE_REPLICA ?? 0) || 0;
  // A closed stdout (its reader gone) must not take the service down mid-drain.
  process.stdout.on('error', () => undefined);
  const log = createLogger(name, config.log.level);
  const metrics = new Metrics(name, { replica: String(replica) });
  const listen = config.services[name].metrics;
  let service: RunningService | undefined;
  try {
    // Replicas on one host must not collide: replica N listens on the
    // configured port plus REPLICA_PORT_STEP * N; port 0 stays the system's choice.
    const port = listen.port === 0 ? 0 : listen.port + REPLICA_PORT_STEP * replica;
    const server = await serveMetrics(metrics, listen.host, port, () => service?.health() ?? { ok: false, reason: 'starting' });
    service = await start({ config, log, metrics, replica });
    log.info({ metricsPort: server.port, replica }, 'service started');
    // Under `sekiwake up`, tell the supervisor the next service may start.
    process.send?.({ type: 'ready', metricsPort: server.port });
    const reason = await stopSignal(service);
    log.info({ reason }, 'service stopping');
    await withTimeout(service.stop(), STOP_TIMEOUT_MS, 'stop');
    await server.close();
    log.info({}, 'service stopped');
    return exit(EXIT.OK);
  } catch (err) {
    logFailure(log, err);
    return exit(exitCodeFor(err));
  }
}

function stopSignal(service: RunningService): Promise<string> {
  return new Promise((resolve, reject) => {
    const onSignal = (sig: NodeJS.Signals) => resolve(sig);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    // Under `sekiwake up`: a supervisor that is gone cannot stop or restart
    // us any more, so its children stop with it.
    if (process.connected) process.once('disconnect', () => resolve('supervisor gone'));
    service.finished?.then(() => resolve('finished'), reject);
  });
}

/** Logs an error that stops a process, with its code and context. */
export function logFailure(log: Logger, err: unknown): void {
  if (err instanceof SekiwakeError) {
    log.error({ code: err.code, ...err.context, err }, 'service failed');
  } else {
    log.fatal({ err }, 'service crashed');
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SekiwakeError('E_INTERNAL', `${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function exit(code: number): never {
  // Let pino's stdout writes finish before leaving, but do not wait on a
  // stdout nobody reads any more (a supervisor that died).
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_FLUSH_MS).unref();
  process.stdout.write('', () => process.exit(code));
  return undefined as never;
}
