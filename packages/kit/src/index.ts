/// <reference types="@fastify/swagger" />
export * from './problem.js';
export * from './database-unavailable.js';
export * from './identity.js';
export * from './config.js';
export * from './app.js';
export * from './run.js';
export { loggerOptions } from './logger.js';
export * from './amount.js';
export { createMetricsRegistry, listenForMetrics, type MetricsRegistryOptions, type Registry } from './metrics.js';
export { currentTraceFields, runInSpan } from './spans.js';
export * from './page.js';
export * from './request-target.js';
export * from './background-loop.js';
export * from './service-options.js';
