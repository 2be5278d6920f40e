/**
 * The benchmark's tools: a C load generator and counter (built here from
 * bench/tools), the CPU time and peak memory of processes read from /proc,
 * and a Sekiwake stack under `sekiwake up` with the pid of each service.
 * Every load goes to loopback addresses only and is bounded in count.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The built `sekiwake` command. */
export const CLI = join(ROOT, 'packages/cli/dist/main.js');
/** Where the benchmark writes its configs, logs and results. */
export const OUT = join(ROOT, 'bench/out');
const CLK_TCK = 100;

/** What every suite receives. */
export interface BenchContext {
  tools: { blast: string; sink: string };
  out: string;
  /** Shorter runs, for a smoke check of the benchmark itself. */
  quick: boolean;
}

/** One measured run: a relay at an offered rate. */
export interface BenchRow {
  /** The path measured: syslog, flow, trap, store, ... */
  path: string;
  /** What relayed: "sekiwake", "rsyslog", ... with a qualifier if needed. */
  relay: string;
  offeredPps: number;
  /** The rate the sender reached; below the offered one when the cores were busy. */
  achievedPps?: number;
  sent: number;
  delivered: number;
  /** Percentage lost, from sent and delivered. */
  lossPct: number;
  /** CPU time (user+system) of the relay's processes per datagram sent, microseconds. */
  cpuUsPerDatagram: number;
  /** CPU per datagram of each process of the relay, microseconds. */
  cpuByProcess?: Record<string, number>;
  /** Peak resident memory of each process, MiB. */
  peakRssMiB?: Record<string, number>;
  note?: string;
}

/** A group of runs. */
export interface Suite {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

/** Compiles the C tools into bench/out/bin. */
export function buildTools(): BenchContext['tools'] {
  const bin = join(OUT, 'bin');
  mkdirSync(bin, { recursive: true });
  const tools = { blast: join(bin, 'blast'), sink: join(bin, 'sink') };
  for (const [name, path] of Object.entries(tools)) {
    execFileSync('gcc', ['-O2', '-Wall', '-o', path, join(ROOT, 'bench/tools', `${name}.c`)], { stdio: 'inherit' });
  }
  return tools;
}

/** A started process, ended by its pid when done. */
export interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves when a line matching `re` was printed. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

// Everything launched and still running, so a failed run can end it all.
const live = new Set<Running>();

/** Stops every process the benchmark started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** Starts a command, collecting its stdout and stderr. */
export function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const running: Running = {
    child,
    output: () => text,
    exited,
    async waitFor(re, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!re.test(text)) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`${cmd}: never printed ${re}\n${text.slice(-2000)}`);
        await sleep(20);
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(running);
  void exited.then(() => live.delete(running));
  return running;
}

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the counter on host:port; `result` settles after `idleMs` of silence. */
export async function startSink(ctx: BenchContext, host: string, port: number, idleMs = 1500) {
  const p = launch(ctx.tools.sink, [host, String(port), String(idleMs)]);
  await p.waitFor(/ready/);
  const result = p.exited.then(() => {
    const line = p.output().split('\n').find((l) => l.startsWith('{"received"'));
    if (!line) throw new Error(`sink printed no result: ${p.output()}`);
    return JSON.parse(line) as { received: number; bytes: number };
  });
  return { proc: p, result };
}

/** Sends `count` datagrams at `rate` per second and waits until done. */
export async function blast(
  ctx: BenchContext,
  o: { host: string; port: number; count: number; rate: number; payloadFile?: string; sources?: number },
): Promise<{ sent: number; seconds: number; pps: number }> {
  const env = { ...process.env, ...(o.sources ? { SOURCES: String(o.sources) } : {}) };
  const args = [o.host, String(o.port), String(o.count), String(o.rate), ...(o.payloadFile ? [o.payloadFile] : [])];
  const p = launch(ctx.tools.blast, args, env);
  await p.exited;
  const line = p.output().split('\n').find((l) => l.startsWith('{"sent"'));
  if (!line) throw new Error(`blast printed no result: ${p.output()}`);
  return JSON.parse(line) as { sent: number; seconds: number; pps: number };
}

/** User+system CPU time of a process so far, in ms (0 when it is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Peak resident memory (VmHWM) of a process, in MiB. */
export function peakRssMiB(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : 0;
  } catch {
    return 0;
  }
}

/** CPU of each named process over `fn`, in ms. */
export async function cpuOver<T>(pids: Map<string, number>, fn: () => Promise<T>): Promise<{ result: T; cpu: Map<string, number> }> {
  const before = new Map([...pids].map(([k, pid]) => [k, cpuMs(pid)]));
  const result = await fn();
  const cpu = new Map([...pids].map(([k, pid]) => [k, cpuMs(pid) - before.get(k)!]));
  return { result, cpu };
}

/** A Sekiwake stack under `sekiwake up`, with the pid of each child by its label. */
export interface BenchStack {
  pids: Map<string, number>;
  stop(): Promise<void>;
  output(): string;
}

/** Runs `sekiwake up` on `config` (written to bench/out) and waits until it is up. */
export async function startSekiwake(name: string, config: unknown, args: string[] = []): Promise<BenchStack> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const p = launch(process.execPath, [CLI, 'up', '--config', file, ...args]);
  await p.waitFor(/"msg":"stack up"/, 60_000);
  const pids = new Map<string, number>();
  for (const line of p.output().split('\n')) {
    const m = line.match(/^(\S+) \| (\{.*"msg":"service started".*\})$/);
    if (m) pids.set(m[1]!, (JSON.parse(m[2]!) as { pid: number }).pid);
  }
  return { pids, stop: () => p.stop(), output: p.output };
}

/** Loss in percent, to 4 decimals. */
export function lossPct(sent: number, delivered: number): number {
  return sent === 0 ? 0 : Math.round(((sent - delivered) / sent) * 1e6) / 1e4;
}

/** Microseconds per datagram, to 2 decimals. */
export function usPer(ms: number, n: number): number {
  return n === 0 ? 0 : Math.round(((ms * 1000) / n) * 100) / 100;
}

/** What one load through a relay to the counter gave. */
export interface RelayLoad {
  sent: { sent: number; pps: number };
  received: number;
  cpu: Map<string, number>;
  pids: Map<string, number>;
}

/**
 * Sends `rate` × `seconds` datagrams to 127.0.0.1:`port`, through the relay
 * whose processes are `pids`, to a counter on sink host:port, and measures
 * the relay's CPU over it.
 */
export async function loadThrough(
  ctx: BenchContext,
  o: { pids: Map<string, number>; port: number; rate: number; seconds: number; sink: { host: string; port: number }; sources?: number; payloadFile?: string },
): Promise<RelayLoad> {
  const sink = await startSink(ctx, o.sink.host, o.sink.port);
  const { result: sent, cpu } = await cpuOver(o.pids, async () => {
    const r = await blast(ctx, {
      host: '127.0.0.1', port: o.port, count: o.rate * o.seconds, rate: o.rate,
      ...(o.sources ? { sources: o.sources } : {}), ...(o.payloadFile ? { payloadFile: o.payloadFile } : {}),
    });
    await sink.result;
    return r;
  });
  const { received } = await sink.result;
  return { sent, received, cpu, pids: o.pids };
}

/** A table row from a load: loss, CPU per datagram in all and by process, peak memory. */
export function rowOf(path: string, relay: string, rate: number, load: RelayLoad, note: string): BenchRow {
  const n = load.sent.sent;
  const total = [...load.cpu.values()].reduce((a, b) => a + b, 0);
  return {
    path,
    relay,
    offeredPps: rate,
    achievedPps: Math.round(load.sent.pps),
    sent: n,
    delivered: load.received,
    lossPct: lossPct(n, load.received),
    cpuUsPerDatagram: usPer(total, n),
    cpuByProcess: Object.fromEntries([...load.cpu].map(([k, ms]) => [k, usPer(ms, n)])),
    peakRssMiB: Object.fromEntries([...load.pids].map(([k, pid]) => [k, peakRssMiB(pid)])),
    note: `${note}achieved ${Math.round(load.sent.pps)} pps`,
  };
}
