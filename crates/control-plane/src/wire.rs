//! Small pieces of AWS's wire conventions that several families use.

use apigw_model::{ApiError, ErrorKind};

use crate::error::Error;

/// AWS's "Value null at '...' failed to satisfy constraint: Member must not be null" (the value
/// is written without quotes, unlike other constraint failures).
pub fn null_member(at: &str) -> Error {
    ApiError::new(
        ErrorKind::Validation,
        format!(
            "1 validation error detected: Value null at '{at}' failed to satisfy constraint: Member must not be null"
        ),
    )
    .into()
}

/// A patch value read as Java's `Boolean.parseBoolean` does: only "true" (any case) is true.
/// AWS answers `replace /apiKeyRequired whatever` with `false` (recording test_update_method_validation).
pub fn java_bool(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}
