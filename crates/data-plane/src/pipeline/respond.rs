//! The last phase: a failure rendered as its gateway response, through the deployment's
//! customisations once the stage is known.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response};
use serde_json::{json, Map, Value};

use apigw_model::gateway_response::DEFAULT_TEMPLATE;

use crate::deployment::gateway_responses::GatewayResponses;
use crate::deployment::templates::select_response;
use crate::error::{message_string, GatewayError};
use crate::pipeline::context::RequestContext;

impl RequestContext<'_> {
    /// Render `err`: through the stage's gateway responses once a stage is known.
    pub fn render(&self, err: &GatewayError) -> Response<Body> {
        match self.stage {
            Some(s) => s.deployment.gateway_responses.render(err, self),
            None => err.render_default(),
        }
    }

    fn stage_variables(&self) -> Vec<(String, String)> {
        self.stage
            .and_then(|s| s.stage.variables.as_ref())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// `$context` as a gateway response template sees it, with `error.*`.
    fn context(&self, err: &GatewayError) -> Map<String, Value> {
        let stage = self.stage.map(|s| s.stage.stage_name.clone());
        let resource = self.resource;
        let now = chrono::Utc::now();
        let v = json!({
            "accountId": self.api.map(|a| &a.scope.account),
            "apiId": self.api.map(|a| &a.api_id),
            "deploymentId": self.stage.map(|s| s.deployment.id.clone()),
            "domainName": self.header("host"),
            "error": {
                "message": err.message,
                "messageString": message_string(&err.message),
                "responseType": err.kind.as_str(),
                "validationErrorString": Value::Null,
            },
            "extendedRequestId": self.extended_request_id,
            "httpMethod": self.view.http_method,
            "identity": {
                "sourceIp": self.view.source_ip,
                "userAgent": self.header("user-agent"),
            },
            "path": stage.as_ref().map(|st| format!("/{st}{}", self.view.path)),
            "protocol": "HTTP/1.1",
            "requestId": self.request_id,
            "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "requestTimeEpoch": now.timestamp_millis(),
            "resourceId": resource.map(|r| &r.id),
            "resourcePath": resource.map(|r| &r.path),
            "stage": stage,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn vtl_context(&self, err: &GatewayError) -> apigw_vtl::Context {
        apigw_vtl::Context {
            body: String::new(),
            params: apigw_vtl::Params {
                path: self.path_params().to_vec(),
                querystring: self.view.query.clone(),
                header: self.view.headers.clone(),
            },
            context: self.context(err),
            stage_variables: self.stage_variables(),
        }
    }

    /// Resolve a `responseParameters` source: `'literal'`, `method.request.{header,
    /// querystring,path,multivalueheader,multivaluequerystring}.x`, `context.x`,
    /// `stageVariables.x`. Unknown or absent sources set no header.
    fn source_value(&self, expr: &str, ctx: &apigw_vtl::Context) -> Option<String> {
        if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return Some(lit.to_string());
        }
        if let Some(rest) = expr.strip_prefix("method.request.") {
            let (kind, name) = rest.split_once('.')?;
            return crate::pipeline::mapping::method_request_param(
                kind,
                name,
                &self.view.headers,
                &self.view.query,
                self.path_params(),
            );
        }
        if let Some(name) = expr.strip_prefix("stageVariables.") {
            return crate::pipeline::mapping::stage_variable(ctx, name);
        }
        if let Some(path) = expr.strip_prefix("context.") {
            return crate::pipeline::mapping::context_text(&ctx.context, path);
        }
        None
    }
}

/// Applying a customisation: the last phase, so it lives here rather than with the compiled
/// responses.
impl GatewayResponses {
    /// Render `err` for a request that failed with what `scope` knows about it.
    pub fn render(&self, err: &GatewayError, scope: &RequestContext<'_>) -> Response<Body> {
        let Some(custom) = self.lookup(err.kind) else {
            return err.render_default();
        };
        let status = custom.status.unwrap_or_else(|| err.default_status());
        let ctx = scope.vtl_context(err);
        let (content_type, body) = match select_response(
            Some(&custom.templates),
            scope.header("accept"),
        ) {
            None => ("application/json", err.default_body()),
            Some((ct, DEFAULT_TEMPLATE)) => (ct, err.default_body()),
            Some((ct, text)) => {
                let rendered = self
                    .templates
                    .get(text)
                    .and_then(|t| t.render(&ctx).map_err(|e| e.to_string()));
                match rendered {
                    Ok(r) => (ct, r.output),
                    Err(e) => {
                        tracing::warn!(error = %e, kind = err.kind.as_str(), "gateway response template failed; answering the default body");
                        ("application/json", err.default_body())
                    }
                }
            }
        };
        let mut res = err.response(status, content_type, body);
        let h = res.headers_mut();
        for (name, expr) in &custom.headers {
            let Some(v) = scope.source_value(expr, &ctx) else {
                continue;
            };
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&v),
            ) {
                h.insert(name, value);
            }
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployment::gateway_responses::tests::custom;
    use crate::error::ResponseType;

    async fn parts(res: Response<Body>) -> (u16, axum::http::HeaderMap, String) {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn renders_customisations() {
        let gr = GatewayResponses::from_list([
            custom(
                "MISSING_AUTHENTICATION_TOKEN",
                Some("404"),
                &[
                    ("Access-Control-Allow-Origin", "'*'"),
                    ("x-q", "method.request.querystring.q"),
                    ("x-h", "method.request.header.X-In"),
                    ("x-t", "context.error.responseType"),
                ],
                Some(
                    r#"{"msg":$context.error.messageString,"type":"$context.error.responseType","stage":"$context.stage"}"#,
                ),
            ),
            custom("DEFAULT_5XX", None, &[], None),
        ]);
        let mut scope = RequestContext::new("rid", "ext=", None);
        scope.view.query = vec![("q".into(), "1".into())];
        scope.view.headers = vec![("x-in".into(), "hdr".into())];
        let (status, h, body) = parts(gr.render(&GatewayError::missing_token(), &scope)).await;
        assert_eq!(status, 404);
        assert_eq!(h["x-amzn-errortype"], "MissingAuthenticationTokenException");
        assert_eq!(h["access-control-allow-origin"], "*");
        assert_eq!(h["x-q"], "1");
        assert_eq!(h["x-h"], "hdr");
        assert_eq!(h["x-t"], "MISSING_AUTHENTICATION_TOKEN");
        assert_eq!(
            body,
            r#"{"msg":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","stage":""}"#
        );

        // DEFAULT_5XX with the default template and no status: AWS's default answer.
        let (status, h, body) = parts(gr.render(&GatewayError::timeout(), &scope)).await;
        assert_eq!(
            (status, body.as_str()),
            (504, r#"{"message":"Endpoint request timed out"}"#)
        );
        assert_eq!(h["x-amzn-errortype"], "InternalServerErrorException");

        // Without a stage, the scope answers the defaults.
        let (status, _, body) =
            parts(RequestContext::new("rid", "ext=", None).render(&GatewayError::missing_token()))
                .await;
        assert_eq!(
            (status, body.as_str()),
            (403, r#"{"message":"Missing Authentication Token"}"#)
        );
    }

    #[tokio::test]
    async fn message_string_is_a_json_literal() {
        let gr = GatewayResponses::from_list([custom(
            "DEFAULT_4XX",
            None,
            &[],
            Some("{\"m\":$context.error.messageString}"),
        )]);
        let err = GatewayError::new(ResponseType::BadRequestBody, "bad \"quote\"");
        let (status, _, body) = parts(gr.render(&err, &RequestContext::new("r", "e", None))).await;
        assert_eq!(status, 400);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["m"],
            "bad \"quote\""
        );
    }
}
