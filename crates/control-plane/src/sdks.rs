//! SDK generation: GetSdkTypes, GetSdkType, GetSdk
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_GetSdk.html)).
//!
//! The catalogue lists the six types botocore's model names for GetSdk (`java`, `javascript`,
//! `android`, `objectivec`, `swift`, `ruby`) with the parameters its documentation says each
//! requires (`classPrefix`; `groupId`, `artifactId`, `artifactVersion`, `invokerPackage`;
//! `serviceName`, `javaPackageName`) and the optional ones AWS's SDK guides list. AWS's
//! friendly names and descriptions are not recorded; these are plain ones.
//!
//! GetSdk generates the `javascript` SDK: a zip whose `apiGateway-js-sdk/apigClient.js` has
//! one function per method of the stage's deployment, calling this emulator's stage with
//! `fetch` (see [`crate::sdk_js`]). The other types check their required parameters, then
//! answer `NotImplementedException` naming the type.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use apigw_model::{ApiError, ApiSnapshot, Stage};
use apigw_store::docs;

use crate::error::{internal, Error, Result};
use crate::extract::Call;
use crate::paging::{paginate, PageQuery};
use crate::{family, reply, sdk_js, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sdktypes", get(get_sdk_types))
        .route("/sdktypes/{sdktype_id}", get(get_sdk_type))
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}/sdks/{sdk_type}",
            get(get_sdk),
        )
}

/// One SDK configuration property (botocore's `SdkConfigurationProperty`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Property {
    name: &'static str,
    friendly_name: &'static str,
    description: &'static str,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_value: Option<&'static str>,
}

/// One SDK type (botocore's `SdkType`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct SdkType {
    id: &'static str,
    friendly_name: &'static str,
    description: &'static str,
    configuration_properties: Vec<Property>,
}

const fn prop(
    name: &'static str,
    friendly_name: &'static str,
    description: &'static str,
    required: bool,
) -> Property {
    Property {
        name,
        friendly_name,
        description,
        required,
        default_value: None,
    }
}

fn catalogue() -> Vec<SdkType> {
    let class_prefix = || {
        vec![prop(
            "classPrefix",
            "Prefix",
            "The prefix of the generated classes.",
            true,
        )]
    };
    vec![
        SdkType {
            id: "android",
            friendly_name: "Android",
            description: "Android SDK (Java)",
            configuration_properties: vec![
                prop("groupId", "Group ID", "The Maven group id (pom.xml).", true),
                prop(
                    "invokerPackage",
                    "Invoker package",
                    "The package of the client classes.",
                    true,
                ),
                prop(
                    "artifactId",
                    "Artifact ID",
                    "The Maven artifact id (pom.xml).",
                    true,
                ),
                prop(
                    "artifactVersion",
                    "Artifact version",
                    "The artifact version (major.minor.patch).",
                    true,
                ),
            ],
        },
        SdkType {
            id: "java",
            friendly_name: "Java",
            description: "Java SDK",
            configuration_properties: vec![
                prop("serviceName", "Service Name", "The name of the SDK.", true),
                prop(
                    "javaPackageName",
                    "Java Package Name",
                    "The package of the client classes.",
                    true,
                ),
                Property {
                    default_value: Some("maven"),
                    ..prop(
                        "javaBuildSystem",
                        "Java Build System",
                        "maven or gradle.",
                        false,
                    )
                },
                prop("javaGroupId", "Java Group Id", "The Maven group id.", false),
                prop(
                    "javaArtifactId",
                    "Java Artifact Id",
                    "The Maven artifact id.",
                    false,
                ),
                prop(
                    "javaArtifactVersion",
                    "Java Artifact Version",
                    "The artifact version.",
                    false,
                ),
            ],
        },
        SdkType {
            id: "javascript",
            friendly_name: "JavaScript",
            description: "JavaScript SDK",
            configuration_properties: Vec::new(),
        },
        SdkType {
            id: "objectivec",
            friendly_name: "iOS (Objective-C)",
            description: "iOS SDK in Objective-C",
            configuration_properties: class_prefix(),
        },
        SdkType {
            id: "ruby",
            friendly_name: "Ruby",
            description: "Ruby SDK",
            configuration_properties: vec![
                prop("service.name", "Service Name", "The name of the SDK.", true),
                prop(
                    "ruby.gem-name",
                    "Ruby Gem Name",
                    "The name of the gem.",
                    false,
                ),
                prop(
                    "ruby.gem-version",
                    "Ruby Gem Version",
                    "The version of the gem.",
                    false,
                ),
            ],
        },
        SdkType {
            id: "swift",
            friendly_name: "iOS (Swift)",
            description: "iOS SDK in Swift",
            configuration_properties: class_prefix(),
        },
    ]
}

/// AWS's wording for an unknown SDK type is not recorded; this follows its other 404s.
fn unknown_type() -> Error {
    ApiError::not_found("Invalid SDK type specified").into()
}

async fn get_sdk_types(Query(q): Query<PageQuery>) -> Result<Response> {
    reply::ok(&paginate(catalogue(), &q)?)
}

async fn get_sdk_type(Path(id): Path<String>) -> Result<Response> {
    let t = catalogue()
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(unknown_type)?;
    reply::ok(&t)
}

async fn get_sdk(
    Call { st, scope }: Call,
    Path((api_id, stage_name, sdk_type)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response> {
    let kind = catalogue()
        .into_iter()
        .find(|t| t.id == sdk_type)
        .ok_or_else(unknown_type)?;
    let snapshot: ApiSnapshot = {
        let mut c = st.store.read().await?;
        let stage: Stage = family::load_in_api(&mut c, &scope, &api_id, &stage_name).await?;
        docs::get_snapshot(&mut c, &scope, &api_id, &stage.deployment_id)
            .await?
            .ok_or_else(|| internal("the stage's deployment has no snapshot"))?
    };
    let missing: Vec<&str> = kind
        .configuration_properties
        .iter()
        .filter(|p| p.required && params.get(p.name).is_none_or(|v| v.is_empty()))
        .map(|p| p.name)
        .collect();
    if !missing.is_empty() {
        // AWS's wording for missing SDK parameters is not recorded.
        return Err(ApiError::bad_request(format!(
            "Missing required SDK parameters for {sdk_type}: {}",
            missing.join(", ")
        ))
        .into());
    }
    if sdk_type != "javascript" {
        return Err(ApiError::not_implemented(&format!("GetSdk for sdkType {sdk_type}")).into());
    }
    // The client calls the stage through the path form on the host the caller reached us at,
    // which every HTTP client resolves (a `*.execute-api.localhost` host needs DNS help).
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost:4566");
    let invoke_url = format!("http://{host}/_aws/execute-api/{api_id}/{stage_name}");
    let zip = sdk_js::zip(&snapshot, &invoke_url, &scope.region).map_err(internal)?;
    let disposition = format!("attachment; filename=\"javascript_{stage_name}.zip\"");
    let mut res = (StatusCode::OK, zip).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
