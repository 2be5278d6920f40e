/**
 * Every configured notification channel behind one `send`: the webhook,
 * the syslog receiver and the bus topic. No channel ever makes the caller
 * wait; each outcome is counted by channel.
 */
import { SekiwakeError, type Config, type Logger } from '@sekiwake/shared';
import type { AnomalyMetrics } from '../metrics.js';
import { BusNotifier } from './bus.js';
import type { AnomalyEvent } from './event.js';
import { SyslogNotifier } from './syslog.js';
import { WebhookNotifier } from './webhook.js';

/** The channels of one service. */
export class Notifiers {
  private readonly webhook: WebhookNotifier | null = null;
  private readonly syslog: SyslogNotifier | null = null;
  private readonly bus: BusNotifier | null = null;

  constructor(config: Config, log: Logger, m: AnomalyMetrics) {
    const n = config.services.anomaly.notify;
    const count = (channel: string) => (outcome: string) => m.notifications.inc({ channel, outcome });
    if (n.webhook) this.webhook = new WebhookNotifier(n.webhook, log.child({ channel: 'webhook' }), count('webhook'));
    if (n.syslog) {
      checkNoLoop(config, n.syslog.host, n.syslog.port);
      this.syslog = new SyslogNotifier(n.syslog, log.child({ channel: 'syslog' }), count('syslog'));
    }
    if (n.bus) this.bus = new BusNotifier(config.bus.publishEndpoint, config.bus.sendHighWaterMark, count('bus'));
  }

  /** Opens the sockets (connections complete in the background). */
  open(): void {
    this.syslog?.open();
    this.bus?.connect();
  }

  /** Hands `e` to every channel. */
  send(e: AnomalyEvent): void {
    this.webhook?.send(e);
    this.syslog?.send(e);
    this.bus?.send(e);
  }

  /** Lets queued notifications leave, for a bounded time, and closes. */
  async stop(): Promise<void> {
    await Promise.all([this.webhook?.stop(), this.syslog?.stop(), this.bus?.stop()]);
  }
}

// A notification sent to a port the capture watches on loopback would be
// captured, counted and judged again.
function checkNoLoop(config: Config, host: string, port: number): void {
  const cap = config.services.capture;
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  if (!cap.enabled || cap.readFile || !['lo', 'any'].includes(cap.interface) || !loopback) return;
  if (!Object.values(cap.ports).some((list) => list.includes(port))) return;
  throw new SekiwakeError(
    'E_CONFIG_INVALID',
    `services.anomaly.notify.syslog: port ${port} on loopback is captured on ${cap.interface}: notifications would be counted again`,
    { host, port },
  );
}
