export * from './pool.js';
export * from './migrate.js';
export * from './client.js';
export * from './corking-socket.js';
