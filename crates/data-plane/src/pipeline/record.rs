//! The request log: one line per execute-api request on the server's log (target
//! `apigw::request`, info level; at warn, with its cause, when the integration failed), and
//! the same request kept for the inspector page ([`crate::recent`]).

use std::time::{Duration, Instant};

use crate::error::ResponseType;
use crate::pipeline::context::RequestContext;
use crate::recent::{ms, Plane, Recent, Seen};

/// The log target of data-plane request lines (`RUST_LOG=apigw::request=off` silences them).
pub const TARGET: &str = "apigw::request";

/// What the request was, beside what its context learned.
pub struct Served<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The URL path as requested.
    pub path: &'a str,
    /// The status answered.
    pub status: u16,
    /// Time from arrival to the response head.
    pub latency: Duration,
    /// When it arrived, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// When it arrived (the inspector orders requests by it).
    pub arrived: Instant,
}

/// Log the request's line and keep it in `recent`.
pub fn record(recent: &Recent, ctx: &RequestContext<'_>, served: &Served<'_>) {
    let api = ctx.api.map(|a| a.api_id.as_str());
    let stage = ctx.stage.map(|s| s.stage.stage_name.as_str());
    let error = ctx.error.as_ref();
    let cause = error.and_then(|e| e.reason.as_deref());
    let failed_integration = error.is_some_and(|e| {
        matches!(
            e.kind,
            ResponseType::IntegrationFailure | ResponseType::IntegrationTimeout
        )
    });
    let error_type = error.map(|e| e.kind.as_str());
    // The same fields at either level; `tracing` needs the level at the call site.
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                target: TARGET,
                method = served.method,
                path = served.path,
                api = api,
                stage = stage,
                status = served.status,
                latency_ms = ms(served.latency),
                integration_status = ctx.integration_status,
                integration_latency_ms = ctx.integration_latency.map(ms),
                request_id = ctx.request_id,
                error = error_type,
                cause = cause,
            )
        };
    }
    if failed_integration {
        line!(warn);
    } else {
        line!(info);
    }
    recent.push(Seen {
        time_ms: served.time_ms,
        arrived: served.arrived,
        plane: Plane::Data,
        method: served.method.into(),
        path: served.path.into(),
        operation: None,
        api_id: api.map(Into::into),
        stage: stage.map(Into::into),
        resource: ctx.resource.map(|r| r.path.as_str().into()),
        status: served.status,
        latency: served.latency,
        integration_status: ctx.integration_status,
        integration_latency: ctx.integration_latency,
        request_id: ctx.request_id.into(),
        error: error.map(|e| format!("{}: {}", e.kind.as_str(), e.message).into()),
        cause: cause.map(Into::into),
    });
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::error::GatewayError;

    /// Where the test subscriber writes its lines.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Record `ctx` as the server's default filter would log it; returns the lines.
    fn logged(recent: &Recent, ctx: &RequestContext<'_>, status: u16) -> String {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        let served = Served {
            method: "POST",
            path: "/_aws/execute-api/abc/dev/pets",
            status,
            latency: Duration::from_micros(2500),
            time_ms: 1,
            arrived: Instant::now(),
        };
        tracing::subscriber::with_default(subscriber, || record(recent, ctx, &served));
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        text
    }

    #[test]
    fn a_served_request_is_one_info_line_and_one_entry() {
        let recent = Recent::with_shards(1);
        let mut ctx = RequestContext::new("req-1", "ext", None);
        ctx.integration_status = Some(201);
        ctx.integration_latency = Some(Duration::from_micros(1250));
        let text = logged(&recent, &ctx, 201);
        assert_eq!(text.lines().count(), 1, "{text}");
        for part in [
            " INFO apigw::request: ",
            "method=\"POST\"",
            "path=\"/_aws/execute-api/abc/dev/pets\"",
            "status=201",
            "latency_ms=2.5",
            "integration_status=201",
            "integration_latency_ms=1.25",
            "request_id=\"req-1\"",
        ] {
            assert!(text.contains(part), "{part} not in {text}");
        }
        assert!(
            !text.contains("error=") && !text.contains("cause="),
            "{text}"
        );
        let kept = recent.snapshot();
        assert_eq!(kept.len(), 1);
        assert_eq!(&*kept[0].request_id, "req-1");
        assert_eq!(kept[0].integration_status, Some(201));
        assert_eq!(kept[0].error, None);
    }

    #[test]
    fn an_integration_failure_is_a_warning_with_its_cause() {
        let recent = Recent::with_shards(1);
        let mut ctx = RequestContext::new("req-2", "ext", None);
        ctx.error = Some(
            GatewayError::new(
                ResponseType::IntegrationTimeout,
                "Endpoint request timed out",
            )
            .because("no answer within 29000 ms"),
        );
        let text = logged(&recent, &ctx, 504);
        assert!(text.contains(" WARN apigw::request: "), "{text}");
        assert!(text.contains("error=\"INTEGRATION_TIMEOUT\""), "{text}");
        assert!(
            text.contains("cause=\"no answer within 29000 ms\""),
            "{text}"
        );
        let kept = &recent.snapshot()[0];
        assert_eq!(
            kept.error.as_deref(),
            Some("INTEGRATION_TIMEOUT: Endpoint request timed out")
        );
        assert_eq!(kept.cause.as_deref(), Some("no answer within 29000 ms"));
    }

    #[test]
    fn another_failure_stays_at_info() {
        let recent = Recent::with_shards(1);
        let mut ctx = RequestContext::new("req-3", "ext", None);
        ctx.error = Some(GatewayError::new(
            ResponseType::MissingAuthenticationToken,
            "Missing Authentication Token",
        ));
        let text = logged(&recent, &ctx, 403);
        assert!(text.contains(" INFO apigw::request: "), "{text}");
        assert!(
            text.contains("error=\"MISSING_AUTHENTICATION_TOKEN\""),
            "{text}"
        );
    }
}
