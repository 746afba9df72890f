//! Documentation parts and versions
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_DocumentationPart.html)).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// One piece of documentation and the API entity it documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationPart {
    /// The part's id.
    pub id: String,
    /// The entity it documents.
    pub location: DocumentationPartLocation,
    /// JSON text (a map of documentation fields), as the caller gave it.
    pub properties: String,
}

/// Where a documentation part applies. Members a type does not use are absent.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationPartLocation {
    /// `API`, `RESOURCE`, `METHOD`, … (`DocumentationPartType`).
    #[serde(rename = "type")]
    pub part_type: String,
    /// The resource path (`/` by default) for resource-level types.
    pub path: Option<String>,
    /// The method (`*` by default) for method-level types.
    pub method: Option<String>,
    /// The status code (`*` by default) for response types.
    pub status_code: Option<String>,
    /// The model, authorizer, parameter or header name.
    pub name: Option<String>,
}

/// A named snapshot of an API's documentation.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationVersion {
    /// The version's name.
    pub version: String,
    /// When it was created (epoch seconds on the wire, as botocore reads timestamps).
    pub created_date: i64,
    /// Its description.
    pub description: Option<String>,
}
