/** Every benchmark suite, in the order they run. */
import type { Suite } from '../harness.js';
import { syslogSuite } from './syslog.js';

export const SUITES: Suite[] = [syslogSuite];
