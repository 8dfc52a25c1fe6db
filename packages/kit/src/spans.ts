import { context, isSpanContextValid, SpanStatusCode, trace, type Attributes, type ProxyTracerProvider } from '@opentelemetry/api';

/*
 * Spans through the @opentelemetry/api facade only. With tracing off (no SDK registered, see
 * tracing.ts) every call here meets the API's no-op implementation and costs a function call.
 */

const tracer = () => trace.getTracer('orderflow');

/** The ids a log line carries so it can be found from its trace and the trace from it. */
export function currentTraceFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpanContext(context.active());
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** Names the HTTP server span after the route pattern (`PUT /order/:id/pay`), as the metrics label it. */
export function nameServerSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (span === undefined) return;
  span.setAttribute('http.route', route);
  span.updateName(`${method} ${route}`);
}

/**
 * Runs background work (a letter retried, an order recovered) in a span of its own, so that the peer
 * calls and queries it makes land in one trace instead of none.
 */
export function runInSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Sends the spans still buffered; called on shutdown, which otherwise exits before the next batch. */
export async function flushTraces(): Promise<void> {
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate?.() as { forceFlush?: () => Promise<void> } | undefined;
  await provider?.forceFlush?.();
}
