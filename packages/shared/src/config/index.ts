export * from './schema.js';
export * from './load.js';
export * from './fields.js';
export * from './forwarder.js';
