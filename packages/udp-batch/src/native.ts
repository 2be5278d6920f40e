// The compiled addon and the shape of what it returns. Native calls throw
// only TypeError or RangeError for bad arguments; everything else comes back
// as data and index.ts builds Errors from it.
import { createRequire } from 'node:module';

/** What a send returns: datagrams accepted, then the errno name or null. */
export interface NativeSendResult {
  sent: number;
  errno: string | null;
}

export interface NativeSocket {
  sendMany(
    buffer: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    from: number,
    count: number,
  ): NativeSendResult;
  send(payload: Uint8Array): NativeSendResult;
  close(): void;
  readonly fd: number;
}

/** Why opening failed: the system call and its errno, name and text. */
export interface NativeFailure {
  error: { errno: string; syscall: string; message: string };
}

export interface NativeAddon {
  open(config: {
    host: string;
    port: number;
    sendBufferBytes: number;
    sourceAddress: string;
  }): { socket: NativeSocket } | NativeFailure;
  /** For tests: a socket on one end of a Unix datagram pair, see binding.cc. */
  testingSocketPair(
    sendBufferBytes: number,
  ): { socket: NativeSocket; peerFd: number } | NativeFailure;
}

const require = createRequire(import.meta.url);

export const addon = require(
  '../build/Release/sekiwake_udp_batch.node',
) as NativeAddon;
