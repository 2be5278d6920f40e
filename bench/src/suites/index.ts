/** Every benchmark suite, in the order they run. */
import type { Suite } from '../harness.js';
import { envelopeSuite } from './envelope.js';
import { flowSuite } from './flow.js';
import { scaleSuite } from './scale.js';
import { storeSuite } from './store.js';
import { syslogSuite } from './syslog.js';
import { trapSuite } from './trap.js';

export const SUITES: Suite[] = [envelopeSuite, syslogSuite, scaleSuite, flowSuite, trapSuite, storeSuite];
