//! The `x-amazon-apigateway-*` extensions that describe API Gateway parts with no OpenAPI
//! equivalent: integrations, gateway responses, request validators and API settings.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use apigw_model::{EndpointConfiguration, GatewayResponse, Integration, IntegrationResponse};
use apigw_model::{RequestValidator, StringMap};

use crate::document::Document;
use crate::ApiSettings;

/// AWS's integration timeout when the document gives none.
const DEFAULT_TIMEOUT_MS: i64 = 29_000;

/// The prefix of every extension.
pub const PREFIX: &str = "x-amazon-apigateway-";

/// An extension of `obj` (`name` without the prefix).
pub fn ext<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(&format!("{PREFIX}{name}"))
}

/// A scalar as text (documents write `timeoutInMillis: 29000` and `statusCode: 200` alike).
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(text)
}

fn upper(obj: &Map<String, Value>, key: &str) -> Option<String> {
    field(obj, key).map(|s| s.to_ascii_uppercase())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(text).collect())
        .unwrap_or_default()
}

/// Where a warning happened, in AWS's words.
pub struct At<'a> {
    /// The resource path.
    pub path: &'a str,
    /// The verb.
    pub verb: &'a str,
}

/// A map of strings; entries of another type are left out with AWS's warning.
fn string_map(
    v: Option<&Value>,
    member: &str,
    at: &At<'_>,
    warnings: &mut Vec<String>,
) -> Option<StringMap> {
    let obj = v?.as_object()?;
    let mut out = StringMap::new();
    for (k, v) in obj {
        match v {
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            other => warnings.push(format!(
                "Invalid format for '{member}'. Expected type string for property '{k}' of \
                 resource '{}' and method '{}' but got '{other}'",
                at.path, at.verb
            )),
        }
    }
    Some(out)
}

/// Templates may be written as JSON objects in YAML; AWS keeps their text.
fn templates(v: Option<&Value>) -> Option<StringMap> {
    let obj = v?.as_object()?;
    Some(
        obj.iter()
            .map(|(k, v)| {
                let t = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k.clone(), t)
            })
            .collect(),
    )
}

/// `x-amazon-apigateway-integration` of an operation.
pub fn integration(v: &Value, at: &At<'_>, warnings: &mut Vec<String>) -> Option<Integration> {
    let o = v.as_object()?;
    let responses = o.get("responses").and_then(Value::as_object).map(|r| {
        r.iter()
            .filter_map(|(pattern, v)| integration_response(pattern, v.as_object()?, at, warnings))
            .map(|ir| (ir.status_code.clone(), ir))
            .collect::<BTreeMap<_, _>>()
    });
    let tls = o
        .get("tlsConfig")
        .and_then(|t| t.get("insecureSkipVerification"))
        .and_then(Value::as_bool)
        .map(|skip| serde_json::json!({ "insecureSkipVerification": skip }));
    let timeout = o.get("timeoutInMillis").and_then(|t| match t {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    Some(Integration {
        integration_type: upper(o, "type").unwrap_or_default(),
        http_method: upper(o, "httpMethod"),
        uri: field(o, "uri"),
        connection_type: upper(o, "connectionType"),
        connection_id: field(o, "connectionId"),
        credentials: field(o, "credentials"),
        request_parameters: string_map(
            o.get("requestParameters"),
            "requestParameters",
            at,
            warnings,
        ),
        request_templates: templates(o.get("requestTemplates")),
        passthrough_behavior: upper(o, "passthroughBehavior"),
        content_handling: upper(o, "contentHandling"),
        timeout_in_millis: timeout.unwrap_or(DEFAULT_TIMEOUT_MS),
        cache_namespace: field(o, "cacheNamespace"),
        cache_key_parameters: o.get("cacheKeyParameters").map(|v| strings(Some(v))),
        integration_responses: responses.filter(|r| !r.is_empty()),
        tls_config: tls,
        response_transfer_mode: upper(o, "responseTransferMode"),
        integration_target: field(o, "integrationTarget"),
    })
}

/// One entry of an integration's `responses`: the key is the selection pattern (`default`
/// for none).
fn integration_response(
    pattern: &str,
    o: &Map<String, Value>,
    at: &At<'_>,
    warnings: &mut Vec<String>,
) -> Option<IntegrationResponse> {
    Some(IntegrationResponse {
        status_code: field(o, "statusCode")?,
        selection_pattern: (pattern != "default").then(|| pattern.to_string()),
        response_parameters: string_map(
            o.get("responseParameters"),
            "responseParameters",
            at,
            warnings,
        ),
        response_templates: templates(o.get("responseTemplates")),
        content_handling: upper(o, "contentHandling"),
    })
}

/// `x-amazon-apigateway-gateway-responses`.
pub fn gateway_responses(doc: &Document<'_>) -> Vec<GatewayResponse> {
    let Some(map) = ext(doc.root, "gateway-responses").and_then(Value::as_object) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(kind, v)| {
            let o = v.as_object()?;
            let params = o
                .get("responseParameters")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
                        .collect()
                })
                .unwrap_or_default();
            Some(GatewayResponse {
                response_type: kind.clone(),
                status_code: field(o, "statusCode"),
                response_parameters: params,
                response_templates: templates(o.get("responseTemplates")).unwrap_or_default(),
                default_response: false,
            })
        })
        .collect()
}

/// `x-amazon-apigateway-request-validators` (ids left empty).
pub fn validators(doc: &Document<'_>) -> Vec<RequestValidator> {
    let Some(map) = ext(doc.root, "request-validators").and_then(Value::as_object) else {
        return Vec::new();
    };
    let flag = |o: &Value, k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    map.iter()
        .map(|(name, v)| RequestValidator {
            id: String::new(),
            name: name.clone(),
            validate_request_body: flag(v, "validateRequestBody"),
            validate_request_parameters: flag(v, "validateRequestParameters"),
        })
        .collect()
}

/// The API's settings: `info` and the root's extensions.
pub fn api_settings(doc: &Document<'_>) -> ApiSettings {
    let info = doc.info();
    let endpoint = ext(doc.root, "endpoint-configuration").and_then(Value::as_object);
    ApiSettings {
        name: field(info, "title"),
        description: field(info, "description"),
        version: field(info, "version"),
        binary_media_types: strings(ext(doc.root, "binary-media-types")),
        minimum_compression_size: ext(doc.root, "minimum-compression-size").and_then(Value::as_i64),
        api_key_source: ext(doc.root, "api-key-source")
            .and_then(text)
            .map(|s| s.to_ascii_uppercase()),
        policy: ext(doc.root, "policy").map(|p| match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        endpoint_configuration: endpoint.map(|e| EndpointConfiguration {
            types: e.get("types").map(|t| {
                strings(Some(t))
                    .iter()
                    .map(|s| s.to_ascii_uppercase())
                    .collect()
            }),
            ip_address_type: field(e, "ipAddressType"),
            vpc_endpoint_ids: e.get("vpcEndpointIds").map(|v| strings(Some(v))),
        }),
        disable_execute_api_endpoint: endpoint
            .and_then(|e| e.get("disableExecuteApiEndpoint"))
            .and_then(Value::as_bool),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AT: At<'static> = At {
        path: "/base-url/part/test",
        verb: "GET",
    };

    #[test]
    fn integration_reads_aws_spellings() {
        let v = json!({
            "type": "aws_proxy", "httpMethod": "post", "uri": "arn:aws:apigateway:x",
            "passthroughBehavior": "when_no_templates", "timeoutInMillis": "5000",
            "requestTemplates": {"application/json": {"statusCode": 200}},
            "responses": {
                "default": {"statusCode": 200, "responseParameters":
                    {"method.response.header.A": "'*'"}},
                "4\\d{2}": {"statusCode": "400", "responseTemplates": {"text/plain": "bad"}}
            }
        });
        let mut w = Vec::new();
        let i = integration(&v, &AT, &mut w).unwrap();
        assert!(w.is_empty());
        assert_eq!(i.integration_type, "AWS_PROXY");
        assert_eq!(i.http_method.as_deref(), Some("POST"));
        assert_eq!(i.passthrough_behavior.as_deref(), Some("WHEN_NO_TEMPLATES"));
        assert_eq!(i.timeout_in_millis, 5000);
        assert_eq!(
            i.request_templates.unwrap()["application/json"],
            r#"{"statusCode":200}"#
        );
        let r = i.integration_responses.unwrap();
        assert_eq!(r["200"].selection_pattern, None);
        assert_eq!(r["400"].selection_pattern.as_deref(), Some("4\\d{2}"));
    }

    #[test]
    fn non_string_parameters_are_warned_about_and_left_out() {
        // The warning of test_import_rest_api_with_base_path_oas30 (aws-recorded).
        let v = json!({"type": "mock", "requestParameters": {
            "integration.request.header.nothing": true,
            "integration.request.header.X-Amz-Invocation-Type": "'Event'"}});
        let mut w = Vec::new();
        let i = integration(&v, &AT, &mut w).unwrap();
        assert_eq!(
            w,
            [
                "Invalid format for 'requestParameters'. Expected type string for property \
              'integration.request.header.nothing' of resource '/base-url/part/test' and \
              method 'GET' but got 'true'"
            ]
        );
        assert_eq!(i.request_parameters.unwrap().len(), 1);
    }

    #[test]
    fn root_extensions() {
        let d = json!({"openapi": "3.0.1", "info": {"title": "T", "version": 2},
            "x-amazon-apigateway-binary-media-types": ["image/png"],
            "x-amazon-apigateway-api-key-source": "authorizer",
            "x-amazon-apigateway-minimum-compression-size": 1024,
            "x-amazon-apigateway-policy": {"Version": "2012-10-17"},
            "x-amazon-apigateway-endpoint-configuration": {"types": ["regional"],
                "disableExecuteApiEndpoint": true},
            "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true,
                "validateRequestParameters": true}},
            "x-amazon-apigateway-gateway-responses": {"MISSING_AUTHENTICATION_TOKEN": {
                "statusCode": 404, "responseTemplates": {"application/json": "{}"}}}});
        let doc = Document::new(&d).unwrap();
        let s = api_settings(&doc);
        assert_eq!(s.name.as_deref(), Some("T"));
        assert_eq!(s.version.as_deref(), Some("2"));
        assert_eq!(s.api_key_source.as_deref(), Some("AUTHORIZER"));
        assert_eq!(s.minimum_compression_size, Some(1024));
        assert_eq!(s.policy.as_deref(), Some(r#"{"Version":"2012-10-17"}"#));
        assert_eq!(
            s.endpoint_configuration.unwrap().types.unwrap(),
            ["REGIONAL"]
        );
        assert_eq!(s.disable_execute_api_endpoint, Some(true));
        let v = validators(&doc);
        assert_eq!(
            (v[0].name.as_str(), v[0].validate_request_body),
            ("all", true)
        );
        let g = gateway_responses(&doc);
        assert_eq!(g[0].status_code.as_deref(), Some("404"));
    }
}
