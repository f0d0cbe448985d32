import { SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";
import { currentRequestId, errorMessage } from "./log";

/**
 * Spans of the shop's own work (a PayRam call, a database transaction), children of whatever span
 * is active (the request's, made by Next.js). Without OTEL_EXPORTER_OTLP_ENDPOINT no tracer is
 * registered (instrumentation.ts) and these are OpenTelemetry's no-op spans: nearly free. Each
 * carries the request id that the request's log lines carry, so a trace and its logs are found
 * from each other.
 */
const tracer = () => trace.getTracer("payram-storefront");

export const REQUEST_ID_ATTRIBUTE = "request.id";

/** The attributes every span of the shop carries: the request id, inside a request. */
export function spanContextAttributes(): Attributes {
  const requestId = currentRequestId();
  return requestId === undefined ? {} : { [REQUEST_ID_ATTRIBUTE]: requestId };
}

/** Runs `work` inside a new span named `name`; the span records a thrown error and always ends. */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes: { ...attributes, ...spanContextAttributes() } }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span started now and ended by the caller (a transaction: begun in one call, ended in another). */
export function startSpan(name: string, attributes: Attributes): Span {
  return tracer().startSpan(name, { attributes: { ...attributes, ...spanContextAttributes() } });
}
