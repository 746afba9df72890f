//! Request validators: a method's `requestValidatorId` turns on checks of its required request
//! parameters and of its body against the JSON-Schema model of `requestModels`
//! ([AWS guide](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html)).
//!
//! Failures are BAD_REQUEST_PARAMETERS (400 "Missing required request parameters: [a, b]") and
//! BAD_REQUEST_BODY (400 "Invalid request body"), as recorded from AWS. Models are draft-4
//! schemas; a `$ref` to `https://apigateway.amazonaws.com/restapis/{api}/models/{name}`
//! resolves to the API's own model of that name, as deployed. Everything is compiled when the
//! deployment is; an empty body is validated as `{}`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

use apigw_model::{ApiSnapshot, Method, RequestValidator};

use crate::error::{GatewayError, ResponseType};

/// The validators and models of a deployment, compiled.
#[derive(Default)]
pub struct Validators {
    validators: HashMap<String, RequestValidator>,
    /// Model name → compiled schema; `None` for a model whose schema does not compile (it
    /// then lets every body through, as there is nothing to check it against).
    models: HashMap<String, Option<Arc<jsonschema::Validator>>>,
}

impl std::fmt::Debug for Validators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validators")
            .field("validators", &self.validators)
            .field("models", &self.models.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Resolves `$ref`s to the API's models by name (no network, no files); shared by every model
/// of the deployment.
struct ModelRefs(Arc<HashMap<String, Value>>);

impl jsonschema::Retrieve for ModelRefs {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let text = uri.as_str();
        let name = text
            .split_once("/models/")
            .map(|(_, n)| n.trim_end_matches('/'))
            .unwrap_or_default();
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no model named '{name}' ({text})").into())
    }
}

impl Validators {
    /// Compile the validators and models a snapshot froze; a model whose schema does not
    /// compile checks nothing (logged).
    pub fn compile(snapshot: &ApiSnapshot) -> Self {
        let validators = &snapshot.documents.request_validators;
        let models = &snapshot.documents.models;
        let schemas: Arc<HashMap<String, Value>> = Arc::new(
            models
                .iter()
                .filter_map(|m| {
                    let schema = serde_json::from_str(m.schema.as_deref()?).ok()?;
                    Some((m.name.clone(), schema))
                })
                .collect(),
        );
        let compiled = schemas
            .iter()
            .map(|(name, schema)| {
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft4)
                    .with_retriever(ModelRefs(Arc::clone(&schemas)))
                    .build(schema)
                    .map_err(
                        |e| tracing::warn!(model = %name, error = %e, "model does not compile"),
                    )
                    .ok()
                    .map(Arc::new);
                (name.clone(), validator)
            })
            .collect();
        Self {
            validators: validators
                .iter()
                .map(|v| (v.id.clone(), v.clone()))
                .collect(),
            models: compiled,
        }
    }

    /// Check a request against its method's validator; gives the request back (its body
    /// buffered when it was validated).
    ///
    /// # Errors
    /// BAD_REQUEST_PARAMETERS, BAD_REQUEST_BODY, or REQUEST_TOO_LARGE while buffering.
    pub async fn check(
        &self,
        method: &Method,
        path_params: &[(String, String)],
        req: Request<Body>,
    ) -> Result<Request<Body>, GatewayError> {
        let Some(validator) = method
            .request_validator_id
            .as_deref()
            .and_then(|id| self.validators.get(id))
        else {
            return Ok(req);
        };
        if validator.validate_request_parameters {
            let missing = missing_parameters(method, path_params, &req);
            if !missing.is_empty() {
                return Err(GatewayError::new(
                    ResponseType::BadRequestParameters,
                    format!(
                        "Missing required request parameters: [{}]",
                        missing.join(", ")
                    ),
                ));
            }
        }
        if !validator.validate_request_body {
            return Ok(req);
        }
        let Some(schema) = self.model_for(method, &req) else {
            return Ok(req);
        };
        let (parts, body) = req.into_parts();
        let bytes = crate::request::read_body(body).await?;
        let invalid = || GatewayError::new(ResponseType::BadRequestBody, "Invalid request body");
        let instance: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Object(serde_json::Map::new())
        } else {
            serde_json::from_slice(&bytes).map_err(|_| invalid())?
        };
        if !schema.is_valid(&instance) {
            return Err(invalid());
        }
        Ok(Request::from_parts(parts, Body::from(bytes)))
    }

    /// The compiled model for the request's content type (else `$default`), if any.
    fn model_for(
        &self,
        method: &Method,
        req: &Request<Body>,
    ) -> Option<Arc<jsonschema::Validator>> {
        let models = method.request_models.as_ref()?;
        let content_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map_or("application/json", |c| {
                c.split(';').next().unwrap_or_default().trim()
            });
        let name = models
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(content_type))
            .or_else(|| models.iter().find(|(k, _)| *k == "$default"))
            .map(|(_, v)| v)?;
        self.models.get(name).cloned().flatten()
    }
}

/// The required parameters the request lacks, sorted by their declaration key (`header`,
/// `multivalueheader`, `multivaluequerystring`, `path`, `querystring`), as AWS lists them.
fn missing_parameters(
    method: &Method,
    path_params: &[(String, String)],
    req: &Request<Body>,
) -> Vec<String> {
    let Some(params) = &method.request_parameters else {
        return Vec::new();
    };
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(crate::request::percent_pairs)
        .unwrap_or_default();
    let mut missing: Vec<(&String, &str)> = params
        .iter()
        .filter(|(_, required)| **required)
        .filter_map(|(key, _)| {
            let rest = key.strip_prefix("method.request.")?;
            let (kind, name) = rest.split_once('.')?;
            let present = match kind {
                "header" | "multivalueheader" => req.headers().contains_key(name),
                "querystring" | "multivaluequerystring" => query.iter().any(|(k, _)| k == name),
                "path" => path_params.iter().any(|(k, v)| k == name && !v.is_empty()),
                _ => true,
            };
            (!present).then_some((key, name))
        })
        .collect();
    // Declaration order is kept for exports; AWS's message lists the keys sorted.
    missing.sort_unstable();
    missing
        .into_iter()
        .map(|(_, name)| name.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> ApiSnapshot {
        let validator = |id: &str, body: bool| RequestValidator {
            id: id.into(),
            name: id.into(),
            validate_request_body: body,
            validate_request_parameters: true,
        };
        let model = |name: &str, schema: &str| apigw_model::Model {
            id: name.to_ascii_lowercase(),
            name: name.into(),
            description: None,
            schema: Some(schema.into()),
            content_type: "application/json".into(),
        };
        let mut s = ApiSnapshot::default();
        s.documents.request_validators = vec![validator("all", true), validator("params", false)];
        s.documents.models = vec![
            model("Empty", r#"{"type": "object"}"#),
            model(
                "Pet",
                r#"{"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "properties": {"a": {"type": "number"}}, "required": ["a"]}"#,
            ),
            model(
                "Pets",
                r#"{"type": "array", "items": {"$ref": "https://apigateway.amazonaws.com/restapis/abc/models/Pet"}}"#,
            ),
        ];
        s
    }

    fn method(validator: &str, model: &str) -> Method {
        Method {
            http_method: "POST".into(),
            request_validator_id: Some(validator.into()),
            request_parameters: Some(
                [
                    ("method.request.querystring.qs1".to_string(), true),
                    ("method.request.header.x-header-param".to_string(), true),
                    ("method.request.path.issuer".to_string(), true),
                    ("method.request.querystring.optional".to_string(), false),
                ]
                .into_iter()
                .collect(),
            ),
            request_models: Some(
                [("application/json".to_string(), model.to_string())]
                    .into_iter()
                    .collect(),
            ),
            ..Method::default()
        }
    }

    fn req(uri: &str, header: bool, body: &str) -> Request<Body> {
        let mut b = Request::builder().method("POST").uri(uri);
        if header {
            b = b.header("X-Header-Param", "1");
        }
        b.body(Body::from(body.to_string())).unwrap()
    }

    async fn outcome(
        v: &Validators,
        m: &Method,
        r: Request<Body>,
        path: &[(String, String)],
    ) -> Result<(), String> {
        v.check(m, path, r).await.map(|_| ()).map_err(|e| e.message)
    }

    #[tokio::test]
    async fn parameters_then_bodies() {
        let v = Validators::compile(&snapshot());
        let issuer = vec![("issuer".to_string(), "x".to_string())];
        let m = method("all", "Pet");
        // Recorded: "Missing required request parameters: [x-header-param, issuer, qs1]".
        assert_eq!(
            outcome(&v, &m, req("/p", false, "{}"), &[]).await,
            Err("Missing required request parameters: [x-header-param, issuer, qs1]".into())
        );
        assert_eq!(
            outcome(&v, &m, req("/p?qs1=", false, "{}"), &issuer).await,
            Err("Missing required request parameters: [x-header-param]".into())
        );
        assert_eq!(
            outcome(&v, &m, req("/p?qs1=1", true, r#"{"a": 1}"#), &issuer).await,
            Ok(())
        );
        for bad in [r#"{"a": "x"}"#, "{}", "not json", "[1]", ""] {
            assert_eq!(
                outcome(&v, &m, req("/p?qs1=1", true, bad), &issuer).await,
                Err("Invalid request body".into()),
                "{bad}"
            );
        }
        // A $ref to another model of the API.
        let list = method("all", "Pets");
        for (body, expected) in [
            (r#"[{"a": 1}, {"a": 2}]"#, Ok(())),
            (
                r#"[{"a": 1}, {"b": 2}]"#,
                Err("Invalid request body".into()),
            ),
        ] {
            let r = req("/p?qs1=1", true, body);
            assert_eq!(outcome(&v, &list, r, &issuer).await, expected, "{body}");
        }
        // The empty model takes an empty body as {}.
        let empty = method("all", "Empty");
        assert_eq!(
            outcome(&v, &empty, req("/p?qs1=1", true, ""), &issuer).await,
            Ok(())
        );
        // A validator for parameters only lets any body through.
        let params = method("params", "Pet");
        assert_eq!(
            outcome(&v, &params, req("/p?qs1=1", true, "nonsense"), &issuer).await,
            Ok(())
        );
        // Another content type without a model of its own: not validated.
        let r = Request::builder()
            .method("POST")
            .uri("/p?qs1=1")
            .header("x-header-param", "1")
            .header("content-type", "text/plain")
            .body(Body::from("nonsense"))
            .unwrap();
        assert_eq!(outcome(&v, &m, r, &issuer).await, Ok(()));
        // No validator: nothing checked.
        let mut none = method("all", "Pet");
        none.request_validator_id = None;
        assert_eq!(outcome(&v, &none, req("/p", false, "x"), &[]).await, Ok(()));
    }

    #[tokio::test]
    async fn the_validated_body_reaches_the_integration() {
        let v = Validators::compile(&snapshot());
        let issuer = vec![("issuer".to_string(), "x".to_string())];
        let r = v
            .check(
                &method("all", "Pet"),
                &issuer,
                req("/p?qs1=1", true, r#"{"a": 5}"#),
            )
            .await
            .unwrap();
        let bytes = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert_eq!(&bytes[..], br#"{"a": 5}"#);
    }
}
