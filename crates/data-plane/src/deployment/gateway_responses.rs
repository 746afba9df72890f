//! A deployment's customised gateway responses, compiled with it
//! ([AWS guide](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html)).
//!
//! An error renders through the customisation of its type, else the customised DEFAULT_4XX /
//! DEFAULT_5XX of its status class, else AWS's default ([`crate::error`]). Errors raised before
//! a stage is known (unknown API or stage) always use the defaults. Rendering is the pipeline's
//! last phase ([`crate::pipeline::respond`]).

use std::collections::HashMap;

use apigw_model::{ApiSnapshot, GatewayResponse, StringMap};

use crate::deployment::templates::Templates;
use crate::error::ResponseType;

/// One customised gateway response of a deployment.
#[derive(Debug, Clone, Default)]
pub struct CustomResponse {
    /// The status to send (`None`: the raised type's default).
    pub status: Option<u16>,
    /// Header name → source expression (`'literal'`, `method.request.header.x`, …).
    pub headers: Vec<(String, String)>,
    /// Content type → body template text (parsed in [`GatewayResponses::templates`]).
    pub templates: StringMap,
}

/// The customised gateway responses of one deployment, compiled with it.
#[derive(Debug, Default)]
pub struct GatewayResponses {
    custom: HashMap<ResponseType, CustomResponse>,
    /// Every body template of `custom`, parsed once at deployment time.
    pub(crate) templates: Templates,
}

impl GatewayResponses {
    /// Compile the customisations a snapshot froze (written by the control plane's
    /// `deployments::freeze`).
    pub fn compile(snapshot: &ApiSnapshot) -> Self {
        Self::from_list(snapshot.documents.gateway_responses.iter().cloned())
    }

    /// Compile a list of customised gateway responses.
    pub fn from_list(list: impl IntoIterator<Item = GatewayResponse>) -> Self {
        let mut custom = HashMap::new();
        let mut texts = Vec::new();
        for g in list {
            let Some(kind) = ResponseType::parse(&g.response_type) else {
                continue;
            };
            let headers = g
                .response_parameters
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        k.strip_prefix("gatewayresponse.header.")?.to_string(),
                        v.clone(),
                    ))
                })
                .collect();
            texts.extend(g.response_templates.values().cloned());
            let status = g
                .status_code
                .as_deref()
                .and_then(|s| s.trim().parse::<u16>().ok())
                .filter(|s| (100..=599).contains(s));
            custom.insert(
                kind,
                CustomResponse {
                    status,
                    headers,
                    templates: g.response_templates,
                },
            );
        }
        Self {
            custom,
            templates: Templates::compile(&[], texts),
        }
    }

    /// Whether nothing is customised (every error answers AWS's default).
    pub fn is_empty(&self) -> bool {
        self.custom.is_empty()
    }

    /// The customisation that applies to `kind`: its own, else its class's DEFAULT_4XX/5XX.
    pub fn lookup(&self, kind: ResponseType) -> Option<&CustomResponse> {
        self.custom
            .get(&kind)
            .or_else(|| self.custom.get(&kind.fallback()?))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A customisation of `kind` (test builder, shared with the pipeline's rendering tests).
    pub(crate) fn custom(
        kind: &str,
        status: Option<&str>,
        params: &[(&str, &str)],
        template: Option<&str>,
    ) -> GatewayResponse {
        let mut g = GatewayResponse::aws_default(kind).unwrap();
        g.default_response = false;
        if let Some(s) = status {
            g.status_code = Some(s.to_string());
        }
        g.response_parameters = params
            .iter()
            .map(|(k, v)| (format!("gatewayresponse.header.{k}"), (*v).to_string()))
            .collect();
        if let Some(t) = template {
            g.response_templates = [("application/json".to_string(), t.to_string())].into();
        }
        g
    }

    #[test]
    fn fallback_order() {
        use ResponseType::*;
        let none = GatewayResponses::default();
        assert!(none.lookup(MissingAuthenticationToken).is_none());

        // A DEFAULT_4XX covers every 4xx type without its own entry, never a 5xx one.
        let four = GatewayResponses::from_list([custom("DEFAULT_4XX", Some("418"), &[], None)]);
        assert_eq!(
            four.lookup(MissingAuthenticationToken).unwrap().status,
            Some(418)
        );
        assert_eq!(four.lookup(Throttled).unwrap().status, Some(418));
        assert!(four.lookup(IntegrationTimeout).is_none());

        // The type's own entry wins over its class default.
        let both = GatewayResponses::from_list([
            custom("DEFAULT_4XX", Some("418"), &[], None),
            custom("MISSING_AUTHENTICATION_TOKEN", Some("404"), &[], None),
            custom("DEFAULT_5XX", None, &[("x", "'5'")], None),
        ]);
        assert_eq!(
            both.lookup(MissingAuthenticationToken).unwrap().status,
            Some(404)
        );
        assert_eq!(both.lookup(Unauthorized).unwrap().status, Some(418));
        // DEFAULT_5XX without a status: the raised type keeps its own.
        assert_eq!(both.lookup(IntegrationFailure).unwrap().status, None);
        assert_eq!(
            both.lookup(IntegrationFailure).unwrap().headers,
            vec![("x".to_string(), "'5'".to_string())]
        );
    }
}
