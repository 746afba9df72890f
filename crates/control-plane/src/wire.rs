//! Small pieces of AWS's wire conventions that several families use.

use apigw_model::error::{constraint_failure, validation_text};
use apigw_model::{ApiError, ErrorKind};
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::validate::NOT_NULL;

/// AWS's "Value null at '...' failed to satisfy constraint: Member must not be null" (the value
/// is written without quotes, unlike other constraint failures).
pub fn null_member(at: &str) -> Error {
    let text = validation_text(&[constraint_failure(None, at, NOT_NULL)]);
    ApiError::new(ErrorKind::Validation, text).into()
}

/// A patch value read as Java's `Boolean.parseBoolean` does: only "true" (any case) is true.
/// AWS answers `replace /apiKeyRequired whatever` with `false` (recording test_update_method_validation).
pub fn java_bool(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// A document's wire JSON, with `tags: {}` when it has no tags and `tags_always` (AWS shows the
/// empty map on some answers and omits it on others; the callers say which).
///
/// # Errors
/// Serialisation failed (a bug).
pub fn with_tags(doc: &impl Serialize, tags_always: bool) -> Result<Value, Error> {
    let mut v = serde_json::to_value(doc).map_err(crate::error::internal)?;
    if tags_always {
        if let Some(obj) = v.as_object_mut() {
            obj.entry("tags")
                .or_insert_with(|| Value::Object(Default::default()));
        }
    }
    Ok(v)
}
