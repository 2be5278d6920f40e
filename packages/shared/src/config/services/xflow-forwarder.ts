/** The xflow forwarder's configuration: NetFlow v5/v9, IPFIX and sFlow to collectors. */
import { forwarderSchema } from '../forwarder.js';

export const xflowForwarderSchema = forwarderSchema(9463);
