//! AWS "query" protocol services on the same port: form-encoded `Action=…` bodies answered in
//! XML. STS `GetCallerIdentity` is here because Terraform, CDK and many test fixtures call it
//! before anything else ([AWS reference](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)).
//! IAM's role actions are answered by [`crate::iam`], which needs the store (hence `async`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::Companions;

/// Whether a request is a query-protocol call (`POST /` with a form body, or `GET /?Action=`).
pub fn is_query_call(
    method: &str,
    path: &str,
    content_type: Option<&str>,
    query: Option<&str>,
) -> bool {
    path == "/"
        && ((method == "POST"
            && content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")))
            || query.is_some_and(|q| q.contains("Action=")))
}

fn xml(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/xml"));
    res
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// AWS's query-protocol error document.
pub fn error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    xml(
        status,
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
            escape(code),
            escape(message)
        ),
    )
}

/// Handle a query-protocol call whose parameters are `params` (form body and query string).
pub async fn handle(state: &Companions, params: &[(String, String)]) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let action = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let account = &state.account_id;
    match action {
        "GetCallerIdentity" => xml(
            StatusCode::OK,
            format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Arn>{root}</Arn><UserId>{account}</UserId><Account>{account}</Account></GetCallerIdentityResult>\
<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                root = apigw_model::arn::iam_root(account),
            ),
        ),
        iam_action if crate::iam::is_iam_action(iam_action) => {
            crate::iam::handle(state, iam_action, params, &request_id).await
        }
        "" => error(StatusCode::BAD_REQUEST, "MissingAction", "The request must contain the parameter Action", &request_id),
        other => error(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            &format!("The action {other} is not implemented by apigw-local yet"),
            &request_id,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_query_calls() {
        assert!(is_query_call(
            "POST",
            "/",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            None
        ));
        assert!(is_query_call(
            "GET",
            "/",
            None,
            Some("Action=GetCallerIdentity&Version=2011-06-15")
        ));
        assert!(!is_query_call(
            "POST",
            "/restapis",
            Some("application/json"),
            None
        ));
    }
}
