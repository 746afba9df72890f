//! Extractors that turn HTTP requests into typed input, with AWS's errors on bad input.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use apigw_model::scope::region_from_auth;
use apigw_model::{ApiError, Scope};

use crate::error::Error;
use crate::AppState;

/// What every handler starts from: the state (the store, the observers) and the account and
/// region the request acts in, in one extractor, so that a handler's signature names only
/// what is its own (path, query, body).
///
/// The region is read from the SigV4 credential scope
/// (`Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/apigateway/aws4_request, …`
/// or the presigned `X-Amz-Credential` query parameter); the account is configured.
/// Signatures are not verified.
pub struct Call {
    /// The router's state.
    pub st: AppState,
    /// The account and region.
    pub scope: Scope,
}

impl<S> FromRequestParts<S> for Call
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let st = AppState::from_ref(state);
        let auth = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let region = region_from_auth(auth, parts.uri.query())
            .unwrap_or_else(|| st.config.default_region.clone());
        let scope = Scope::new(st.config.account_id.clone(), region);
        Ok(Call { st, scope })
    }
}

/// A JSON body deserialised into `T`; an empty body counts as `{}`.
///
/// Malformed JSON and members of the wrong JSON type answer AWS's `SerializationException`,
/// never axum's plain-text rejection.
pub struct AwsJson<T>(pub T);

impl<S, T> FromRequest<S> for AwsJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(crate::MAX_BODY)
            } else {
                ApiError::serialization(e.to_string())
            }
        })?;
        parse_json(&bytes).map(AwsJson)
    }
}

/// Parse a request body as AWS's JSON protocol does.
///
/// # Errors
/// `SerializationException` for malformed JSON or a member of the wrong type.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let text = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        bytes
    };
    serde_json::from_slice(text).map_err(|e| Error(ApiError::serialization(java_message(&e))))
}

/// AWS's (Java) wording for the common type mismatches, so messages match what AWS sends:
/// `class java.lang.Boolean can not be converted to an String` (recorded in
/// test_apigateway_api.snapshot.json).
fn java_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let class = if found.starts_with("boolean") {
            "java.lang.Boolean"
        } else if found.starts_with("integer") || found.starts_with("floating point") {
            "com.amazon.coral.value.json.numbers.TruncatingBigNumber"
        } else if found.starts_with("string") {
            "java.lang.String"
        } else if found.starts_with("map") {
            "java.util.Map"
        } else if found.starts_with("sequence") {
            "java.util.List"
        } else {
            "java.lang.Object"
        };
        let target = if expected.starts_with("a string") {
            "an String"
        } else if expected.starts_with("a boolean") {
            "a Boolean"
        } else if expected.starts_with("i64")
            || expected.starts_with("i32")
            || expected.starts_with("f64")
        {
            "a Number"
        } else if expected.starts_with("a sequence") {
            "a List"
        } else {
            "a Map"
        };
        let target = target.split(" at line").next().unwrap_or(target);
        return format!("class {class} can not be converted to {target}");
    }
    format!("Unable to parse request body: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_messages() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            a: Option<String>,
        }
        let e = parse_json::<S>(br#"{"a": true}"#).unwrap_err();
        assert_eq!(
            e.0.message,
            "class java.lang.Boolean can not be converted to an String"
        );
        let e = parse_json::<S>(br#"{"a": 12}"#).unwrap_err();
        assert_eq!(e.0.message, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String");
        assert!(parse_json::<S>(b"").is_ok());
        assert_eq!(
            parse_json::<S>(b"{").unwrap_err().0.kind,
            apigw_model::ErrorKind::Serialization
        );
    }
}
