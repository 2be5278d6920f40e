/**
 * A whole stack under `sekiwake up` for a test: config written to a temp
 * file, bus on ipc endpoints of its own, metrics on free ports.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CLI, start, type Proc } from './process.js';

/** A temporary directory removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'skw-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Deep-merges plain objects; arrays and scalars in `over` replace. */
export function merge<T>(base: T, over: unknown): T {
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out as T;
}

/** A config for tests: loopback capture, ipc bus in `dir`, metrics on port 0. */
export function testConfig(dir: string, over: unknown = {}): Record<string, unknown> {
  const metrics = { host: '127.0.0.1', port: 0 };
  return merge(
    {
      log: { level: 'info' },
      bus: { publishEndpoint: `ipc://${dir}/pub.sock`, subscribeEndpoint: `ipc://${dir}/sub.sock`, groupEndpoint: `ipc://${dir}/group.sock` },
      up: { metrics },
      services: {
        proxy: { metrics },
        capture: { interface: 'lo', ports: { syslog: [], flow: [], trap: [] }, metrics },
        'syslog-forwarder': { destinations: [], metrics },
        // Tests enable what they exercise.
        'xflow-forwarder': { enabled: false, metrics },
        'snmptrap-forwarder': { enabled: false, metrics },
        store: { enabled: false, metrics },
        anomaly: { enabled: false, metrics },
      },
    },
    over,
  );
}

/** Writes `config` as a file (JSON is YAML) and returns its path. */
export function writeConfig(dir: string, config: unknown, name = 'sekiwake.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Runs `sekiwake up` on `config` until every service said it is ready. */
export async function startStack(t: TestContext, dir: string, config: unknown, args: string[] = []): Promise<Proc> {
  const file = writeConfig(dir, config);
  const proc = start(t, process.execPath, [CLI, 'up', '--config', file, ...args]);
  await proc.waitFor(/"msg":"stack up"/);
  return proc;
}

/** Scrapes a metric's value (summed over series matching `labels`) from a metrics text. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The metrics port each child of a stack reported, by its label (`capture`, `syslog-forwarder.1`). */
export function metricsPorts(proc: Proc): Map<string, number> {
  const ports = new Map<string, number>();
  for (const line of proc.stdout().split('\n')) {
    const m = line.match(/^(\S+) \| (\{.*"msg":"service started".*\})$/);
    if (m) ports.set(m[1]!, (JSON.parse(m[2]!) as { metricsPort: number }).metricsPort);
  }
  return ports;
}

/** Fetches /metrics of the stack child with `label`. */
export async function scrape(proc: Proc, label: string): Promise<string> {
  const port = metricsPorts(proc).get(label);
  if (port === undefined) throw new Error(`no metrics port reported by ${label}`);
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}
