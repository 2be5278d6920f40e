/**
 * `sekiwake up`: every enabled service as a child process from one config
 * file. Children start in order (each waits for the one before to say it is
 * ready), their log lines are prefixed with their name and passed on, one
 * that dies is restarted with backoff, and SIGINT/SIGTERM stops them all,
 * capture first, so that what is in flight drains downstream.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  EXIT,
  Metrics,
  serveMetrics,
  type Config,
  type Logger,
  type ServiceName,
} from '@sekiwake/shared';
import { START_ORDER } from './services.js';

/** First and longest wait before a dead child is started again. */
export const RESTART_MIN_MS = 250;
export const RESTART_MAX_MS = 30_000;
/** A child that ran this long is healthy again: its backoff starts over. */
export const RESTART_RESET_MS = 60_000;
/** How long a child has to say it is ready, and to stop when told. */
export const READY_TIMEOUT_MS = 15_000;
export const STOP_GRACE_MS = 20_000;

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

/** One child process of the stack. */
interface Child {
  name: ServiceName;
  replica: number;
  label: string;
  proc: ChildProcess | null;
  startedAt: number;
  failures: number;
  timer: NodeJS.Timeout | null;
}

/** Runs the stack until a signal; resolves with the exit code. */
export async function up(config: Config, configFile: string | undefined, scale: Map<ServiceName, number>): Promise<number> {
  const log = createLogger('up', config.log.level);
  const metrics = new Metrics('up');
  const restarts = metrics.counter({ name: 'up_restarts_total', help: 'Children restarted after they died', labelNames: ['child'] });
  const running = metrics.gauge({ name: 'up_children_running', help: 'Children running', labelNames: ['child'] });
  const children: Child[] = [];
  for (const name of START_ORDER) {
    if (!config.services[name].enabled) continue;
    for (let r = 0; r < (scale.get(name) ?? 1); r++) {
      children.push({ name, replica: r, label: r === 0 ? name : `${name}.${r}`, proc: null, startedAt: 0, failures: 0, timer: null });
    }
  }
  let stopping = false;

  const spawnChild = (c: Child): Promise<void> => {
    const args = [c.name, ...(configFile ? ['--config', configFile] : [])];
    const proc = fork(MAIN, args, {
      env: { ...process.env, SEKIWAKE_REPLICA: String(c.replica) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    c.proc = proc;
    c.startedAt = Date.now();
    running.inc({ child: c.label });
    relay(proc.stdout!, c.label, process.stdout);
    relay(proc.stderr!, c.label, process.stderr);
    proc.on('exit', (code, signal) => {
      running.dec({ child: c.label });
      c.proc = null;
      if (stopping) return;
      if (Date.now() - c.startedAt > RESTART_RESET_MS) c.failures = 0;
      const delay = Math.min(RESTART_MIN_MS * 2 ** c.failures, RESTART_MAX_MS);
      c.failures++;
      restarts.inc({ child: c.label });
      log.warn({ child: c.label, code, signal, restartInMs: delay, failures: c.failures }, 'child died');
      c.timer = setTimeout(() => {
        c.timer = null;
        if (!stopping) void spawnChild(c);
      }, delay);
    });
    return ready(proc, c.label, log);
  };

  const listen = config.up.metrics;
  const server = await serveMetrics(metrics, listen.host, listen.port, () => ({ ok: true })).catch((err: Error) => {
    log.warn({ err }, 'supervisor metrics unavailable');
    return null;
  });
  for (const c of children) await spawnChild(c);
  log.info({ children: children.map((c) => c.label), metricsPort: server?.port ?? null }, 'stack up');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopping = true;
  log.info({ signal }, 'stack stopping');
  for (const c of [...children].reverse()) {
    if (c.timer) clearTimeout(c.timer);
    await stopChild(c, log);
  }
  await server?.close();
  log.info({}, 'stack stopped');
  return EXIT.OK;
}

// A child says it is ready over IPC once its sockets are open; one that does
// not within the timeout is left running, and the next one starts anyway.
function ready(proc: ChildProcess, label: string, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log.warn({ child: label, timeoutMs: READY_TIMEOUT_MS }, 'child not ready in time');
      resolve();
    }, READY_TIMEOUT_MS);
    const done = () => { clearTimeout(timer); resolve(); };
    proc.on('message', (m: { type?: string }) => { if (m?.type === 'ready') done(); });
    proc.once('exit', done);
  });
}

async function stopChild(c: Child, log: Logger): Promise<void> {
  const proc = c.proc;
  if (proc === null || proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => {
    log.error({ child: c.label, graceMs: STOP_GRACE_MS }, 'child did not stop: killing it');
    proc.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function relay(from: NodeJS.ReadableStream, label: string, to: NodeJS.WritableStream) {
  const lines = createInterface({ input: from, crlfDelay: Infinity });
  lines.on('line', (line) => to.write(`${label} | ${line}\n`));
}
