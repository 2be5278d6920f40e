/** `sekiwake send KIND`: test traffic of each kind, paced and counted. */
import { EXIT } from '@sekiwake/shared';
import { hostPort, intOption, parse, usage } from './args.js';

/** Options every sender takes. */
export const COMMON_SEND_OPTIONS = {
  to: { type: 'string' },
  rate: { type: 'string', default: '1000' },
  count: { type: 'string', default: '1' },
} as const;

/** Runs `sekiwake send <kind> ...`. */
export async function send(args: string[]): Promise<number> {
  const [kind, ...rest] = args;
  switch (kind) {
    case 'syslog':
      return sendSyslogCommand(rest);
    case 'flow':
      return (await import('./send-flow.js')).sendFlowCommand(rest);
    case 'trap':
      return (await import('./send-trap.js')).sendTrapCommand(rest);
    default:
      throw usage('send wants a kind: syslog, flow or trap');
  }
}

async function sendSyslogCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_SEND_OPTIONS,
    size: { type: 'string' },
    format: { type: 'string', default: 'rfc3164' },
    'start-seq': { type: 'string', default: '0' },
    source: { type: 'string' },
  });
  const { host, port } = hostPort(values.to);
  const format = values.format;
  if (format !== 'rfc3164' && format !== 'rfc5424') throw usage('--format must be rfc3164 or rfc5424');
  const { sendSyslog } = await import('./send-syslog.js');
  const report = await sendSyslog({
    host,
    port,
    rate: intOption(values, 'rate', 0, 10_000_000),
    count: intOption(values, 'count', 1, 1_000_000_000),
    size: values.size === undefined ? undefined : intOption(values, 'size', 16, 65507),
    format,
    startSeq: intOption(values, 'start-seq', 0, Number.MAX_SAFE_INTEGER),
    source: values.source as string | undefined,
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.errors > 0 ? EXIT.FAILURE : EXIT.OK;
}
