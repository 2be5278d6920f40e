/**
 * The trap path: sender -> capture -> proxy -> snmptrap forwarder ->
 * counter, and net-snmp's snmptrapd forwarding (`forward default`) on the
 * same load, in the same run. The load is one real 100-byte SNMPv2c trap,
 * repeated. A ladder of rates finds the highest with loss under 0.01%.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  launch, loadThrough, rowOf, sleep, startSekiwake,
  type BenchContext, type BenchRow, type Suite,
} from '../harness.js';

const TRAPD_PORT = 31162;
const CAPTURE_PORT = 32162;
const SINK_HOST = '127.0.0.2';
const SINK_PORT = 33162;
const LOSS_LIMIT_PCT = 0.01;
const COMMUNITY = 'sekiwake-pub';

/**
 * Sent once by net-snmp 5.9.3 and captured with tcpdump:
 *   snmptrap -v 2c -c sekiwake-pub HOST 123 1.3.6.1.4.1.8072.9999.9999.1.0.1 \
 *     1.3.6.1.4.1.8072.9999.9999.1.1 c 8
 * 100 bytes: sysUpTime.0, snmpTrapOID.0 and one Counter32.
 */
const TRAP_V2C_100 = Buffer.from(
  '3062020101040c73656b6977616b652d707562a74f020400db3b980201000201003041300d06082b0601020101030043017b' +
  '301c060a2b060106030101040100060e2b06010401bf08ce0fce0f0100013012060d2b06010401bf08ce0fce0f0101410108',
  'hex',
);

function payloadFile(ctx: BenchContext): string {
  const file = join(ctx.out, 'trap-v2c-100.bin');
  writeFileSync(file, TRAP_V2C_100);
  return file;
}

async function snmptrapdRun(ctx: BenchContext, rate: number, seconds: number): Promise<BenchRow> {
  const conf = join(ctx.out, 'snmptrapd-relay.conf');
  writeFileSync(conf, [
    `authCommunity net ${COMMUNITY}`,
    'doNotLogTraps yes',
    `forward default udp:${SINK_HOST}:${SINK_PORT}`,
    '',
  ].join('\n'));
  const env = { ...process.env, MIBS: '', SNMP_PERSISTENT_DIR: join(ctx.out, 'snmp-state') };
  const trapd = launch('/usr/sbin/snmptrapd', ['-f', '-C', '-c', conf, '-Lo', `udp:127.0.0.1:${TRAPD_PORT}`], env);
  await trapd.waitFor(/NET-SNMP version/);
  const pid = trapd.child.pid!;
  const row = await measure(ctx, 'snmptrapd', new Map([['snmptrapd', pid]]), TRAPD_PORT, rate, seconds);
  await trapd.stop();
  return row;
}

async function sekiwakeRun(ctx: BenchContext, rate: number, seconds: number): Promise<BenchRow> {
  const metrics = { host: '127.0.0.1', port: 0 };
  const stack = await startSekiwake('bench-trap', {
    // info: startSekiwake reads the pids from the lifecycle lines.
    log: { level: 'info' },
    bus: {
      publishEndpoint: `ipc://${ctx.out}/bench-pub.sock`,
      subscribeEndpoint: `ipc://${ctx.out}/bench-sub.sock`,
      groupEndpoint: `ipc://${ctx.out}/bench-group.sock`,
    },
    up: { metrics },
    services: {
      proxy: { metrics },
      capture: { interface: 'lo', ports: { syslog: [], flow: [], trap: [CAPTURE_PORT] }, metrics },
      'syslog-forwarder': { enabled: false, metrics },
      'xflow-forwarder': { enabled: false, metrics },
      'snmptrap-forwarder': { destinations: [{ host: SINK_HOST, port: SINK_PORT }], metrics },
      store: { enabled: false, metrics },
      anomaly: { enabled: false, metrics },
    },
  });
  const pids = new Map([...stack.pids].filter(([k]) => ['capture', 'proxy', 'snmptrap-forwarder'].includes(k)));
  const row = await measure(ctx, 'sekiwake', pids, CAPTURE_PORT, rate, seconds);
  await stack.stop();
  return row;
}

async function measure(ctx: BenchContext, relay: string, pids: Map<string, number>, port: number, rate: number, seconds: number): Promise<BenchRow> {
  const load = await loadThrough(ctx, { pids, port, rate, seconds, payloadFile: payloadFile(ctx), sink: { host: SINK_HOST, port: SINK_PORT } });
  return rowOf('trap', relay, rate, load, `${seconds} s, 100-byte v2c trap, `);
}

export const trapSuite: Suite = {
  name: 'trap',
  async run(ctx) {
    const rows: BenchRow[] = [];
    const seconds = ctx.quick ? 2 : 5;
    const ladder = ctx.quick ? [5_000] : [5_000, 10_000, 20_000, 40_000, 80_000, 160_000];
    const best = new Map<string, number>([['snmptrapd', 0], ['sekiwake', 0]]);
    const failed = new Set<string>();
    for (const rate of ladder) {
      for (const [relay, fn] of [['snmptrapd', snmptrapdRun], ['sekiwake', sekiwakeRun]] as const) {
        if (failed.has(relay)) continue;
        const row = await fn(ctx, rate, seconds);
        rows.push(row);
        process.stderr.write(`  ${relay} ${rate} pps: loss ${row.lossPct}%\n`);
        if (row.lossPct < LOSS_LIMIT_PCT) best.set(relay, rate);
        else failed.add(relay);
      }
      await sleep(200);
    }
    rows.push({
      path: 'trap', relay: 'summary', offeredPps: 0, sent: 0, delivered: 0, lossPct: 0, cpuUsPerDatagram: 0,
      note: `highest rate with loss < ${LOSS_LIMIT_PCT}%: snmptrapd ${best.get('snmptrapd')} pps, sekiwake ${best.get('sekiwake')} pps (ladder tops at ${ladder.at(-1)})`,
    });
    return rows;
  },
};
