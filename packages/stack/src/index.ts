export * from './postgres.js';
export * from './free-port.js';
export * from './paths.js';
