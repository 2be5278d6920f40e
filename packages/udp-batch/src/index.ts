// A connected UDP socket that sends a whole batch of datagrams with one
// sendmmsg(2) call per 1024 datagrams, reading each payload straight from
// the caller's buffer. Sends never block and never throw for network
// errors: they report how far they got and the errno that stopped them.
import { isIP } from 'node:net';

import { argumentError, UdpBatchError } from './errors.js';
import { addon, type NativeSocket } from './native.js';

export { UdpBatchError, UdpBatchErrorCode } from './errors.js';
export type { UdpBatchErrorCodeValue, UdpBatchErrorContext } from './errors.js';

/** Where a socket sends, and how it is set up. */
export interface UdpBatchSocketOptions {
  /** Destination IP literal, v4 or v6 (no host names). */
  host: string;
  /** Destination port, 1..65535. */
  port: number;
  /** SO_SNDBUF request in bytes (SO_SNDBUFFORCE is tried first, which
   * passes net.core.wmem_max when the process may); kernel default if
   * absent. The kernel doubles the value for its own bookkeeping. */
  sendBufferBytes?: number;
  /** Local IP to bind() before connect(), same family as host. */
  sourceAddress?: string;
}

/** How far a send got. */
export interface SendResult {
  /** Datagrams the kernel accepted, counted from the first one asked for. */
  sent: number;
  /** Why it stopped (e.g. 'EAGAIN', 'ECONNREFUSED', 'ENOBUFS', 'EMSGSIZE'),
   * or null when every datagram was sent. When set, the datagram at index
   * `from + sent` was NOT sent; resending from there repeats nothing. */
  errno: string | null;
}

const OPTION_KEYS = new Set(['host', 'port', 'sendBufferBytes', 'sourceAddress']);
const MAX_SEND_BUFFER_BYTES = 2 ** 31 - 1;

/** A non-blocking UDP socket connected to one destination. */
export class UdpBatchSocket {
  readonly #native: NativeSocket;

  private constructor(native: NativeSocket) {
    this.#native = native;
  }

  /** Creates the socket (socket, SO_SNDBUF, optional bind, connect), with
   * O_NONBLOCK. Throws a UdpBatchError with code E_UDP_OPEN when a system
   * call fails, a TypeError or RangeError (E_UDP_ARGUMENT) for bad options. */
  static open(options: UdpBatchSocketOptions): UdpBatchSocket {
    const config = checkOptions(options);
    const opened = addon.open(config);
    if ('error' in opened) {
      const { errno, syscall, message } = opened.error;
      const where = `${formatAddress(config.host)}:${config.port}`;
      throw new UdpBatchError(
        `opening a UDP socket to ${where} failed in ${syscall}: ${message} (${errno})`,
        { errno, syscall, address: config.host, port: config.port },
      );
    }
    return new UdpBatchSocket(opened.socket);
  }

  /**
   * Sends `count` datagrams starting at index `from`; datagram i is
   * `buffer[offsets[i], offsets[i] + lengths[i])`, sent without a copy.
   * Never blocks. Returns how many went out before the first error; the
   * datagram at `from + sent` was not sent when `errno` is set, and the
   * caller decides whether to continue from there. An ICMP error (e.g.
   * ECONNREFUSED, port unreachable) is reported once, by the first send
   * that meets it. A length over 65507 (IPv4) or 65527 (IPv6) stops the
   * batch at that index with 'EMSGSIZE'; on a closed socket the result is
   * `{ sent: 0, errno: 'EBADF' }`.
   *
   * Throws (before sending anything) a TypeError or RangeError, code
   * E_UDP_ARGUMENT, when the arrays have the wrong types, `from + count`
   * passes their end, or a datagram ends past the end of `buffer`.
   */
  sendMany(
    buffer: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    from: number,
    count: number,
  ): SendResult {
    return this.#native.sendMany(buffer, offsets, lengths, from, count);
  }

  /** Sends one datagram, with the same result rules as sendMany. */
  send(payload: Uint8Array): SendResult {
    return this.#native.send(payload);
  }

  /** Closes the socket; later sends return 'EBADF'. Safe to call again. */
  close(): void {
    this.#native.close();
  }

  /** The file descriptor, or -1 once closed. */
  get fd(): number {
    return this.#native.fd;
  }
}

function checkOptions(options: UdpBatchSocketOptions) {
  if (typeof options !== 'object' || options === null) {
    throw argumentError('type', 'UdpBatchSocket.open() needs an options object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw argumentError('type', `unknown option ${JSON.stringify(key)}`);
    }
  }
  const { host, port, sendBufferBytes = 0, sourceAddress } = options;
  const family = typeof host === 'string' ? isIP(host) : 0;
  if (family === 0) throw argumentError('type', 'host must be an IPv4 or IPv6 literal');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw argumentError('range', 'port must be an integer from 1 to 65535');
  }
  if (
    !Number.isInteger(sendBufferBytes) ||
    sendBufferBytes < 0 ||
    sendBufferBytes > MAX_SEND_BUFFER_BYTES
  ) {
    throw argumentError('range', 'sendBufferBytes must be an integer from 0 (kernel default) to 2^31-1');
  }
  if (sourceAddress !== undefined && isIP(sourceAddress) !== family) {
    throw argumentError(
      'type',
      'sourceAddress must be an IP literal of the same family as host',
    );
  }
  return { host, port, sendBufferBytes, sourceAddress: sourceAddress ?? '' };
}

function formatAddress(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
