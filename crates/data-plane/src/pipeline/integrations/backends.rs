//! What integrations call out through: the HTTP client pools and where Lambda functions run.
//! Integrations take this narrow handle rather than the whole gateway.

use std::collections::HashMap;

use apigw_model::Integration;

/// The answer of a function the emulator runs itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAnswer {
    /// The Invoke API's status (200, or the status of its error).
    pub status: axum::http::StatusCode,
    /// Whether the function failed (`X-Amz-Function-Error`).
    pub function_error: bool,
    /// The function's answer, or the error document.
    pub payload: bytes::Bytes,
}

/// A future of [`LocalFunctions::invoke`].
pub type LocalCall<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<LocalAnswer>> + Send + 'a>>;

/// Functions the emulator runs itself (the built-in Lambda), as the data plane reaches them:
/// in process, no Invoke API round trip.
pub trait LocalFunctions: Send + Sync {
    /// Invoke `function` (a name or ARN) of `region` with `payload`; `None` when no such
    /// function exists.
    fn invoke<'a>(
        &'a self,
        region: &'a str,
        function: &'a str,
        qualifier: Option<&'a str>,
        payload: bytes::Bytes,
    ) -> LocalCall<'a>;
}

/// The built-in Lambda, when the server has one.
#[derive(Clone)]
pub struct Local(pub std::sync::Arc<dyn LocalFunctions>);

impl std::fmt::Debug for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Local")
    }
}

/// Where Lambda functions are invoked.
#[derive(Debug, Clone, Default)]
pub struct LambdaConfig {
    /// The Invoke API endpoint for every function (e.g. `http://127.0.0.1:9000`).
    pub endpoint: Option<String>,
    /// Endpoints for particular functions, by function name.
    pub functions: HashMap<String, String>,
    /// Send the function's ARN in the Invoke path instead of its bare name.
    pub pass_arn: bool,
    /// The built-in Lambda, used for a function no endpoint above serves.
    pub local: Option<Local>,
}

/// Whether an integration's `tlsConfig.insecureSkipVerification` is set.
fn skips_verification(integration: &Integration) -> bool {
    integration
        .tls_config
        .as_ref()
        .and_then(|t| t.get("insecureSkipVerification"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

/// The backends every integration shares.
#[derive(Debug)]
pub struct Backends {
    /// One keep-alive pool for every HTTP integration (never a client per request); TLS with
    /// the Mozilla root store, HTTP/2 by ALPN.
    client: reqwest::Client,
    /// The pool for integrations with `tlsConfig.insecureSkipVerification` (self-signed or
    /// otherwise untrusted backends, as AWS allows for HTTP integrations).
    insecure_client: reqwest::Client,
    /// Where AWS_PROXY integrations and Lambda authorizers invoke functions.
    pub lambda: LambdaConfig,
    /// Where `AWS` integrations with other services send their requests.
    pub aws: super::aws_service::AwsEndpoints,
}

impl Backends {
    /// The client pools, Lambda as `lambda` says, other AWS services at `aws`.
    pub fn new(lambda: LambdaConfig, aws: super::aws_service::AwsEndpoints) -> Self {
        let builder = crate::tls::pool_builder;
        Self {
            client: builder().build().unwrap_or_default(),
            insecure_client: builder()
                .danger_accept_invalid_certs(true)
                .build()
                .unwrap_or_default(),
            lambda,
            aws,
        }
    }

    /// The HTTP client pool for an integration: verifying certificates unless its
    /// `tlsConfig.insecureSkipVerification` says not to.
    pub fn client_for(&self, integration: &Integration) -> &reqwest::Client {
        if skips_verification(integration) {
            &self.insecure_client
        } else {
            &self.client
        }
    }

    /// The pool for an HTTP integration of a stage: [`Self::client_for`], or the stage's
    /// pools presenting its client certificate when it names one.
    pub fn client_in<'a>(
        &'a self,
        integration: &Integration,
        stage: &'a crate::deployment::DeployedStage,
    ) -> &'a reqwest::Client {
        match &stage.client_tls {
            Some(tls) => tls.client(skips_verification(integration)),
            None => self.client_for(integration),
        }
    }
}
