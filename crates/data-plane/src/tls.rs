//! Backend HTTP client pools, and the TLS client identity a stage presents with its client
//! certificate. A leaf: the compiled stage ([`crate::deployment`]) holds a [`ClientTls`], the
//! integrations ([`crate::pipeline`]) call through it.

/// The client certificate a stage presents to HTTP backends (its `clientCertificateId`): "API
/// Gateway uses the certificate for all calls to HTTP integrations in your API"
/// ([backend authentication](https://docs.aws.amazon.com/apigateway/latest/developerguide/getting-started-client-side-ssl-authentication.html)).
/// Two pools with the certificate as TLS client identity, as the shared backends have two
/// without.
#[derive(Debug)]
pub struct ClientTls {
    client: reqwest::Client,
    insecure_client: reqwest::Client,
}

impl ClientTls {
    /// Pools presenting the certificate `cert_pem` with its key `key_pem` (both PEM); `None`
    /// when they do not parse.
    pub fn new(cert_pem: &str, key_pem: &str) -> Option<Self> {
        let pem = format!("{key_pem}\n{cert_pem}");
        let pool = |insecure: bool| {
            let identity = reqwest::Identity::from_pem(pem.as_bytes()).ok()?;
            pool_builder()
                .identity(identity)
                .danger_accept_invalid_certs(insecure)
                .build()
                .ok()
        };
        Some(Self {
            client: pool(false)?,
            insecure_client: pool(true)?,
        })
    }

    /// The pool that verifies the backend's certificate, or the one that does not (`insecure`,
    /// from the integration's `tlsConfig.insecureSkipVerification`).
    pub fn client(&self, insecure: bool) -> &reqwest::Client {
        if insecure {
            &self.insecure_client
        } else {
            &self.client
        }
    }
}

/// How every backend pool is built: keep-alive connections, redirects passed back.
pub fn pool_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .redirect(reqwest::redirect::Policy::none())
}
