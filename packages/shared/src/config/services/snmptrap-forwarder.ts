/** The SNMP trap forwarder's configuration: traps and informs to managers. */
import { forwarderSchema } from '../forwarder.js';

export const snmptrapForwarderSchema = forwarderSchema(9464);
