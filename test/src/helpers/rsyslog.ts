/**
 * A real rsyslog as a syslog destination: imudp on a loopback address, each
 * message written as its raw bytes, one per line, to a file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { start } from './process.js';

/** A running rsyslogd and the file it writes. */
export interface Rsyslog {
  output: string;
  /** The raw messages received so far. */
  messages(): string[];
}

/** Starts rsyslogd in the foreground, listening on host:port. */
export async function startRsyslog(t: TestContext, dir: string, host: string, port: number): Promise<Rsyslog> {
  const output = join(dir, 'rsyslog-received.log');
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}" parser.escapeControlCharactersOnReceive="off")`,
      'module(load="imudp")',
      `input(type="imudp" address="${host}" port="${port}" rcvbufSize="16m")`,
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      `action(type="omfile" file="${output}" template="raw" asyncWriting="off" flushOnTXEnd="on")`,
      '',
    ].join('\n'),
  );
  const proc = start(t, '/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslog.pid')]);
  // rsyslog prints nothing when it is ready; its pid file appears once the
  // inputs are set up, and a short pause lets imudp bind.
  const until = Date.now() + 10_000;
  while (!existsSync(join(dir, 'rsyslog.pid')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  if (proc.child.exitCode !== null) throw new Error(`rsyslogd exited: ${proc.stderr()}`);
  return {
    output,
    messages: () => (existsSync(output) ? readFileSync(output, 'utf8').split('\n').filter((l) => l.length > 0) : []),
  };
}
