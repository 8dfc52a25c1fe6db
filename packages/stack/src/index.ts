export * from './postgres.js';
export * from './scratch-postgres.js';
export * from './startup-error.js';
export * from './free-port.js';
export * from './paths.js';
export * from './system.js';
export * from './databases.js';
export * from './postgres-crash.js';
