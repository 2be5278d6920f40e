// The compiled addon and the shape of what it returns. Native calls never
// throw: failures come back as { error } data and index.ts builds Errors.
import { createRequire } from 'node:module';

/** A libpcap status (PCAP_ERROR_* or PCAP_WARNING_*, without the prefix). */
export interface NativeNotice {
  status: string;
  message: string;
}

/** How a capture thread ended: stop() was called, the file ended, or error. */
export type NativeEndReason = 'stopped' | 'end' | 'error';

export interface NativeCapture {
  start(
    onBatch: (buffer: Buffer, count: number) => void,
    onFinished: (reason: NativeEndReason, errorText: string) => void,
  ): boolean;
  stop(): 'closed' | 'stopping';
  stats(): [received: number, dropped: number, ifDropped: number];
}

export interface NativeOpened {
  capture: NativeCapture;
  linktype: number;
  snaplen: number;
  warnings: NativeNotice[];
}

export interface NativeFailure {
  error: NativeNotice & { code: string };
}

export interface NativeAddon {
  open(config: Record<string, unknown>): NativeOpened | NativeFailure;
  libpcapVersion(): string;
}

const require = createRequire(import.meta.url);

export const addon = require(
  '../build/Release/sekiwake_pcap.node',
) as NativeAddon;
