// Worker body for live.test.ts: capture on lo until terminated.
import { parentPort } from 'node:worker_threads';

import { PcapCapture } from './index.js';

const capture = PcapCapture.open({ device: 'lo', filter: 'udp port 7' });
capture.start({ onBatch() {}, onEnd() {}, onError() {} });
parentPort?.postMessage('started');
