//! Input checks with AWS's messages: enum members, required members.

use apigw_model::ApiError;

/// Collects `ValidationException` failures so that all are reported at once, as AWS does.
#[derive(Debug, Default)]
pub struct Failures(Vec<(String, String, String)>);

impl Failures {
    /// Record a failure unless `value` (when present) is one of `allowed`.
    pub fn check_enum(&mut self, value: Option<&str>, at: &str, allowed: &[&str]) {
        if let Some(v) = value {
            if !allowed.contains(&v) {
                self.0.push((
                    v.to_string(),
                    at.to_string(),
                    ApiError::enum_constraint(allowed),
                ));
            }
        }
    }

    /// Record a failure of any constraint.
    pub fn push(&mut self, value: &str, at: &str, constraint: impl Into<String>) {
        self.0
            .push((value.to_string(), at.to_string(), constraint.into()));
    }

    /// `Err(ValidationException)` listing every failure, or `Ok` when there were none.
    ///
    /// # Errors
    /// At least one check failed.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validations(&self.0))
        }
    }
}

/// The statusCode pattern AWS checks: `[1-5]\d\d`.
///
/// # Errors
/// `ValidationException` as AWS words it.
pub fn status_code(code: &str) -> Result<(), ApiError> {
    let b = code.as_bytes();
    if b.len() == 3
        && (b'1'..=b'5').contains(&b[0])
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
    {
        Ok(())
    } else {
        Err(ApiError::validation(
            code,
            "statusCode",
            "Member must satisfy regular expression pattern: [1-5]\\d\\d",
        ))
    }
}
