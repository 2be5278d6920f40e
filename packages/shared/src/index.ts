export * from './errors.js';
export * from './log.js';
export * from './metrics.js';
export * from './address.js';
export * from './envelope.js';
export * from './bus.js';
export * from './config/index.js';
export * from './service.js';
