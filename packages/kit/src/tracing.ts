/**
 * Turns on OpenTelemetry tracing for the process: `node --import <this file> services/<name>/dist/src/main.js`
 * (the images set it in NODE_OPTIONS; the local stack adds it when tracing is asked for). It must run
 * before main imports anything, because the http and pg instrumentations patch those modules as they are
 * first required. Like main, it reads the environment: the standard OTEL_* variables.
 *
 * Without OTEL_EXPORTER_OTLP_ENDPOINT it imports nothing, so a process with tracing off carries no
 * SDK, no patched modules and no span bookkeeping: only the no-op @opentelemetry/api facade.
 */
export {};

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (endpoint !== undefined && endpoint.trim() !== '') await startTracing();

async function startTracing(): Promise<void> {
  const [{ hostname }, sdk, { OTLPTraceExporter }, resources, { registerInstrumentations }, { HttpInstrumentation }, { UndiciInstrumentation }, { PgInstrumentation }] =
    await Promise.all([
      import('node:os'),
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/instrumentation'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-undici'),
      import('@opentelemetry/instrumentation-pg'),
    ]);

  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win; otherwise the name is the service's folder.
  const fallbackName = /services[\\/]([a-z-]+)[\\/]dist[\\/]/.exec(process.argv[1] ?? '')?.[1] ?? 'orderflow';
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': fallbackName, 'service.instance.id': `${hostname()}:${process.pid}` }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));

  // The exporter posts OTLP/JSON to <endpoint>/v1/traces; the batch processor honours OTEL_BSP_*.
  const provider = new sdk.NodeTracerProvider({ resource, spanProcessors: [new sdk.BatchSpanProcessor(new OTLPTraceExporter())] });
  // W3C traceparent and baggage, and an AsyncLocalStorage context that follows each request.
  provider.register();

  const isOperational = (url: string | undefined) => url !== undefined && (url.startsWith('/metrics') || url.startsWith('/health/'));
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes arrive every few seconds and say nothing about a payment.
        ignoreIncomingRequestHook: (request) => isOperational(request.url),
        // Peers are called with undici, traced below; node:http carries only the exporter's own posts.
        disableOutgoingRequestInstrumentation: true,
      }),
      new UndiciInstrumentation(),
      // Only queries inside a traced request or job: the background loops poll every second and
      // would otherwise start a trace each time. Parameter values (emails, hashes) are never recorded.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
}
