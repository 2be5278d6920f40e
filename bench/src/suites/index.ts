/** Every benchmark suite, in the order they run. */
import type { Suite } from '../harness.js';
import { flowSuite } from './flow.js';
import { storeSuite } from './store.js';
import { syslogSuite } from './syslog.js';
import { trapSuite } from './trap.js';

export const SUITES: Suite[] = [syslogSuite, trapSuite, storeSuite, flowSuite];
