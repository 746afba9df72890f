//! Security schemes and requirements: the API key (`api_key`), IAM (`sigv4`) and one scheme
//! per authorizer, named as the import reads them back.

use serde_json::{json, Map, Value};

use apigw_model::{Authorizer, Method};

use super::context::Context;
use crate::extensions::PREFIX;

const API_KEY: &str = "api_key";
const SIGV4: &str = "sigv4";

/// A method's `security`: one requirement per scheme it uses.
pub fn requirements(ctx: &Context<'_>, m: &Method) -> Vec<Value> {
    let mut out = Vec::new();
    if m.api_key_required {
        out.push(json!({ API_KEY: [] }));
    }
    match m.authorization_type.as_str() {
        "AWS_IAM" => out.push(json!({ SIGV4: [] })),
        "CUSTOM" | "COGNITO_USER_POOLS" => {
            if let Some(name) = ctx.authorizer_name(m.authorizer_id.as_deref()) {
                let scopes = m.authorization_scopes.clone().unwrap_or_default();
                out.push(json!({ name: scopes }));
            }
        }
        _ => {}
    }
    out
}

/// `securityDefinitions` / `components.securitySchemes`.
pub fn schemes(ctx: &Context<'_>) -> Map<String, Value> {
    let methods = || {
        ctx.snapshot
            .resources
            .iter()
            .filter_map(|r| r.resource_methods.as_ref())
            .flat_map(|m| m.values())
    };
    let mut out = Map::new();
    if methods().any(|m| m.api_key_required) {
        out.insert(
            API_KEY.into(),
            json!({ "type": "apiKey", "name": "x-api-key", "in": "header" }),
        );
    }
    if methods().any(|m| m.authorization_type == "AWS_IAM") {
        // The auth type is what marks the scheme as IAM, so it is written in every export.
        out.insert(
            SIGV4.into(),
            json!({
                "type": "apiKey", "name": "Authorization", "in": "header",
                format!("{PREFIX}authtype"): "awsSigv4",
            }),
        );
    }
    for a in &ctx.snapshot.documents.authorizers {
        out.insert(
            a.name.clone(),
            authorizer(a, ctx.opts.extensions.authorizers),
        );
    }
    out
}

fn authorizer(a: &Authorizer, with_extensions: bool) -> Value {
    let header = a
        .identity_source
        .as_deref()
        .and_then(|s| s.strip_prefix("method.request.header."))
        .filter(|h| !h.contains(','));
    // A REQUEST authorizer reads several sources; AWS names the scheme's header "Unused".
    let name = match a.authorizer_type.as_str() {
        "REQUEST" => "Unused",
        _ => header.unwrap_or("Authorization"),
    };
    let mut o = Map::new();
    o.insert("type".into(), "apiKey".into());
    o.insert("name".into(), name.into());
    o.insert("in".into(), "header".into());
    if !with_extensions {
        return o.into();
    }
    let auth_type = a.auth_type.clone().unwrap_or_else(|| {
        if a.authorizer_type == "COGNITO_USER_POOLS" {
            "cognito_user_pools".into()
        } else {
            "custom".into()
        }
    });
    o.insert(format!("{PREFIX}authtype"), auth_type.into());
    let mut ext = Map::new();
    ext.insert("type".into(), a.authorizer_type.to_ascii_lowercase().into());
    let fields = [
        ("authorizerUri", a.authorizer_uri.as_deref()),
        ("authorizerCredentials", a.authorizer_credentials.as_deref()),
        ("identitySource", a.identity_source.as_deref()),
        (
            "identityValidationExpression",
            a.identity_validation_expression.as_deref(),
        ),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            ext.insert(k.into(), v.into());
        }
    }
    if let Some(ttl) = a.authorizer_result_ttl_in_seconds {
        ext.insert("authorizerResultTtlInSeconds".into(), ttl.into());
    }
    if let Some(arns) = a.provider_arns.as_ref().filter(|a| !a.is_empty()) {
        ext.insert("providerARNs".into(), json!(arns));
    }
    o.insert(format!("{PREFIX}authorizer"), ext.into());
    o.into()
}
