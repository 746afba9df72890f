//! RestApis: CreateRestApi, GetRestApi, GetRestApis, UpdateRestApi, DeleteRestApi
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRestApi.html)).

use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use apigw_model::{ids, ApiError, EndpointConfiguration, Resource, RestApi, Scope, StringMap};
use apigw_store::docs::{self, Kind};
use apigw_store::typed;

use crate::error::Result;
use crate::extract::{AwsJson, Call};
use crate::family;
use crate::lookup;
use crate::paging::{paginate, PageQuery};
use crate::patch::{self, Op, PatchInput};
use crate::validate::Failures;
use crate::{now_epoch, reply, wire, AppState};

/// The tag that pins a new API's id (as other local emulators allow).
pub const CUSTOM_ID_TAG: &str = "_custom_id_";
const ENDPOINT_TYPES: &[&str] = &["PRIVATE", "EDGE", "REGIONAL"];
const IP_ADDRESS_TYPES: &[&str] = &["ipv4", "dualstack"];
const MAX_COMPRESSION: i64 = 10_485_760;

/// Routes of this family. `POST /restapis` and `PUT /restapis/{id}` carry OpenAPI documents
/// too, so [`crate::import`] routes them (and calls [`create_rest_api`] for a plain create).
pub fn routes() -> Router<AppState> {
    Router::new().route("/restapis", get(get_rest_apis)).route(
        "/restapis/{restapi_id}",
        get(get_rest_api)
            .patch(update_rest_api)
            .delete(delete_rest_api),
    )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRestApiInput {
    name: Option<String>,
    description: Option<String>,
    version: Option<String>,
    clone_from: Option<String>,
    binary_media_types: Option<Vec<String>>,
    // Any JSON type: AWS answers a string with its range message, not a serialisation error.
    minimum_compression_size: Option<serde_json::Value>,
    api_key_source: Option<String>,
    endpoint_configuration: Option<EndpointConfiguration>,
    policy: Option<String>,
    tags: Option<StringMap>,
    disable_execute_api_endpoint: Option<bool>,
    security_policy: Option<String>,
    endpoint_access_mode: Option<String>,
}

pub(crate) fn compression_size(v: &serde_json::Value) -> Result<Option<i64>> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n)
            if n.as_i64()
                .is_some_and(|n| (0..=MAX_COMPRESSION).contains(&n)) =>
        {
            Ok(n.as_i64())
        }
        _ => Err(compression_error()),
    }
}

fn compression_error() -> crate::error::Error {
    ApiError::bad_request(format!(
        "Invalid minimum compression size, must be between 0 and {MAX_COMPRESSION}"
    ))
    .into()
}

/// The constraint failures of an endpoint configuration (its enums), added to `failures`:
/// AWS reports them with the input's other constraint failures, before any business rule
/// (recorded: test_create_rest_api_with_endpoint_configuration `create-with-multiple-errors-1`).
pub(crate) fn endpoint_constraints(
    cfg: Option<&EndpointConfiguration>,
    at: &str,
    failures: &mut Failures,
) {
    let Some(cfg) = cfg else { return };
    if let Some(types) = &cfg.types {
        if types.iter().any(|t| !ENDPOINT_TYPES.contains(&t.as_str())) {
            failures.push(
                &format!("[{}]", types.join(", ")),
                &format!("{at}.endpointConfiguration.types"),
                format!(
                    "Member must satisfy constraint: [{}]",
                    ApiError::enum_constraint(ENDPOINT_TYPES)
                ),
            );
        }
    }
    failures.check_enum(
        cfg.ip_address_type.as_deref(),
        &format!("{at}.endpointConfiguration.ipAddressType"),
        IP_ADDRESS_TYPES,
    );
}

/// Validate an endpoint configuration and fill AWS's defaults (EDGE; ipv4, dualstack for PRIVATE).
pub(crate) fn endpoint_configuration(
    input: Option<EndpointConfiguration>,
    at: &str,
) -> Result<EndpointConfiguration> {
    let mut failures = Failures::default();
    endpoint_constraints(input.as_ref(), at, &mut failures);
    failures.finish()?;
    let mut cfg = input.unwrap_or_default();
    let types = match cfg.types.take() {
        None => vec!["EDGE".to_string()],
        // Recorded: test_create_rest_api_with_endpoint_configuration `create-with-empty-types`.
        Some(t) if t.is_empty() => {
            return Err(ApiError::bad_request(
                "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
            )
            .into())
        }
        Some(t) if t.len() > 1 => {
            return Err(
                ApiError::bad_request("Cannot create an api with multiple Endpoint Types.").into(),
            )
        }
        Some(t) => t,
    };
    let private = types[0] == "PRIVATE";
    match cfg.ip_address_type.as_deref() {
        None => cfg.ip_address_type = Some(if private { "dualstack" } else { "ipv4" }.into()),
        Some("ipv4") if private => {
            return Err(ApiError::bad_request(
                "Only dualstack ipAddressType is supported for Private APIs.",
            )
            .into())
        }
        Some(_) => {}
    }
    cfg.types = Some(types);
    Ok(cfg)
}

/// CreateRestApi.
///
/// # Errors
/// AWS's refusals of the input; store failure.
pub async fn create_rest_api(
    st: AppState,
    scope: Scope,
    input: CreateRestApiInput,
) -> Result<Response> {
    // Constraint failures first, all together; then the business rules (recorded:
    // test_create_rest_api_with_endpoint_configuration `create-with-multiple-errors-1`/`-2`,
    // test_create_rest_api_private_type: an empty description before the private-type rule).
    let mut failures = Failures::default();
    failures.check_enum(
        input.api_key_source.as_deref(),
        "createRestApiInput.apiKeySource",
        &["HEADER", "AUTHORIZER"],
    );
    failures.check_enum(
        input.endpoint_access_mode.as_deref(),
        "createRestApiInput.endpointAccessMode",
        &["BASIC", "STRICT"],
    );
    endpoint_constraints(
        input.endpoint_configuration.as_ref(),
        "createRestApiInput",
        &mut failures,
    );
    failures.finish()?;
    let name = input
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("Invalid REST API name specified"))?;
    if input.description.as_deref() == Some("") {
        return Err(ApiError::bad_request("Description cannot be an empty string").into());
    }
    let minimum_compression_size = match &input.minimum_compression_size {
        Some(v) => compression_size(v)?,
        None => None,
    };
    let endpoint_configuration =
        endpoint_configuration(input.endpoint_configuration, "createRestApiInput")?;
    let id = input
        .tags
        .as_ref()
        .and_then(|t| t.get(CUSTOM_ID_TAG).cloned())
        .unwrap_or_else(ids::long_id);
    let api = RestApi {
        id: id.clone(),
        name,
        description: input.description,
        created_date: now_epoch(),
        version: input.version,
        warnings: None,
        binary_media_types: input.binary_media_types.filter(|b| !b.is_empty()),
        minimum_compression_size,
        api_key_source: input.api_key_source.unwrap_or_else(|| "HEADER".into()),
        endpoint_configuration,
        policy: input.policy,
        tags: input.tags.filter(|t| !t.is_empty()),
        disable_execute_api_endpoint: input.disable_execute_api_endpoint.unwrap_or(false),
        root_resource_id: ids::long_id(),
        security_policy: input.security_policy,
        endpoint_access_mode: input.endpoint_access_mode,
    };
    let root = Resource {
        id: api.root_resource_id.clone(),
        path: "/".into(),
        ..Default::default()
    };
    let mut tx = st.store.write().await?;
    let exists = format!("A REST API with id {id} already exists");
    if let Some(source) = input.clone_from.as_deref() {
        // The source must exist (its 404 as any call naming an API).
        lookup::rest_api(&mut tx, &scope, source).await?;
        family::insert_new(&mut tx, &scope, "", &id, &api, exists).await?;
        crate::clone::copy_api(&mut tx, &scope, source, &id, &api.root_resource_id).await?;
        tx.commit().await?;
        return reply::created(&api);
    }
    family::insert_new(&mut tx, &scope, "", &id, &api, exists).await?;
    typed::insert(&mut tx, &scope, &id, &root.id, &root).await?;
    // AWS gives every new API its `Empty` and `Error` models.
    crate::models::insert_defaults(&mut tx, &scope, &id).await?;
    tx.commit().await?;
    reply::created(&api)
}

async fn get_rest_api(Call { st, scope }: Call, Path(id): Path<String>) -> Result<Response> {
    let mut c = st.store.read().await?;
    let api = lookup::rest_api(&mut c, &scope, &id).await?;
    // GetRestApi always shows `tags` (`{}` when there are none), unlike CreateRestApi
    // (recorded: test_put_rest_api_mode_binary_media_types, get-rest-api).
    reply::ok(&wire::with_tags(&api, true)?)
}

async fn get_rest_apis(Call { st, scope }: Call, Query(q): Query<PageQuery>) -> Result<Response> {
    let mut c = st.store.read().await?;
    let all: Vec<RestApi> = typed::list(&mut c, &scope, "").await?;
    reply::ok(&paginate(all, &q)?)
}

/// Apply UpdateRestApi's patch operations to `api` (pure, so it is tested without a server).
///
/// # Errors
/// AWS's `BadRequestException` for a path or op it refuses.
pub fn apply_patch(api: &mut RestApi, ops: &[patch::PatchOp]) -> Result<()> {
    const PATHS: &[&str] = &[
        "/name",
        "/description",
        "/policy",
        "/apiKeySource",
        "/minimumCompressionSize",
        "/binaryMediaTypes/{mediaType}",
        "/endpointConfiguration/types/{index}",
        "/endpointConfiguration/ipAddressType",
        "/endpointConfiguration/vpcEndpointIds",
        "/disableExecuteApiEndpoint",
        "/version",
    ];
    let (mut type_changed, mut ip_set) = (false, false);
    patch::each(ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["name"]) => api.name = op.name_value("Name cannot be empty")?,
            (Op::Replace, ["description"]) => api.description = op.value_or_clear(),
            // Recorded: test_update_rest_api_operation_add_remove `update-rest-api-remove`.
            (Op::Remove, ["description"]) => api.description = None,
            (Op::Replace, ["version"]) => api.version = op.value_or_clear(),
            (Op::Replace, ["policy"]) => api.policy = op.value_or_clear(),
            (Op::Replace, ["apiKeySource"]) => {
                let v = op.value()?;
                let mut f = Failures::default();
                f.check_enum(
                    Some(v),
                    "updateRestApiInput.apiKeySource",
                    &["HEADER", "AUTHORIZER"],
                );
                f.finish()?;
                api.api_key_source = v.to_string();
            }
            (Op::Replace, ["disableExecuteApiEndpoint"]) => {
                api.disable_execute_api_endpoint = op.bool_value()?
            }
            (Op::Replace, ["minimumCompressionSize"]) => {
                api.minimum_compression_size = match op.value.as_deref() {
                    None | Some("") => None,
                    Some(v) => Some(
                        v.parse::<i64>()
                            .ok()
                            .filter(|n| (0..=MAX_COMPRESSION).contains(n))
                            .ok_or_else(compression_error)?,
                    ),
                }
            }
            (_, ["minimumCompressionSize"]) => {
                return Err(ApiError::bad_request(
                    "Invalid patch operation specified. Must be one of: [replace]",
                )
                .into())
            }
            (Op::Add, ["binaryMediaTypes", media]) => {
                let list = api.binary_media_types.get_or_insert_with(Vec::new);
                if !list.iter().any(|m| m == media) {
                    list.push((*media).to_string());
                }
            }
            (Op::Remove, ["binaryMediaTypes", media]) => {
                if let Some(list) = &mut api.binary_media_types {
                    list.retain(|m| m != media);
                }
            }
            (Op::Replace, ["binaryMediaTypes", media]) => {
                let new = op.value()?.to_string();
                let list = api.binary_media_types.get_or_insert_with(Vec::new);
                list.retain(|m| m != media);
                if !list.contains(&new) {
                    list.push(new);
                }
            }
            (_, ["binaryMediaTypes"]) => return Err(op.invalid_path_short()),
            // Recorded: test_update_rest_api_ip_address_type `update-rest-api-invalid-operation
            // -on-type` and `-on-ipAddressType`.
            (o, ["endpointConfiguration", "types", ..])
                if !matches!(o, Op::Add | Op::Remove | Op::Replace) =>
            {
                return Err(ApiError::bad_request(
                    "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
                )
                .into())
            }
            (o, ["endpointConfiguration", "ipAddressType"]) if o != Op::Replace => {
                return Err(ApiError::bad_request(
                    "Invalid patch operation specified. Must be one of: [replace]",
                )
                .into())
            }
            (Op::Replace, ["endpointConfiguration", "types", idx]) => {
                let v = op.value()?;
                if !ENDPOINT_TYPES.contains(&v) {
                    return Err(ApiError::bad_request(
                        "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
                    )
                    .into());
                }
                let types = api
                    .endpoint_configuration
                    .types
                    .get_or_insert_with(Vec::new);
                let i: usize = idx.parse().map_err(|_| op.invalid_path_short())?;
                if i < types.len() {
                    types[i] = v.to_string();
                } else {
                    types.push(v.to_string());
                }
                type_changed = true;
            }
            (Op::Replace, ["endpointConfiguration", "ipAddressType"]) => {
                let v = op.value()?;
                if !IP_ADDRESS_TYPES.contains(&v) {
                    return Err(ApiError::bad_request(
                        "ipAddressType must be either ipv4 or dualstack.",
                    )
                    .into());
                }
                api.endpoint_configuration.ip_address_type = Some(v.to_string());
                ip_set = true;
            }
            (Op::Add, ["endpointConfiguration", "vpcEndpointIds"]) => api
                .endpoint_configuration
                .vpc_endpoint_ids
                .get_or_insert_with(Vec::new)
                .push(op.value()?.to_string()),
            (Op::Remove, ["endpointConfiguration", "vpcEndpointIds"]) => {
                let v = op.value()?;
                if let Some(l) = &mut api.endpoint_configuration.vpc_endpoint_ids {
                    l.retain(|x| x != v);
                }
            }
            (Op::Replace, _) => return Err(op.invalid_path(PATHS)),
            _ => return Err(op.unsupported_op()),
        }
        Ok(())
    })?;
    if api.binary_media_types.as_ref().is_some_and(Vec::is_empty) {
        api.binary_media_types = None;
    }
    let private = api
        .endpoint_configuration
        .types
        .as_ref()
        .is_some_and(|t| t.first().map(String::as_str) == Some("PRIVATE"));
    // Moving to PRIVATE moves the address type to dualstack unless the same call sets it
    // (recorded: test_update_rest_api_ip_address_type `update-rest-api-replace-type`).
    if private && type_changed && !ip_set {
        api.endpoint_configuration.ip_address_type = Some("dualstack".into());
    }
    if private && api.endpoint_configuration.ip_address_type.as_deref() == Some("ipv4") {
        return Err(ApiError::bad_request(
            "Only dualstack ipAddressType is supported for Private APIs.",
        )
        .into());
    }
    // AWS shows `tags: {}` on an API once it has been updated.
    api.tags.get_or_insert_with(Default::default);
    Ok(())
}

async fn update_rest_api(
    Call { st, scope }: Call,
    Path(id): Path<String>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateRestApiInput")?;
    let mut tx = st.store.write().await?;
    let mut api = lookup::rest_api(&mut tx, &scope, &id).await?;
    apply_patch(&mut api, &ops)?;
    typed::update(&mut tx, &scope, "", &id, &api).await?;
    tx.commit().await?;
    reply::ok(&api)
}

/// The kinds whose documents live under a rest API and go with it.
pub const API_CHILDREN: &[Kind] = &[
    Kind::Resource,
    Kind::Deployment,
    Kind::Stage,
    Kind::GatewayResponse,
    Kind::Authorizer,
    Kind::Model,
    Kind::RequestValidator,
    Kind::DocumentationPart,
    Kind::DocumentationVersion,
];

async fn delete_rest_api(Call { st, scope }: Call, Path(id): Path<String>) -> Result<Response> {
    let mut tx = st.store.write().await?;
    if !typed::delete::<RestApi>(&mut tx, &scope, "", &id).await? {
        return Err(ApiError::api_not_found(&scope.account, &id).into());
    }
    for kind in API_CHILDREN {
        docs::delete_children(&mut tx, &scope, *kind, &id).await?;
    }
    docs::delete_snapshots(&mut tx, &scope, &id, None).await?;
    st.commit_api_change(tx, &scope, &id).await?;
    reply::accepted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    #[test]
    fn binary_media_types_add_replace_remove() {
        // Mirrors test_update_rest_api_operation_add_remove in the AWS recordings.
        let mut api = RestApi::default();
        apply_patch(
            &mut api,
            &ops(&[
                ("add", "/binaryMediaTypes/image~1png", None),
                ("add", "/binaryMediaTypes/image~1jpeg", None),
            ]),
        )
        .unwrap();
        assert_eq!(
            api.binary_media_types.as_deref().unwrap(),
            ["image/png", "image/jpeg"]
        );
        apply_patch(
            &mut api,
            &ops(&[("replace", "/binaryMediaTypes/image~1png", Some("image/gif"))]),
        )
        .unwrap();
        assert_eq!(
            api.binary_media_types.as_deref().unwrap(),
            ["image/jpeg", "image/gif"]
        );
        apply_patch(
            &mut api,
            &ops(&[("remove", "/binaryMediaTypes/image~1gif", None)]),
        )
        .unwrap();
        assert_eq!(api.binary_media_types.as_deref().unwrap(), ["image/jpeg"]);
        assert_eq!(api.tags, Some(Default::default()));
        let e =
            apply_patch(&mut api, &ops(&[("add", "/binaryMediaTypes", Some("x"))])).unwrap_err();
        assert_eq!(e.0.message, "Invalid patch path /binaryMediaTypes");
    }

    #[test]
    fn compression() {
        let mut api = RestApi::default();
        apply_patch(
            &mut api,
            &ops(&[("replace", "/minimumCompressionSize", Some("10"))]),
        )
        .unwrap();
        assert_eq!(api.minimum_compression_size, Some(10));
        apply_patch(
            &mut api,
            &ops(&[("replace", "/minimumCompressionSize", Some(""))]),
        )
        .unwrap();
        assert_eq!(api.minimum_compression_size, None);
        for bad in ["-1", "abc"] {
            let e = apply_patch(
                &mut api,
                &ops(&[("replace", "/minimumCompressionSize", Some(bad))]),
            )
            .unwrap_err();
            assert_eq!(
                e.0.message,
                "Invalid minimum compression size, must be between 0 and 10485760"
            );
        }
        let e = apply_patch(
            &mut api,
            &ops(&[("add", "/minimumCompressionSize", Some("1"))]),
        )
        .unwrap_err();
        assert_eq!(
            e.0.message,
            "Invalid patch operation specified. Must be one of: [replace]"
        );
    }

    #[test]
    fn endpoint_defaults() {
        let c = endpoint_configuration(None, "createRestApiInput").unwrap();
        assert_eq!(c.types.unwrap(), ["EDGE"]);
        assert_eq!(c.ip_address_type.as_deref(), Some("ipv4"));
        let c = endpoint_configuration(
            Some(EndpointConfiguration {
                types: Some(vec!["PRIVATE".into()]),
                ..Default::default()
            }),
            "x",
        )
        .unwrap();
        assert_eq!(c.ip_address_type.as_deref(), Some("dualstack"));
        let e = endpoint_configuration(
            Some(EndpointConfiguration {
                types: Some(vec!["wrong".into()]),
                ..Default::default()
            }),
            "createRestApiInput",
        )
        .unwrap_err();
        // test_create_rest_api_verify_defaults, create-with-empty-ip-address-type-and-wrong-type
        assert_eq!(e.0.message, "1 validation error detected: Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]");
    }
}
