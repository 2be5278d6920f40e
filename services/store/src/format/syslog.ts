/**
 * A tolerant parser of syslog headers, for the JSON Lines format and for
 * search filters: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`)
 * and the BSD format of RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`).
 * What does not parse is left null; the raw bytes are always kept apart.
 */

/** The fields of one message; null where the message has none. */
export interface SyslogFields {
  pri: number | null;
  facility: number | null;
  severity: number | null;
  timestamp: string | null;
  hostname: string | null;
  app: string | null;
  procid: string | null;
  msgid: string | null;
  /** RFC 5424 structured data as written, or null. */
  sd: string | null;
  msg: string;
}

/** Facility names of RFC 5424 section 6.2.1, by code, as syslog(3) spells them. */
export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron',
  'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** Severity names of RFC 5424 section 6.2.1, by code. */
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

const SEVERITY_ALIASES: Record<string, number> = { panic: 0, error: 3, warn: 4 };

/** A facility code from a number or a name, or null. */
export function facilityCode(text: string): number | null {
  return code(text, FACILITIES, {}, 23);
}

/** A severity code from a number or a name, or null. */
export function severityCode(text: string): number | null {
  return code(text, SEVERITIES, SEVERITY_ALIASES, 7);
}

function code(text: string, names: readonly string[], aliases: Record<string, number>, max: number): number | null {
  const t = text.trim().toLowerCase();
  if (/^\d{1,3}$/.test(t)) return Number(t) <= max ? Number(t) : null;
  const i = names.indexOf(t);
  return i >= 0 ? i : (aliases[t] ?? null);
}

/** The PRI value at the start of a message (`<0>`..`<191>`), or -1. */
export function priOf(b: Uint8Array): number {
  if (b[0] !== 0x3c) return -1;
  let v = 0;
  for (let i = 1; i < 5 && i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x3e) return i > 1 && v <= 191 ? v : -1;
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return -1;
}

const BSD_TIME = /^([A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2}) /;
const NIL = '-';

/** Parses what it can of a syslog message. */
export function parseSyslog(raw: Uint8Array): SyslogFields {
  const pri = priOf(raw);
  const start = pri < 0 ? 0 : raw.indexOf(0x3e) + 1;
  const text = Buffer.from(raw.buffer, raw.byteOffset + start, raw.length - start).toString('utf8');
  const f: SyslogFields = {
    pri: pri < 0 ? null : pri,
    facility: pri < 0 ? null : pri >> 3,
    severity: pri < 0 ? null : pri & 7,
    timestamp: null, hostname: null, app: null, procid: null, msgid: null, sd: null, msg: text,
  };
  if (pri >= 0 && text.startsWith('1 ')) parse5424(text.slice(2), f);
  else parse3164(text, f);
  return f;
}

function parse5424(text: string, f: SyslogFields) {
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < 5; i++) {
    const sp = text.indexOf(' ', at);
    if (sp < 0) return;
    parts.push(text.slice(at, sp));
    at = sp + 1;
  }
  const nil = (s: string | undefined) => (s === undefined || s === NIL ? null : s);
  f.timestamp = nil(parts[0]);
  f.hostname = nil(parts[1]);
  f.app = nil(parts[2]);
  f.procid = nil(parts[3]);
  f.msgid = nil(parts[4]);
  const sdEnd = structuredDataEnd(text, at);
  f.sd = nil(text.slice(at, sdEnd));
  let msg = text.slice(sdEnd + 1);
  if (msg.startsWith('\ufeff')) msg = msg.slice(1);
  f.msg = msg;
}

// SD is "-" or [id param="value" ...]... where a value may escape ] " and \.
function structuredDataEnd(text: string, at: number): number {
  if (text[at] !== '[') {
    const sp = text.indexOf(' ', at);
    return sp < 0 ? text.length : sp;
  }
  let i = at;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ']' && text[i + 1] !== '[') return i + 1;
    i++;
  }
  return text.length;
}

function parse3164(text: string, f: SyslogFields) {
  const t = BSD_TIME.exec(text);
  let rest = text;
  if (t) {
    f.timestamp = t[1]!;
    rest = text.slice(t[0].length);
    const sp = rest.indexOf(' ');
    if (sp > 0 && !rest.slice(0, sp).endsWith(':')) {
      f.hostname = rest.slice(0, sp);
      rest = rest.slice(sp + 1);
    }
  }
  const tag = /^([^\s[\]:]{1,48})(?:\[([^\]\s]{1,32})\])?: ?/.exec(rest);
  if (tag) {
    f.app = tag[1]!;
    f.procid = tag[2] ?? null;
    rest = rest.slice(tag[0].length);
  }
  f.msg = rest;
}
