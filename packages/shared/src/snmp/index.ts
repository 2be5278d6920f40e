export * from './ber.js';
export * from './decode.js';
export * from './encode.js';
