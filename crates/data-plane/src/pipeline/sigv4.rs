//! Phase 3 for `AWS_IAM` methods: the request must be signed with Signature Version 4 for the
//! API's region and `execute-api`, in its `Authorization` header or a presigned query string.
//!
//! What AWS refuses before it looks at the signature is refused here, in AWS's words: no
//! signature at all is 403 "Missing Authentication Token" (AWS's knowledge-center article
//! api-gateway-iam-sigv4-mismatch), a header that is not a SigV4 one is
//! `IncompleteSignatureException`, a credential for another region or service or a date more
//! than 15 minutes off is `InvalidSignatureException`. The signature itself is not checked:
//! the emulator knows no secret keys (any credentials do, as on its control plane), and no
//! IAM policy is evaluated. The signer is the account's root, as STS GetCallerIdentity
//! answers here.

use axum::http::HeaderMap;
use chrono::{DateTime, NaiveDateTime, Utc};

use apigw_model::Scope;

use crate::error::{GatewayError, ResponseType};

/// The one algorithm SigV4 names.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service an execute-api request is signed for.
const SERVICE: &str = "execute-api";
/// `X-Amz-Date`'s ISO 8601 basic format.
const AMZ_DATE: &str = "%Y%m%dT%H%M%SZ";

/// Who signed an `AWS_IAM` request: `$context.identity`'s IAM fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The access key id of the signature's credential (`$context.identity.accessKey`).
    pub access_key: Box<str>,
    /// `$context.identity.accountId`, `caller` and `user`: the API's account, whose root
    /// every credential stands for here.
    pub account: Box<str>,
    /// `$context.identity.userArn`.
    pub user_arn: Box<str>,
}

/// Check that the request is signed for `scope`'s region and `execute-api` at about `now`.
///
/// # Errors
/// AWS's 403 for an unsigned request, an incomplete signature, or a credential or date it
/// would not take.
pub fn check(
    headers: &HeaderMap,
    query: Option<&str>,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<Signer, GatewayError> {
    let credential = match headers.get(axum::http::header::AUTHORIZATION) {
        Some(value) => {
            let value = String::from_utf8_lossy(value.as_bytes());
            let credential = from_header(&value, headers)?;
            if let Some(date) = header(headers, "x-amz-date") {
                fresh(date, now)?;
            }
            credential
        }
        None => from_query(query.unwrap_or_default())?,
    };
    let access_key = in_scope(&credential, scope)?;
    Ok(Signer {
        access_key: access_key.into(),
        account: scope.account.as_str().into(),
        user_arn: format!("arn:aws:iam::{}:root", scope.account).into(),
    })
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// 403 `IncompleteSignatureException`, answered through INVALID_SIGNATURE.
fn incomplete(message: String) -> GatewayError {
    let mut e = GatewayError::new(ResponseType::InvalidSignature, message);
    e.error_type = Some("IncompleteSignatureException");
    e
}

fn invalid(message: String) -> GatewayError {
    GatewayError::new(ResponseType::InvalidSignature, message)
}

/// The credential of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
/// Signature=…` header. AWS reads any scheme's parameters the same way, so a `Bearer` token is
/// "not a valid key=value pair" and a bare token lacks every parameter.
fn from_header(value: &str, headers: &HeaderMap) -> Result<String, GatewayError> {
    let (algorithm, params) = value
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((value.trim(), ""));
    let mut credential = None;
    let mut signed_headers = false;
    let mut signature = false;
    for part in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization \
                 header: '{value}'."
            )));
        };
        match k.trim() {
            "Credential" => credential = Some(v.trim().to_string()),
            "SignedHeaders" => signed_headers = true,
            "Signature" => signature = true,
            _ => {}
        }
    }
    let mut missing = String::new();
    if credential.is_none() {
        missing.push_str("Authorization header requires 'Credential' parameter. ");
    }
    if !signature {
        missing.push_str("Authorization header requires 'Signature' parameter. ");
    }
    if !signed_headers {
        missing.push_str("Authorization header requires 'SignedHeaders' parameter. ");
    }
    if header(headers, "x-amz-date").is_none() && header(headers, "date").is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. ",
        );
    }
    if !missing.is_empty() {
        return Err(incomplete(format!("{missing}Authorization={value}")));
    }
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'"
        )));
    }
    Ok(credential.unwrap_or_default())
}

/// The credential of a presigned URL's `X-Amz-*` parameters; none of them is an unsigned
/// request.
fn from_query(query: &str) -> Result<String, GatewayError> {
    const PARAMS: [&str; 5] = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
        "X-Amz-Date",
    ];
    let pairs = crate::request::percent_pairs(query);
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    if PARAMS.iter().all(|p| get(p).is_none()) {
        return Err(GatewayError::missing_token());
    }
    if let Some(absent) = PARAMS.iter().find(|p| get(p).is_none()) {
        return Err(incomplete(format!(
            "AWS query-string parameters must include '{absent}'. Re-examine the query-string \
             parameters."
        )));
    }
    let algorithm = get("X-Amz-Algorithm")
        .map(String::as_str)
        .unwrap_or_default();
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'"
        )));
    }
    // A presigned URL lasts its X-Amz-Expires, not the header's 15 minutes: its date is not
    // checked here.
    Ok(get("X-Amz-Credential").cloned().unwrap_or_default())
}

/// The access key of a credential `KEY/YYYYMMDD/REGION/SERVICE/aws4_request`, when its scope
/// is the API's region and `execute-api`.
fn in_scope<'c>(credential: &'c str, scope: &Scope) -> Result<&'c str, GatewayError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [key, _date, region, service, terminator] = parts[..] else {
        return Err(invalid(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             '{}'. ",
            parts.last().copied().unwrap_or_default()
        )));
    };
    if terminator != "aws4_request" {
        return Err(invalid(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             '{terminator}'. "
        )));
    }
    if region != scope.region {
        return Err(invalid(
            "Credential should be scoped to a valid region. ".to_string(),
        ));
    }
    if service != SERVICE {
        return Err(invalid(format!(
            "Credential should be scoped to correct service: '{SERVICE}'. "
        )));
    }
    if key.is_empty() {
        let mut e = invalid("The security token included in the request is invalid.".into());
        e.error_type = Some("UnrecognizedClientException");
        return Err(e);
    }
    Ok(key)
}

/// AWS takes a signed request for 15 minutes either side of its `X-Amz-Date`.
fn fresh(date: &str, now: DateTime<Utc>) -> Result<(), GatewayError> {
    let Ok(at) = NaiveDateTime::parse_from_str(date, AMZ_DATE) else {
        return Err(incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{date}'. See \
             http://en.wikipedia.org/wiki/ISO_8601"
        )));
    };
    let at = at.and_utc();
    let skew = chrono::Duration::minutes(15);
    let fmt = |t: DateTime<Utc>| t.format(AMZ_DATE).to_string();
    if at < now - skew {
        return Err(invalid(format!(
            "Signature expired: {date} is now earlier than {} ({} - 15 min.)",
            fmt(now - skew),
            fmt(now)
        )));
    }
    if at > now + skew {
        return Err(invalid(format!(
            "Signature not yet current: {date} is still later than {} ({} + 15 min.)",
            fmt(now + skew),
            fmt(now)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn scope() -> Scope {
        Scope {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        NaiveDateTime::parse_from_str("20261207T010000Z", AMZ_DATE)
            .unwrap()
            .and_utc()
    }

    fn signed(authorization: &str, date: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            HeaderValue::from_str(authorization).unwrap(),
        );
        if let Some(d) = date {
            h.insert("x-amz-date", HeaderValue::from_str(d).unwrap());
        }
        h
    }

    fn auth(credential: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host;x-amz-date, \
             Signature=abc123"
        )
    }

    fn refused(h: &HeaderMap, query: Option<&str>) -> (ResponseType, &'static str, String) {
        let e = check(h, query, &scope(), now()).unwrap_err();
        let t = e.error_type.unwrap_or(e.kind.error_type());
        (e.kind, t, e.message)
    }

    #[test]
    fn a_signed_request_names_its_access_key_and_the_root() {
        let h = signed(
            &auth("AKIDEXAMPLE/20261207/us-east-1/execute-api/aws4_request"),
            Some("20261207T005500Z"),
        );
        let s = check(&h, None, &scope(), now()).unwrap();
        assert_eq!(&*s.access_key, "AKIDEXAMPLE");
        assert_eq!(&*s.account, "123456789012");
        assert_eq!(&*s.user_arn, "arn:aws:iam::123456789012:root");
    }

    #[test]
    fn unsigned_is_missing_authentication_token() {
        let (kind, _, message) = refused(&HeaderMap::new(), Some("a=1"));
        assert_eq!(kind, ResponseType::MissingAuthenticationToken);
        assert_eq!(message, "Missing Authentication Token");
    }

    #[test]
    fn other_schemes_are_incomplete_signatures() {
        let (kind, t, m) = refused(&signed("Bearer abc.def", None), None);
        assert_eq!(kind, ResponseType::InvalidSignature);
        assert_eq!(t, "IncompleteSignatureException");
        assert_eq!(
            m,
            "'abc.def' not a valid key=value pair (missing equal-sign) in Authorization \
             header: 'Bearer abc.def'."
        );
        let (_, t, m) = refused(&signed("token", None), None);
        assert_eq!(t, "IncompleteSignatureException");
        assert_eq!(
            m,
            "Authorization header requires 'Credential' parameter. Authorization header \
             requires 'Signature' parameter. Authorization header requires 'SignedHeaders' \
             parameter. Authorization header requires existence of either a 'X-Amz-Date' or \
             a 'Date' header. Authorization=token"
        );
    }

    #[test]
    fn the_scope_must_be_this_region_and_execute_api() {
        let date = Some("20261207T010000Z");
        let (_, t, m) = refused(
            &signed(
                &auth("AK/20261207/eu-west-1/execute-api/aws4_request"),
                date,
            ),
            None,
        );
        assert_eq!(t, "InvalidSignatureException");
        assert_eq!(m, "Credential should be scoped to a valid region. ");
        let (_, _, m) = refused(
            &signed(&auth("AK/20261207/us-east-1/apigateway/aws4_request"), date),
            None,
        );
        assert_eq!(
            m,
            "Credential should be scoped to correct service: 'execute-api'. "
        );
        let (_, _, m) = refused(
            &signed(&auth("AK/20261207/us-east-1/execute-api/aws4"), date),
            None,
        );
        assert_eq!(
            m,
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             'aws4'. "
        );
    }

    #[test]
    fn dates_more_than_15_minutes_off_are_refused() {
        let cred = auth("AK/20261207/us-east-1/execute-api/aws4_request");
        let (_, t, m) = refused(&signed(&cred, Some("20261207T004459Z")), None);
        assert_eq!(t, "InvalidSignatureException");
        assert_eq!(
            m,
            "Signature expired: 20261207T004459Z is now earlier than 20261207T004500Z \
             (20261207T010000Z - 15 min.)"
        );
        let (_, _, m) = refused(&signed(&cred, Some("20261207T011501Z")), None);
        assert!(
            m.starts_with("Signature not yet current: 20261207T011501Z"),
            "{m}"
        );
        assert!(check(
            &signed(&cred, Some("20261207T011500Z")),
            None,
            &scope(),
            now()
        )
        .is_ok());
        let (_, t, _) = refused(&signed(&cred, Some("yesterday")), None);
        assert_eq!(t, "IncompleteSignatureException");
    }

    #[test]
    fn presigned_urls_need_every_parameter() {
        let full = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
            &X-Amz-Credential=AK%2F20261207%2Fus-east-1%2Fexecute-api%2Faws4_request\
            &X-Amz-Date=20261201T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\
            &X-Amz-Signature=abc";
        let s = check(&HeaderMap::new(), Some(full), &scope(), now()).unwrap();
        assert_eq!(&*s.access_key, "AK");
        let partial = full.replace("&X-Amz-Signature=abc", "");
        let (_, t, m) = refused(&HeaderMap::new(), Some(&partial));
        assert_eq!(t, "IncompleteSignatureException");
        assert_eq!(
            m,
            "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the \
             query-string parameters."
        );
    }
}
