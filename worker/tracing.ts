/**
 * OpenTelemetry spans for workflows, activities and client calls, with the
 * Temporal OpenTelemetry plugin (client, activity and workflow interceptors plus
 * the sink workflow spans leave the sandbox through). Off unless configured:
 * OTEL_TRACES_EXPORTER=otlp sends to OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over
 * HTTP), `console` prints spans; with `none` nothing is registered, so an
 * untraced engine pays nothing.
 *
 * Spans carry workflow and activity names and ids, never payloads: arguments and
 * results stay encrypted in history (client/data-converter.ts).
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { EngineEnv } from './config';

export interface EngineTracing {
  /** Give it to the Worker, to every Client and to bundleWorkflowCode (pre-built bundles). */
  plugin: OpenTelemetryPlugin;
  /** What `npm start` prints, e.g. "otlp → http://collector:4318". */
  description: string;
  /** Flushes buffered spans; call on shutdown. */
  shutdown: () => Promise<void>;
}

/**
 * Tracing through `spanProcessor`. The provider is registered globally because
 * the interceptors propagate trace context with the global W3C propagator and
 * the async-local context manager it installs.
 */
export function engineTracing(
  spanProcessor: SpanProcessor,
  serviceName: string,
  description = 'custom',
): EngineTracing {
  const resource = new Resource({ 'service.name': serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    plugin: new OpenTelemetryPlugin({
      resource,
      spanProcessor,
      tracer: provider.getTracer('billing-engine'),
    }),
    description,
    shutdown: () => provider.shutdown(),
  };
}

/** The environment's choice, or undefined when tracing is off. */
export function tracingFromEnv(
  env: Pick<
    EngineEnv,
    'OTEL_TRACES_EXPORTER' | 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'
  >,
): EngineTracing | undefined {
  switch (env.OTEL_TRACES_EXPORTER) {
    case 'none':
      return undefined;
    case 'console':
      return engineTracing(
        new BatchSpanProcessor(new ConsoleSpanExporter()),
        env.OTEL_SERVICE_NAME,
        'console',
      );
    case 'otlp': {
      const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/$/, '');
      const url = `${base}/v1/traces`;
      return engineTracing(
        new BatchSpanProcessor(new OTLPTraceExporter({ url })),
        env.OTEL_SERVICE_NAME,
        `otlp → ${url}`,
      );
    }
  }
}
