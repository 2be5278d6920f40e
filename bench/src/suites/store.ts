/**
 * The archive path: 200 loopback sources -> capture -> proxy -> store, one
 * file per source and day, against rsyslog's imudp -> omfile with a
 * dynamic file per source, on the same load in the same run. Delivered is
 * the number of lines on disk once writing has settled; MB/s is the bytes
 * on disk over the time from the first send to the last write.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  blast, cpuOver, launch, lossPct, peakRssMiB, sleep, startSekiwake, usPer,
  type BenchContext, type BenchRow, type Suite,
} from '../harness.js';

const RSYSLOG_PORT = 34514;
const CAPTURE_PORT = 35514;
const SOURCES = 200;
/** Writing has settled when the archive has not grown for this long. */
const SETTLE_MS = 1500;

interface DiskCount { lines: number; bytes: number }

function countDisk(root: string): DiskCount {
  const c = { lines: 0, bytes: 0 };
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) {
        const b = readFileSync(p);
        c.bytes += b.length;
        for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) c.lines++;
      }
    }
  };
  walk(root);
  return c;
}

function diskBytes(root: string): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else n += statSync(p).size;
    }
  };
  try { walk(root); } catch { /* not created yet */ }
  return n;
}

// Waits until the archive stops growing; resolves with when it last grew.
async function settle(root: string): Promise<number> {
  let last = -1, grewAt = Date.now();
  while (Date.now() - grewAt < SETTLE_MS) {
    const now = diskBytes(root);
    if (now !== last) { last = now; grewAt = Date.now(); }
    await sleep(100);
  }
  return grewAt;
}

async function measure(ctx: BenchContext, relay: string, pids: Map<string, number>, port: number, root: string, rate: number, seconds: number): Promise<BenchRow> {
  const t0 = Date.now();
  const { result, cpu } = await cpuOver(pids, async () => {
    const sent = await blast(ctx, { host: '127.0.0.1', port, count: rate * seconds, rate, sources: SOURCES });
    const doneAt = await settle(root);
    return { sent, doneAt };
  });
  const disk = countDisk(root);
  const wall = (result.doneAt - t0) / 1000;
  const total = [...cpu.values()].reduce((a, b) => a + b, 0);
  return {
    path: 'store',
    relay,
    offeredPps: rate,
    sent: result.sent.sent,
    delivered: disk.lines,
    lossPct: lossPct(result.sent.sent, disk.lines),
    cpuUsPerDatagram: usPer(total, result.sent.sent),
    cpuByProcess: Object.fromEntries([...cpu].map(([k, ms]) => [k, usPer(ms, result.sent.sent)])),
    peakRssMiB: Object.fromEntries([...pids].map(([k, pid]) => [k, peakRssMiB(pid)])),
    note: `${seconds} s from ${SOURCES} sources; ${Math.round(disk.lines / wall)} msg/s, ${(disk.bytes / wall / 1e6).toFixed(1)} MB/s to disk; achieved ${Math.round(result.sent.pps)} pps`,
  };
}

async function rsyslogRun(ctx: BenchContext, rate: number, seconds: number): Promise<BenchRow> {
  const root = join(ctx.out, 'store-rsyslog');
  rmSync(root, { recursive: true, force: true });
  const conf = join(ctx.out, 'rsyslog-omfile.conf');
  writeFileSync(conf, [
    // Without enableDNS off, each new source costs a reverse lookup that stalls imudp.
    `global(workDirectory="${ctx.out}" net.enableDNS="off" parser.escapeControlCharactersOnReceive="off")`,
    'module(load="imudp" threads="1")',
    `input(type="imudp" address="127.0.0.1" port="${RSYSLOG_PORT}" rcvbufSize="32m")`,
    'template(name="line" type="string" string="%timegenerated:::date-rfc3339% %fromhost-ip% %rawmsg%\\n")',
    `template(name="path" type="string" string="${root}/%$year%-%$month%-%$day%/%fromhost-ip%.log")`,
    'main_queue(queue.size="200000")',
    'action(type="omfile" dynaFile="path" template="line" dynaFileCacheSize="256" ioBufferSize="64k" flushOnTXEnd="on" asyncWriting="off" createDirs="on")',
    '',
  ].join('\n'));
  const rsyslog = launch('/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', join(ctx.out, 'rsyslog-omfile.pid')]);
  await sleep(1000);
  const row = await measure(ctx, 'rsyslog omfile', new Map([['rsyslogd', rsyslog.child.pid!]]), RSYSLOG_PORT, root, rate, seconds);
  await rsyslog.stop();
  return row;
}

async function sekiwakeRun(ctx: BenchContext, rate: number, seconds: number): Promise<BenchRow> {
  const root = join(ctx.out, 'store-sekiwake');
  rmSync(root, { recursive: true, force: true });
  const metrics = { host: '127.0.0.1', port: 0 };
  const stack = await startSekiwake('bench-store', {
    // "stack up", which the harness waits for, is an info line.
    log: { level: 'info' },
    bus: { publishEndpoint: `ipc://${ctx.out}/bench-store-pub.sock`, subscribeEndpoint: `ipc://${ctx.out}/bench-store-sub.sock` },
    up: { metrics },
    services: {
      proxy: { metrics },
      capture: { interface: 'lo', ports: { syslog: [CAPTURE_PORT], flow: [], trap: [] }, metrics },
      'syslog-forwarder': { enabled: false, metrics },
      'xflow-forwarder': { enabled: false, metrics },
      'snmptrap-forwarder': { enabled: false, metrics },
      store: { enabled: true, directory: root, metrics },
      anomaly: { enabled: false, metrics },
    },
  });
  const pids = new Map([...stack.pids].filter(([k]) => ['capture', 'proxy', 'store'].includes(k)));
  const row = await measure(ctx, 'sekiwake store', pids, CAPTURE_PORT, root, rate, seconds);
  await stack.stop();
  return row;
}

export const storeSuite: Suite = {
  name: 'store',
  async run(ctx) {
    const rows: BenchRow[] = [];
    const seconds = ctx.quick ? 3 : 15;
    const rates = ctx.quick ? [50_000] : [50_000, 100_000];
    for (const rate of rates) {
      for (const [name, fn] of [['rsyslog', rsyslogRun], ['sekiwake', sekiwakeRun]] as const) {
        const row = await fn(ctx, rate, seconds);
        rows.push(row);
        process.stderr.write(`  ${name} ${rate} pps: loss ${row.lossPct}%, ${row.note}\n`);
      }
    }
    return rows;
  },
};
