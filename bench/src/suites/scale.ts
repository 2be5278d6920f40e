/**
 * Replica groups: the syslog path with 1, 2 and 3 forwarder replicas under
 * traffic from 50 sources, each at a ladder of rates; a row per replica
 * count and rate, with the CPU of every replica. On two cores this shows
 * the overhead of splitting more than any gain; per-replica CPU tells how
 * it would spread on a larger host.
 */
import type { BenchRow, Suite } from '../harness.js';
import { sekiwakeSyslogRun } from './syslog.js';

const LOSS_LIMIT_PCT = 0.01;
const SOURCES = 50;

export const scaleSuite: Suite = {
  name: 'scale',
  async run(ctx) {
    const rows: BenchRow[] = [];
    const seconds = ctx.quick ? 2 : 10;
    const ladder = ctx.quick ? [20_000] : [50_000, 100_000, 150_000];
    for (const replicas of [1, 2, 3]) {
      for (const rate of ladder) {
        const row = await sekiwakeSyslogRun(ctx, rate, seconds, { replicas, sources: SOURCES });
        row.path = 'syslog (group)';
        row.relay = `sekiwake, ${replicas} replica${replicas > 1 ? 's' : ''}`;
        rows.push(row);
        process.stderr.write(`  ${replicas} replicas ${rate} pps: loss ${row.lossPct}%\n`);
        if (row.lossPct >= LOSS_LIMIT_PCT) break;
      }
    }
    return rows;
  },
};
