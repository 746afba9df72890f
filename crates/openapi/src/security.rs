//! Security schemes as authorizers, and an operation's `security` as its authorization.
//!
//! A scheme with `x-amazon-apigateway-authorizer` is a Lambda (TOKEN, REQUEST) or Cognito
//! authorizer; `x-amazon-apigateway-authtype: awsSigv4` is IAM authorization; any other
//! `apiKey` scheme is API Gateway's own API key (`apiKeyRequired`).

use serde_json::{Map, Value};

use apigw_model::Authorizer;

use crate::document::Document;
use crate::extensions::{ext, text};

/// What one scheme means to API Gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scheme {
    /// An authorizer of this type (`CUSTOM` for Lambda, `COGNITO_USER_POOLS`).
    Authorizer(&'static str),
    /// IAM (SigV4).
    Iam,
    /// The API key.
    ApiKey,
    /// Something API Gateway does not enforce (OAuth flows, HTTP auth without an authorizer).
    Ignored,
}

fn scheme_of(s: &Map<String, Value>) -> Scheme {
    if let Some(a) = ext(s, "authorizer").and_then(Value::as_object) {
        let kind = a.get("type").and_then(text).unwrap_or_default();
        return if kind.eq_ignore_ascii_case("cognito_user_pools") {
            Scheme::Authorizer("COGNITO_USER_POOLS")
        } else {
            Scheme::Authorizer("CUSTOM")
        };
    }
    let auth_type = ext(s, "authtype").and_then(Value::as_str).unwrap_or("");
    if auth_type.eq_ignore_ascii_case("awsSigv4") {
        return Scheme::Iam;
    }
    match s.get("type").and_then(Value::as_str) {
        Some("apiKey") => Scheme::ApiKey,
        _ => Scheme::Ignored,
    }
}

/// The authorizers the document's security schemes define (ids left empty).
pub fn authorizers(doc: &Document<'_>) -> Vec<Authorizer> {
    doc.security_schemes()
        .iter()
        .filter_map(|(name, s)| authorizer(name, doc.resolve(s).as_object()?))
        .collect()
}

fn authorizer(name: &str, s: &Map<String, Value>) -> Option<Authorizer> {
    let a = ext(s, "authorizer")?.as_object()?;
    let kind = a
        .get("type")
        .and_then(text)
        .unwrap_or_else(|| "token".into())
        .to_ascii_uppercase();
    // An empty string is no value (AWS imports `identitySource: ""` as none given; recorded:
    // test_import_rest_api with openapi.spec.pulumi.json).
    let field = |k: &str| a.get(k).and_then(text).filter(|v| !v.is_empty());
    // TOKEN and Cognito authorizers read the header the scheme names unless told otherwise.
    let header_source = s
        .get("name")
        .and_then(Value::as_str)
        .filter(|_| s.get("in").and_then(Value::as_str) == Some("header"))
        .map(|h| format!("method.request.header.{h}"));
    let identity_source = field("identitySource").or_else(|| {
        if kind == "REQUEST" {
            None
        } else {
            header_source
        }
    });
    Some(Authorizer {
        id: String::new(),
        name: name.to_string(),
        authorizer_type: kind,
        provider_arns: a
            .get("providerARNs")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(text).collect()),
        auth_type: ext(s, "authtype").and_then(text),
        authorizer_uri: field("authorizerUri"),
        authorizer_credentials: field("authorizerCredentials"),
        identity_source,
        identity_validation_expression: field("identityValidationExpression"),
        authorizer_result_ttl_in_seconds: a
            .get("authorizerResultTtlInSeconds")
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok())),
    })
}

/// How a method is protected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authorization {
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    /// The scheme naming the authorizer.
    pub authorizer: Option<String>,
    /// Whether the API key is required.
    pub api_key_required: bool,
    /// Cognito scopes.
    pub scopes: Option<Vec<String>>,
}

/// An operation's authorization: its own `security`, else the document's.
pub fn authorization(doc: &Document<'_>, op: &Map<String, Value>) -> Authorization {
    let requirements = op
        .get("security")
        .or_else(|| doc.root.get("security"))
        .and_then(Value::as_array);
    let mut out = Authorization {
        authorization_type: "NONE".into(),
        ..Default::default()
    };
    let schemes = doc.security_schemes();
    for requirement in requirements.into_iter().flatten() {
        let Some(requirement) = requirement.as_object() else {
            continue;
        };
        for (name, scopes) in requirement {
            let Some(s) = schemes
                .get(name)
                .map(|s| doc.resolve(s))
                .and_then(Value::as_object)
            else {
                continue;
            };
            match scheme_of(s) {
                Scheme::ApiKey => out.api_key_required = true,
                Scheme::Iam => out.authorization_type = "AWS_IAM".into(),
                Scheme::Authorizer(kind) => {
                    out.authorization_type = kind.into();
                    out.authorizer = Some(name.clone());
                    let scopes: Vec<String> = scopes
                        .as_array()
                        .map(|a| a.iter().filter_map(text).collect())
                        .unwrap_or_default();
                    if kind == "COGNITO_USER_POOLS" && !scopes.is_empty() {
                        out.scopes = Some(scopes);
                    }
                }
                Scheme::Ignored => {}
            }
        }
    }
    // `x-amazon-apigateway-auth: {type: aws_iam}` on the operation.
    if let Some(t) = ext(op, "auth")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
    {
        out.authorization_type = t.to_ascii_uppercase();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"swagger": "2.0",
        "security": [{"cognito": []}],
        "securityDefinitions": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4"},
            "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "oauth2",
                "x-amazon-apigateway-authorizer": {"type": "token",
                    "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/f",
                    "authorizerResultTtlInSeconds": 60,
                    "identityValidationExpression": "^x-[a-z]+"}},
            "cognito": {"type": "apiKey", "name": "TestHeaderAuth", "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
                    "providerARNs": ["arn:aws:cognito-idp:us-east-1:1:userpool/p"]}}
        }})
    }

    #[test]
    fn schemes_become_authorizers() {
        let d = doc();
        let d = Document::new(&d).unwrap();
        let a = authorizers(&d);
        let names: Vec<_> = a.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["cognito", "tok"]);
        // test_import_with_cognito_auth_identity_source: the scheme's header.
        assert_eq!(a[0].authorizer_type, "COGNITO_USER_POOLS");
        assert_eq!(
            a[0].identity_source.as_deref(),
            Some("method.request.header.TestHeaderAuth")
        );
        assert_eq!(a[0].authorizer_result_ttl_in_seconds, None);
        assert_eq!(a[1].authorizer_type, "TOKEN");
        assert_eq!(a[1].auth_type.as_deref(), Some("oauth2"));
        assert_eq!(a[1].authorizer_result_ttl_in_seconds, Some(60));
    }

    #[test]
    fn empty_strings_are_no_values() {
        let d = json!({"swagger": "2.0", "securityDefinitions": {"Auth0": {
            "type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "token", "identitySource": "",
                "authorizerCredentials": "", "authorizerUri": "arn:x"}}}});
        let d = Document::new(&d).unwrap();
        let a = &authorizers(&d)[0];
        assert_eq!(
            a.identity_source.as_deref(),
            Some("method.request.header.Authorization")
        );
        assert_eq!(a.authorizer_credentials, None);
    }

    #[test]
    fn operation_security_overrides_the_documents() {
        let d = doc();
        let d = Document::new(&d).unwrap();
        let none = Map::new();
        let global = authorization(&d, &none);
        assert_eq!(global.authorization_type, "COGNITO_USER_POOLS");
        assert_eq!(global.authorizer.as_deref(), Some("cognito"));
        assert_eq!(global.scopes, None);
        let op = json!({"security": [{"cognito": ["email", "openid"]}, {"api_key": []}]});
        let a = authorization(&d, op.as_object().unwrap());
        assert_eq!(a.scopes.unwrap(), ["email", "openid"]);
        assert!(a.api_key_required);
        let op = json!({"security": [{"sigv4": []}]});
        assert_eq!(
            authorization(&d, op.as_object().unwrap()).authorization_type,
            "AWS_IAM"
        );
        let op = json!({"security": []});
        let open = authorization(&d, op.as_object().unwrap());
        assert_eq!(
            (open.authorization_type.as_str(), open.authorizer),
            ("NONE", None)
        );
    }
}
