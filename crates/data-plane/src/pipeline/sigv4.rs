//! Phase 3 for `AWS_IAM` methods: the request must be signed with Signature Version 4 for the
//! API's region and `execute-api`, in its `Authorization` header or a presigned query string.
//!
//! What AWS refuses before it looks at the signature is refused here, in AWS's words: no
//! signature at all is 403 "Missing Authentication Token" (AWS's knowledge-center article
//! api-gateway-iam-sigv4-mismatch), a header that is not a SigV4 one is
//! `IncompleteSignatureException`, a credential for another region, service or day, or a date
//! more than 15 minutes off, is `InvalidSignatureException`. The signature itself is not
//! checked: the emulator knows no secret keys (any credentials do, as on its control plane),
//! and no IAM policy is evaluated. The signer is the account's root, as STS GetCallerIdentity
//! answers here.
//!
//! AWS also reads the `Authorization` header of a request that no method matches as a SigV4
//! one, which is why a bearer token sent to a wrong path gets "Invalid key=value pair" rather
//! than "Missing Authentication Token" ([`unroutable`]).

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use apigw_model::Scope;

use crate::error::{GatewayError, OtherErrorType, ResponseType};

/// The one algorithm SigV4 names.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service an execute-api request is signed for.
const SERVICE: &str = "execute-api";
/// `X-Amz-Date`'s ISO 8601 basic format.
const AMZ_DATE: &str = "%Y%m%dT%H%M%SZ";
/// How far a signed request's date may be from now, either way.
const SKEW_MINUTES: i64 = 15;

/// Who signed an `AWS_IAM` request. `$context.identity.accessKey` is its access key; its
/// `accountId`, `caller` and `user` are the API's account and `userArn` that account's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The access key id of the signature's credential.
    pub access_key: Box<str>,
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
    let (credential, date) = match headers.get(AUTHORIZATION) {
        Some(value) => {
            let value = String::from_utf8_lossy(value.as_bytes());
            let credential = from_header(&value, headers)?;
            let date = header_date(headers)?;
            fresh(&date, now)?;
            (credential, date)
        }
        None => from_query(query.unwrap_or_default())?,
    };
    let access_key = in_scope(&credential, scope, &date)?;
    Ok(Signer {
        access_key: access_key.into(),
    })
}

/// The error for a request no method matches: "Missing Authentication Token", unless it
/// carries an `Authorization` header that is not a SigV4 one, whose fault AWS names instead.
pub fn unroutable(headers: &HeaderMap) -> GatewayError {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return GatewayError::missing_token();
    };
    match from_header(&String::from_utf8_lossy(value.as_bytes()), headers) {
        Err(e) => e,
        Ok(_) => GatewayError::missing_token(),
    }
}

/// A request's date as SigV4 signed it: the text and the instant.
struct SignedDate {
    /// `YYYYMMDDTHHMMSSZ`.
    text: String,
    at: DateTime<Utc>,
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// 403 `IncompleteSignatureException`, answered through INVALID_SIGNATURE.
fn incomplete(message: String) -> GatewayError {
    let mut e = GatewayError::new(ResponseType::InvalidSignature, message);
    e.error_type = Some(OtherErrorType::IncompleteSignature);
    e
}

fn invalid(message: String) -> GatewayError {
    GatewayError::new(ResponseType::InvalidSignature, message)
}

/// The credential of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
/// Signature=…` header. AWS splits the parameters at commas and white space and reads any
/// scheme's the same way, so a `Bearer` token is not a key=value pair and a bare token lacks
/// every parameter.
fn from_header(value: &str, headers: &HeaderMap) -> Result<String, GatewayError> {
    let mut words = value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty());
    let algorithm = words.next().unwrap_or_default();
    let mut credential = None;
    let mut signed_headers = false;
    let mut signature = false;
    for word in words {
        let Some((k, v)) = word.split_once('=') else {
            // The header may hold a secret: AWS names it by its hash, not its text.
            let hash = Sha256::digest(value.as_bytes());
            return Err(incomplete(format!(
                "Invalid key=value pair (missing equal-sign) in Authorization header (hashed \
                 with SHA-256 and encoded with Base64): '{}'.",
                base64::engine::general_purpose::STANDARD.encode(hash)
            )));
        };
        match k {
            "Credential" => credential = Some(v.to_string()),
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

/// The date a signed header names: `X-Amz-Date`, else the HTTP `Date`.
fn header_date(headers: &HeaderMap) -> Result<SignedDate, GatewayError> {
    if let Some(text) = header(headers, "x-amz-date") {
        return amz_date(text);
    }
    let date = header(headers, "date").unwrap_or_default();
    let Ok(at) = DateTime::parse_from_rfc2822(date) else {
        return Err(incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header."
                .into(),
        ));
    };
    let at = at.with_timezone(&Utc);
    Ok(SignedDate {
        text: at.format(AMZ_DATE).to_string(),
        at,
    })
}

fn amz_date(text: &str) -> Result<SignedDate, GatewayError> {
    match NaiveDateTime::parse_from_str(text, AMZ_DATE) {
        Ok(at) => Ok(SignedDate {
            text: text.to_string(),
            at: at.and_utc(),
        }),
        Err(_) => Err(incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{text}'. See \
             http://en.wikipedia.org/wiki/ISO_8601"
        ))),
    }
}

/// The credential and date of a presigned URL's `X-Amz-*` parameters; none of them is an
/// unsigned request.
fn from_query(query: &str) -> Result<(String, SignedDate), GatewayError> {
    const PARAMS: [&str; 5] = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
        "X-Amz-Date",
    ];
    let pairs = crate::request::percent_pairs(query);
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if PARAMS.iter().all(|p| get(p).is_none()) {
        return Err(GatewayError::missing_token());
    }
    if let Some(absent) = PARAMS.iter().find(|p| get(p).is_none()) {
        return Err(incomplete(format!(
            "AWS query-string parameters must include '{absent}'. Re-examine the query-string \
             parameters."
        )));
    }
    let algorithm = get("X-Amz-Algorithm").unwrap_or_default();
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'"
        )));
    }
    // A presigned URL lasts its X-Amz-Expires, which is not checked here.
    let date = amz_date(get("X-Amz-Date").unwrap_or_default())?;
    Ok((
        get("X-Amz-Credential").unwrap_or_default().to_string(),
        date,
    ))
}

/// The access key of a credential `KEY/YYYYMMDD/REGION/SERVICE/aws4_request`, when its scope
/// is the API's region, `execute-api` and the request's day. AWS names every fault of the
/// scope at once.
fn in_scope<'c>(
    credential: &'c str,
    scope: &Scope,
    date: &SignedDate,
) -> Result<&'c str, GatewayError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or_default();
    let (key, day, region, service, terminator) = (part(0), part(1), part(2), part(3), part(4));
    let mut faults = String::new();
    if region != scope.region {
        faults.push_str("Credential should be scoped to a valid region. ");
    }
    if service != SERVICE {
        faults.push_str("Credential should be scoped to correct service: 'execute-api'. ");
    }
    if terminator != "aws4_request" || parts.len() > 5 {
        faults.push_str(&format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             '{terminator}'. "
        ));
    }
    if !faults.is_empty() {
        return Err(invalid(faults));
    }
    let signed_day = date.text.get(..8).unwrap_or_default();
    if day != signed_day {
        return Err(invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{day}' != '{signed_day}', from '{}'.",
            date.text
        )));
    }
    // Any key is taken, but one that no AWS key could be is refused as AWS refuses an
    // unknown one (and kept out of templates and log lines).
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        let mut e = invalid("The security token included in the request is invalid.".into());
        e.error_type = Some(OtherErrorType::UnrecognizedClient);
        return Err(e);
    }
    Ok(key)
}

/// AWS takes a signed request for 15 minutes either side of its date.
fn fresh(date: &SignedDate, now: DateTime<Utc>) -> Result<(), GatewayError> {
    let skew = chrono::Duration::minutes(SKEW_MINUTES);
    let fmt = |t: DateTime<Utc>| t.format(AMZ_DATE).to_string();
    if date.at < now - skew {
        return Err(invalid(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            date.text,
            fmt(now - skew),
            fmt(now)
        )));
    }
    if date.at > now + skew {
        return Err(invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            date.text,
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

    const GOOD: &str = "AKIDEXAMPLE/20261207/us-east-1/execute-api/aws4_request";
    const NOW: Option<&str> = Some("20261207T010000Z");

    fn refused(h: &HeaderMap, query: Option<&str>) -> (ResponseType, &'static str, String) {
        let e = check(h, query, &scope(), now()).unwrap_err();
        let t = e
            .error_type
            .map_or(e.kind.error_type(), OtherErrorType::as_str);
        (e.kind, t, e.message)
    }

    #[test]
    fn a_signed_request_names_its_access_key() {
        let h = signed(&auth(GOOD), Some("20261207T005500Z"));
        let s = check(&h, None, &scope(), now()).unwrap();
        assert_eq!(&*s.access_key, "AKIDEXAMPLE");
        // The HTTP Date header dates a request too.
        let mut h = signed(&auth(GOOD), None);
        h.insert(
            "date",
            HeaderValue::from_static("Mon, 07 Dec 2026 00:58:00 GMT"),
        );
        assert!(check(&h, None, &scope(), now()).is_ok());
        h.insert(
            "date",
            HeaderValue::from_static("Mon, 07 Dec 2026 00:30:00 GMT"),
        );
        assert!(refused(&h, None).2.starts_with("Signature expired"));
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
        let hash =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"Bearer abc.def"));
        assert_eq!(
            m,
            format!(
                "Invalid key=value pair (missing equal-sign) in Authorization header (hashed \
                 with SHA-256 and encoded with Base64): '{hash}'."
            )
        );
        // White space separates parameters: a space after `Credential=` leaves the key alone.
        let spaced =
            "AWS4-HMAC-SHA256 Credential= AK/20261207/us-east-1/execute-api/aws4_request, \
                      SignedHeaders=host, Signature=abc";
        assert!(refused(&signed(spaced, NOW), None)
            .2
            .starts_with("Invalid key=value pair"));
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
    fn the_scope_must_be_this_region_execute_api_and_the_day() {
        let (_, t, m) = refused(
            &signed(&auth("AK/20261207/eu-west-1/execute-api/aws4_request"), NOW),
            None,
        );
        assert_eq!(t, "InvalidSignatureException");
        assert_eq!(m, "Credential should be scoped to a valid region. ");
        let (_, _, m) = refused(
            &signed(&auth("AK/20261207/eu-west-1/apigateway/aws4_request"), NOW),
            None,
        );
        assert_eq!(
            m,
            "Credential should be scoped to a valid region. Credential should be scoped to \
             correct service: 'execute-api'. "
        );
        let (_, _, m) = refused(
            &signed(&auth("AK/20261207/us-east-1/execute-api/aws4"), NOW),
            None,
        );
        assert_eq!(
            m,
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             'aws4'. "
        );
        // Too few parts: every missing one is named, none contradicts the others.
        let (_, _, m) = refused(&signed(&auth("AK"), NOW), None);
        assert_eq!(
            m,
            "Credential should be scoped to a valid region. Credential should be scoped to \
             correct service: 'execute-api'. Credential should be scoped with a valid \
             terminator: 'aws4_request', not ''. "
        );
        let (_, _, m) = refused(
            &signed(&auth("AK/20261206/us-east-1/execute-api/aws4_request"), NOW),
            None,
        );
        assert_eq!(
            m,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '20261206' != '20261207', from '20261207T010000Z'."
        );
    }

    #[test]
    fn keys_no_aws_key_could_be_are_unrecognized() {
        let (_, t, m) = refused(
            &signed(
                &auth("A%K/20261207/us-east-1/execute-api/aws4_request"),
                NOW,
            ),
            None,
        );
        assert_eq!(t, "UnrecognizedClientException");
        assert_eq!(m, "The security token included in the request is invalid.");
        let ok = signed(
            &auth("test/20261207/us-east-1/execute-api/aws4_request"),
            NOW,
        );
        assert!(check(&ok, None, &scope(), now()).is_ok());
    }

    #[test]
    fn dates_more_than_15_minutes_off_are_refused() {
        let cred = auth(GOOD);
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
        let (_, t, m) = refused(&signed(&cred, Some("yesterday")), None);
        assert_eq!(t, "IncompleteSignatureException");
        assert!(m.starts_with("Date must be in ISO-8601 'basic format'. Got 'yesterday'."));
    }

    #[test]
    fn presigned_urls_need_every_parameter() {
        let full = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
            &X-Amz-Credential=AK%2F20261201%2Fus-east-1%2Fexecute-api%2Faws4_request\
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
        // A decoded control character cannot become the access key.
        let injected = full.replace("X-Amz-Credential=AK", "X-Amz-Credential=AK%0AX");
        let (_, t, _) = refused(&HeaderMap::new(), Some(&injected));
        assert_eq!(t, "UnrecognizedClientException");
    }

    #[test]
    fn unroutable_requests_name_a_malformed_header() {
        assert_eq!(unroutable(&HeaderMap::new()), GatewayError::missing_token());
        let e = unroutable(&signed("Bearer abc", None));
        assert_eq!(e.error_type, Some(OtherErrorType::IncompleteSignature));
        assert!(e.message.starts_with("Invalid key=value pair"));
        assert_eq!(
            unroutable(&signed(&auth(GOOD), NOW)),
            GatewayError::missing_token()
        );
    }
}
