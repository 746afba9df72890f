//! What every part of the export reads: the snapshot, the options and lookups by id.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use apigw_model::ApiSnapshot;

use super::ExportOptions;
use crate::build::model_of_url;
use crate::document::Dialect;

/// What every part of the export reads: the snapshot, the options and the lookups by id.
pub struct Context<'a> {
    pub snapshot: &'a ApiSnapshot,
    pub opts: &'a ExportOptions,
    authorizers: BTreeMap<&'a str, &'a str>,
    pub validators: BTreeMap<&'a str, &'a str>,
}

impl<'a> Context<'a> {
    pub fn new(snapshot: &'a ApiSnapshot, opts: &'a ExportOptions) -> Self {
        let docs = &snapshot.documents;
        Self {
            snapshot,
            opts,
            authorizers: docs
                .authorizers
                .iter()
                .map(|a| (a.id.as_str(), a.name.as_str()))
                .collect(),
            validators: docs
                .request_validators
                .iter()
                .map(|v| (v.id.as_str(), v.name.as_str()))
                .collect(),
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.opts.dialect
    }

    /// A reference to a model inside the document: `{"$ref": …}`.
    pub fn model_ref(&self, name: &str) -> Value {
        json!({ "$ref": self.model_pointer(name) })
    }

    /// Where a model stands in the document (`#/definitions/Pet`, `#/components/schemas/Pet`).
    fn model_pointer(&self, name: &str) -> String {
        let prefix = match self.dialect() {
            Dialect::Swagger2 => "#/definitions/",
            Dialect::OpenApi3 => "#/components/schemas/",
        };
        format!("{prefix}{name}")
    }

    /// `schema` with every `$ref` to an AWS model URL
    /// (`https://apigateway.amazonaws.com/restapis/{id}/models/{name}`) made local.
    pub fn local_refs(&self, schema: Value) -> Value {
        match schema {
            Value::Object(o) => Value::Object(
                o.into_iter()
                    .map(|(k, v)| {
                        let v = match (k.as_str(), v) {
                            ("$ref", Value::String(r)) => match model_of_url(&r) {
                                Some(name) => Value::String(self.model_pointer(name)),
                                None => Value::String(r),
                            },
                            (_, v) => self.local_refs(v),
                        };
                        (k, v)
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(|v| self.local_refs(v)).collect()),
            other => other,
        }
    }

    pub fn authorizer_name(&self, id: Option<&str>) -> Option<&'a str> {
        self.authorizers.get(id?).copied()
    }
}
