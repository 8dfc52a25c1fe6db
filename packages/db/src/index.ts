export * from './pool.js';
export * from './migrate.js';
export * from './test-database.js';
export * from './corking-socket.js';
