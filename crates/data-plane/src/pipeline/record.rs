//! The request log: one line per execute-api request on the server's log (target
//! `apigw::request`, info level; at warn, with its cause, when the integration failed), and
//! the same request kept for the inspector page ([`crate::recent`]).

use std::cell::RefCell;
use std::io::Write as _;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use crate::error::ResponseType;
use crate::pipeline::context::RequestContext;
use crate::recent::{ms, Plane, Recent, Seen};

/// The log target of data-plane request lines (`RUST_LOG=apigw::request=off` silences them).
pub const TARGET: &str = "apigw::request";

/// Where info lines go when this module formats them itself ([`write_plain_lines_to`]).
type LineSink = Box<dyn Fn(&[u8]) + Send + Sync>;

static PLAIN_LINES: OnceLock<LineSink> = OnceLock::new();

/// Write info request lines with `sink` (one complete line a call), formatted here exactly as
/// `tracing`'s plain-text formatter (no colour) would, at a fraction of its cost: the log's
/// formatting was most of what it cost a request (MOCK throughput −23% with the log on). The
/// server sets this once, for its plain-text log without colour; otherwise, and for warnings,
/// lines go through `tracing`. The log filter (`RUST_LOG`, `--quiet`) still decides.
pub fn write_plain_lines_to(sink: impl Fn(&[u8]) + Send + Sync + 'static) {
    let _ = PLAIN_LINES.set(Box::new(sink));
}

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

/// The fields of a request's line, in the order the line shows them.
struct Fields<'a> {
    method: &'a str,
    path: &'a str,
    api: Option<&'a str>,
    stage: Option<&'a str>,
    status: u16,
    latency: Duration,
    integration_status: Option<u16>,
    integration_latency: Option<Duration>,
    request_id: &'a str,
    /// The gateway response type the request failed with.
    error: Option<&'a str>,
    /// Why, when the caller is not told (a backend's error, a configuration error).
    cause: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn of(ctx: &'a RequestContext<'a>, served: &'a Served<'a>) -> Self {
        let error = ctx.error.as_ref();
        Fields {
            method: served.method,
            path: served.path,
            api: ctx.api.map(|a| a.api_id.as_str()),
            stage: ctx.stage.map(|s| s.stage.stage_name.as_str()),
            status: served.status,
            latency: served.latency,
            integration_status: ctx.integration_status,
            integration_latency: ctx.integration_latency,
            request_id: ctx.request_id,
            error: error.map(|e| e.kind.as_str()),
            cause: error.and_then(|e| e.reason.as_deref()),
        }
    }
}

/// Log the request's line and keep it in `recent`.
pub fn record(recent: &Recent, ctx: &RequestContext<'_>, served: &Served<'_>) {
    let line = Fields::of(ctx, served);
    let error = ctx.error.as_ref();
    let failed_integration = error.is_some_and(|e| {
        matches!(
            e.kind,
            ResponseType::IntegrationFailure | ResponseType::IntegrationTimeout
        )
    });
    // The same fields at either level; `tracing` needs the level at the call site.
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                target: TARGET,
                method = line.method,
                path = line.path,
                api = line.api,
                stage = line.stage,
                status = line.status,
                latency_ms = ms(line.latency),
                integration_status = line.integration_status,
                integration_latency_ms = line.integration_latency.map(ms),
                request_id = line.request_id,
                error = line.error,
                cause = line.cause,
            )
        };
    }
    if failed_integration {
        line!(warn);
    } else if let Some(sink) = PLAIN_LINES.get() {
        if tracing::enabled!(target: TARGET, tracing::Level::INFO) {
            PLAIN.with_borrow_mut(|buf| {
                buf.clear();
                plain_line(buf, SystemTime::now(), &line);
                sink(buf);
            });
        }
    } else {
        line!(info);
    }
    recent.push(Seen {
        time_ms: served.time_ms,
        arrived: served.arrived,
        plane: Plane::Data,
        method: line.method.into(),
        path: line.path.into(),
        operation: None,
        api_id: line.api.map(Into::into),
        stage: line.stage.map(Into::into),
        resource: ctx.resource.map(|r| r.path.as_str().into()),
        status: line.status,
        latency: line.latency,
        integration_status: line.integration_status,
        integration_latency: line.integration_latency,
        request_id: line.request_id.into(),
        error: error.map(|e| format!("{}: {}", e.kind.as_str(), e.message).into()),
        cause: line.cause.map(Into::into),
    });
}

thread_local! {
    /// The line being formatted, reused.
    static PLAIN: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// An info request line as `tracing_subscriber::fmt` writes it in plain text: the UTC time to
/// the microsecond, the level, the target, then each field that has a value as `name=value`,
/// strings quoted as `{:?}` quotes them.
fn plain_line(buf: &mut Vec<u8>, now: SystemTime, line: &Fields<'_>) {
    timestamp(buf, now);
    buf.extend_from_slice(b"  INFO ");
    buf.extend_from_slice(TARGET.as_bytes());
    // Each field brings its own leading space.
    buf.push(b':');
    text_field(buf, "method", Some(line.method));
    text_field(buf, "path", Some(line.path));
    text_field(buf, "api", line.api);
    text_field(buf, "stage", line.stage);
    let _ = write!(buf, " status={}", line.status);
    let _ = write!(buf, " latency_ms={:?}", ms(line.latency));
    if let Some(s) = line.integration_status {
        let _ = write!(buf, " integration_status={s}");
    }
    if let Some(l) = line.integration_latency {
        let _ = write!(buf, " integration_latency_ms={:?}", ms(l));
    }
    text_field(buf, "request_id", Some(line.request_id));
    text_field(buf, "error", line.error);
    text_field(buf, "cause", line.cause);
    buf.push(b'\n');
}

/// ` name="value"`, as `{:?}` quotes a string (escapes only where it needs them).
fn text_field(buf: &mut Vec<u8>, name: &str, value: Option<&str>) {
    let Some(v) = value else { return };
    buf.push(b' ');
    buf.extend_from_slice(name.as_bytes());
    buf.push(b'=');
    if v.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        buf.push(b'"');
        buf.extend_from_slice(v.as_bytes());
        buf.push(b'"');
    } else {
        let _ = write!(buf, "{v:?}");
    }
}

/// `2026-12-06T21:04:04.123456Z`: the date and time are worked out once a second per thread.
fn timestamp(buf: &mut Vec<u8>, now: SystemTime) {
    thread_local! {
        static SECOND: RefCell<(u64, [u8; 19])> = const { RefCell::new((u64::MAX, [0; 19])) };
    }
    let since = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    SECOND.with_borrow_mut(|(at, text)| {
        if *at != secs {
            let t = chrono::DateTime::from_timestamp(secs as i64, 0).unwrap_or_default();
            let mut w = &mut text[..];
            let _ = write!(w, "{}", t.format("%Y-%m-%dT%H:%M:%S"));
            *at = secs;
        }
        buf.extend_from_slice(&text[..]);
    });
    let _ = write!(buf, ".{:06}Z", since.subsec_micros());
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

    /// Record `served` for `ctx` through `tracing` as the server's default filter would log
    /// it; returns the lines.
    fn through_tracing(recent: &Recent, ctx: &RequestContext<'_>, served: &Served<'_>) -> String {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || record(recent, ctx, served));
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        text
    }

    /// A POST's lines through `tracing`.
    fn logged(recent: &Recent, ctx: &RequestContext<'_>, status: u16) -> String {
        let served = Served {
            method: "POST",
            path: "/_aws/execute-api/abc/dev/pets",
            status,
            latency: Duration::from_micros(2500),
            time_ms: 1,
            arrived: Instant::now(),
        };
        through_tracing(recent, ctx, &served)
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

    /// The line as [`plain_line`] writes it and as `tracing` does, but for the time.
    fn both_lines(ctx: &RequestContext<'_>, path: &str, status: u16) -> (String, String) {
        let served = Served {
            method: "GET",
            path,
            status,
            latency: Duration::from_micros(1234),
            time_ms: 1,
            arrived: Instant::now(),
        };
        let by_tracing = through_tracing(&Recent::with_shards(1), ctx, &served);
        let mut buf = Vec::new();
        plain_line(&mut buf, SystemTime::now(), &Fields::of(ctx, &served));
        (by_tracing, String::from_utf8(buf).unwrap())
    }

    #[test]
    fn plain_lines_are_tracing_lines() {
        let without_time = |l: &str| l.split_once(' ').unwrap().1.to_string();
        let mut ctx = RequestContext::new("req-4", "ext", None);
        ctx.integration_status = Some(200);
        ctx.integration_latency = Some(Duration::from_micros(1000));
        let mut denied = RequestContext::new("req-5", "ext", None);
        denied.error = Some(GatewayError::new(
            ResponseType::MissingAuthenticationToken,
            "Missing Authentication Token",
        ));
        // A configuration error is an info line with its cause.
        let mut misconfigured = RequestContext::new("req-6", "ext", None);
        misconfigured.error = Some(
            GatewayError::new(ResponseType::ApiConfigurationError, "Internal server error")
                .because("no function \"f\" in the built-in Lambda"),
        );
        for (ctx, path, status) in [
            (&ctx, "/_aws/execute-api/abc/dev/pets", 200),
            (&ctx, "/a \"quoted\" \\ path/é/\u{7f}", 200),
            (&denied, "/", 403),
            (&misconfigured, "/", 500),
        ] {
            let (by_tracing, plain) = both_lines(ctx, path, status);
            assert_eq!(without_time(&plain), without_time(&by_tracing));
            let (time, _) = plain.split_once(' ').unwrap();
            let (tracing_time, _) = by_tracing.split_once(' ').unwrap();
            assert_eq!(time.len(), tracing_time.len(), "{time} / {tracing_time}");
            assert_eq!(time.as_bytes()[..11], tracing_time.as_bytes()[..11]);
        }
        let mut buf = Vec::new();
        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_765_055_044_123_456);
        timestamp(&mut buf, at);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "2025-12-06T21:04:04.123456Z"
        );
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
