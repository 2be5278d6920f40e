/** The offline detector: recorded message times in, judged bins out. */
export { readTimes, parseRfc3339, INPUT_FORMATS, type InputFormat, type ReadReport } from './read.js';
export { BinTally, detectBins, MAX_OFFLINE_BINS, type OfflineBin, type OfflineOptions } from './detect.js';
export { table, chart } from './render.js';
