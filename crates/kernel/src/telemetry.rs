//! One trace per business flow: the W3C trace context of the span that writes an event is
//! stored in its metadata, travels in every message derived from it (in-process and in AMQP
//! headers), and becomes the parent of the span that handles that message. An order's
//! HTTP request, every context's handling of its messages and every compensation are
//! then one trace.
//!
//! Spans become OpenTelemetry spans only when the process installs a
//! `tracing-opentelemetry` layer (the `emporium` binary does when `OTEL_EXPORTER_OTLP_ENDPOINT`
//! is set); without one these functions find no trace and cost next to nothing.

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::collections::HashMap;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The W3C `traceparent` of the current span, when it belongs to a recorded trace.
pub fn current_traceparent() -> Option<String> {
    let context = tracing::Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove("traceparent")
}

/// The id of the trace the current span belongs to, if it is recorded. Error lines carry
/// it as `tags.trace_id`, which error reporting turns into a tag of the reported event.
pub fn current_trace_id() -> Option<String> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let own = span.span_context();
    own.is_valid().then(|| own.trace_id().to_string())
}

/// Renames the current span's trace span (a request's, once its route is known).
pub fn rename_current_span(name: String) {
    tracing::Span::current().context().span().update_name(name);
}

/// Makes `span` a child of the span `traceparent` names (a message's or a request's), so
/// its work joins that trace, or the root of a new one when there is none (or it does not
/// parse); then records the trace's id in the span's `trace_id` field, so every log line
/// written inside it names the trace.
pub fn continue_trace(span: &tracing::Span, traceparent: Option<&str>) {
    if let Some(traceparent) = traceparent {
        let carrier = HashMap::from([("traceparent".to_owned(), traceparent.to_owned())]);
        let parent = TraceContextPropagator::new().extract(&carrier);
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
    }
    let context = span.context();
    let own = context.span().span_context().clone();
    if own.is_valid() {
        span.record("trace_id", own.trace_id().to_string());
    }
}
