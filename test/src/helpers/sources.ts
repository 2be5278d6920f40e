/**
 * Many syslog sources at once: one UDP socket per source address
 * (127.0.1.1 and up), each message tagged `src=N seq=M k=K` so a receiver can
 * tell exactly which message it got and how often.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { TestContext } from 'node:test';

/** A set of senders, one per loopback source address. */
export interface Sources {
  /** Sends `count` messages round-robin over the sources at `rate` per second. */
  send(count: number, rate: number, port: number): Promise<void>;
  /** Messages sent so far. */
  sent: number;
}

/** Binds `n` sockets to 127.0.1.1 .. 127.0.1.n. */
export async function openSources(t: TestContext, n: number): Promise<Sources> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, `127.0.1.${i + 1}`, () => r()));
    sockets.push(s);
  }
  t.after(() => { for (const s of sockets) s.close(); });
  const seqs = new Array<number>(n).fill(0);
  const self: Sources = {
    sent: 0,
    async send(count, rate, port) {
      const t0 = performance.now();
      for (let k = 0; k < count; ) {
        const due = Math.min(count, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
        for (; k < due; k++) {
          const src = self.sent % n;
          const msg = `<14>Dec  3 00:00:00 h${src} t: src=${src} seq=${seqs[src]!++} k=${self.sent}`;
          sockets[src]!.send(msg, port, '127.0.0.1');
          self.sent++;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    },
  };
  return self;
}

/** Parses `src=N seq=M k=K` (K: the message's place in the whole send order). */
export function tagOf(b: Buffer): { src: number; seq: number; k: number } | null {
  const m = /src=(\d+) seq=(\d+) k=(\d+)$/.exec(b.toString('latin1'));
  return m ? { src: Number(m[1]), seq: Number(m[2]), k: Number(m[3]) } : null;
}
