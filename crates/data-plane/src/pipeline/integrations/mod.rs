//! Integration types, one module each.

pub mod aws_service;
pub mod backends;
pub mod http;
pub mod http_proxy;
pub mod lambda;
pub mod lambda_custom;
pub mod mock;

/// The integration's `timeoutInMillis` (AWS accepts 50 ms to 29 s; more after a quota raise).
pub fn timeout_of(integration: &apigw_model::Integration) -> std::time::Duration {
    std::time::Duration::from_millis(integration.timeout_in_millis.clamp(50, 300_000) as u64)
}

/// Run a backend call within `timeout`: overrunning it is INTEGRATION_TIMEOUT (504), a
/// transport error whatever `failed` makes of it.
pub async fn within<T>(
    timeout: std::time::Duration,
    call: impl std::future::Future<Output = Result<T, reqwest::Error>>,
    failed: impl FnOnce(reqwest::Error) -> crate::error::GatewayError,
) -> Result<T, crate::error::GatewayError> {
    match by_deadline(timeout, call).await? {
        Err(e) if e.is_timeout() => Err(timed_out(timeout)),
        Err(e) => Err(failed(e)),
        Ok(v) => Ok(v),
    }
}

/// Wait for a backend at most `timeout`, on every client path: overrunning it is
/// INTEGRATION_TIMEOUT (504).
pub async fn by_deadline<T>(
    timeout: std::time::Duration,
    call: impl std::future::Future<Output = T>,
) -> Result<T, crate::error::GatewayError> {
    crate::deadline::within(timeout, call)
        .await
        .map_err(|_| timed_out(timeout))
}

/// INTEGRATION_TIMEOUT, with the cause the request log gives.
fn timed_out(timeout: std::time::Duration) -> crate::error::GatewayError {
    crate::error::GatewayError::timeout()
        .because(format!("no answer within {} ms", timeout.as_millis()))
}

/// Where an integration through a VPC link connects. On AWS a `VPC_LINK` integration reaches
/// the network load balancer of its link (`connectionId`, stage variables allowed) and its
/// `uri` only sets the Host header and TLS name
/// ([set up a private integration](https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-api-with-vpclink-cli.html)).
/// Here the link's `apigw-local:target` tag, frozen into the deployment, stands for that load
/// balancer: its scheme and authority replace the URL's, the path and query stay, and the
/// URL's own authority goes as the `Host` header (the second member). A link without the tag
/// (or an integration not through a link) connects to the URL as written.
pub fn through_vpc_link(
    url: String,
    integration: &apigw_model::Integration,
    stage: &crate::deployment::DeployedStage,
) -> (String, Option<String>) {
    if integration.connection_type.as_deref() != Some("VPC_LINK") {
        return (url, None);
    }
    let Some(id) = integration.connection_id.as_deref() else {
        return (url, None);
    };
    let id = stage_variables(id, stage.stage.variables.as_ref());
    let targets = &stage.deployment.snapshot.documents.vpc_link_targets;
    match targets.get(&id) {
        Some(target) => retarget(&url, target),
        None => (url, None),
    }
}

/// `url` with its scheme and authority replaced by `target`'s (`http://127.0.0.1:8080`), and
/// the authority it had.
fn retarget(url: &str, target: &str) -> (String, Option<String>) {
    let rest = url.find("://").map_or(url, |i| &url[i + 3..]);
    let path_at = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = Some(rest[..path_at].to_string()).filter(|a| !a.is_empty());
    (
        format!("{}{}", target.trim_end_matches('/'), &rest[path_at..]),
        authority,
    )
}

/// The integration's URI with the stage's variables substituted.
pub fn uri_of(
    integration: &apigw_model::Integration,
    stage: &crate::deployment::DeployedStage,
) -> String {
    stage_variables(
        integration.uri.as_deref().unwrap_or_default(),
        stage.stage.variables.as_ref(),
    )
}

/// Substitute `${stageVariables.name}` in an integration URI or value.
pub fn stage_variables(text: &str, vars: Option<&apigw_model::StringMap>) -> String {
    if !text.contains("${stageVariables.") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${stageVariables.") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "${stageVariables.".len()..];
        match after.find('}') {
            Some(j) => {
                let name = &after[..j];
                if let Some(v) = vars.and_then(|m| m.get(name)) {
                    out.push_str(v);
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every client path (reqwest, the HTTP/1 pool, the built-in Lambda) times out the same
    /// way: INTEGRATION_TIMEOUT, with the cause the request log shows.
    #[tokio::test(start_paused = true)]
    async fn an_overrun_is_a_timeout_with_its_cause() {
        let e = by_deadline(
            std::time::Duration::from_millis(29_000),
            std::future::pending::<()>(),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, crate::error::ResponseType::IntegrationTimeout);
        assert_eq!(e.reason.as_deref(), Some("no answer within 29000 ms"));
    }

    #[test]
    fn retargets_to_the_link_backend() {
        let host = |h: &str| Some(h.to_string());
        assert_eq!(
            retarget(
                "http://nlb.example.com/pets/1?a=b",
                "http://127.0.0.1:8080/"
            ),
            (
                "http://127.0.0.1:8080/pets/1?a=b".into(),
                host("nlb.example.com")
            )
        );
        assert_eq!(
            retarget("https://nlb.example.com:8443", "http://127.0.0.1:9"),
            ("http://127.0.0.1:9".into(), host("nlb.example.com:8443"))
        );
        assert_eq!(
            retarget("http://h?x=1", "http://l:1"),
            ("http://l:1?x=1".into(), host("h"))
        );
    }

    #[test]
    fn substitutes_stage_variables() {
        let mut vars = apigw_model::StringMap::new();
        vars.insert("host".into(), "127.0.0.1:8080".into());
        assert_eq!(
            stage_variables("http://${stageVariables.host}/x", Some(&vars)),
            "http://127.0.0.1:8080/x"
        );
        assert_eq!(
            stage_variables("http://${stageVariables.none}/x", Some(&vars)),
            "http:///x"
        );
        assert_eq!(stage_variables("plain", None), "plain");
        assert_eq!(
            stage_variables("broken ${stageVariables.x", None),
            "broken ${stageVariables.x"
        );
    }
}
