/** Flow export protocols: NetFlow v5, v9, IPFIX and sFlow v5, header level. */
export * from './types.js';
export * from './header.js';
export * from './body.js';
export * from './templates.js';
export * from './sequence.js';
export * from './inspector.js';
export * from './prime.js';
export * from './build.js';
