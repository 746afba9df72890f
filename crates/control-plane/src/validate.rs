//! Input checks with AWS's messages: enum members, required members.

use apigw_model::error::{constraint_failure, validation_text};
use apigw_model::{ApiError, ErrorKind};

/// AWS's constraint for a required member that was not sent.
pub const NOT_NULL: &str = "Member must not be null";

/// Collects `ValidationException` failures so that all are reported at once, as AWS does.
#[derive(Debug, Default)]
pub struct Failures(Vec<String>);

impl Failures {
    /// Record a failure unless `value` (when present) is one of `allowed`.
    pub fn check_enum(&mut self, value: Option<&str>, at: &str, allowed: &[&str]) {
        if let Some(v) = value {
            if !allowed.contains(&v) {
                self.push(v, at, ApiError::enum_constraint(allowed));
            }
        }
    }

    /// Record a failure of any constraint.
    pub fn push(&mut self, value: &str, at: &str, constraint: impl Into<String>) {
        self.0
            .push(constraint_failure(Some(value), at, &constraint.into()));
    }

    /// Record a required member that was not sent (`Value null at ...`, without quotes).
    pub fn null(&mut self, at: &str) {
        self.0.push(constraint_failure(None, at, NOT_NULL));
    }

    /// `Err(ValidationException)` listing every failure, or `Ok` when there were none.
    ///
    /// # Errors
    /// At least one check failed.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorKind::Validation,
                validation_text(&self.0),
            ))
        }
    }
}

/// The `mode` query parameter of PutRestApi and ImportDocumentationParts: `Some(true)` for
/// `merge`, `Some(false)` for `overwrite`, `None` when absent (each operation has its own
/// default).
///
/// # Errors
/// AWS's `BadRequestException` for another value.
pub fn merge_mode(mode: Option<&str>) -> Result<Option<bool>, ApiError> {
    match mode {
        None => Ok(None),
        Some("merge") => Ok(Some(true)),
        Some("overwrite") => Ok(Some(false)),
        Some(other) => Err(ApiError::bad_request(format!(
            "Invalid mode specified: {other}. Valid options are: merge, overwrite"
        ))),
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

/// Stage variables as AWS checks them (CreateStage, UpdateStage, CreateDeployment, and a
/// canary's overrides): names of word characters, values of letters, digits and
/// ` -._~:/?#&=,` (the developer guide's set, plus the space AWS's message names), neither
/// empty; names at most 64 characters and values at most 512 (the quota table).
///
/// # Errors
/// `BadRequestException` with AWS's message (two spaces after the first full stop, as AWS
/// writes it; quoted in serverless/serverless#6133 and sirceljm/aws-lambda-blog#10).
pub fn stage_variables<'a>(
    vars: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<(), ApiError> {
    for (name, value) in vars {
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !name_ok {
            return Err(ApiError::bad_request(format!(
                "Invalid stage variable name: {name}.  Please use names with only word characters."
            )));
        }
        let value_ok = !value.is_empty()
            && value.len() <= 512
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" -._~:/?#&=,".contains(&b));
        if !value_ok {
            return Err(ApiError::bad_request(format!(
                "Invalid stage variable value: {value}.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."
            )));
        }
    }
    Ok(())
}

/// A canary's share of traffic: 0 to 100 (botocore: "The percent (0-100) of traffic diverted
/// to a canary deployment").
///
/// # Errors
/// `BadRequestException` (AWS's wording is not recorded).
pub fn percent_traffic(p: f64) -> Result<(), ApiError> {
    if (0.0..=100.0).contains(&p) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid canary percentTraffic specified: {p}. It must be between 0.0 and 100.0"
        )))
    }
}

/// A throttle or quota number (`what` names it, e.g. "throttle burst limit"): 0 or more, as
/// AWS's CloudFormation resource documents (Minimum: 0).
///
/// # Errors
/// `BadRequestException` (AWS's wording is not recorded; it follows AWS's "Invalid … specified").
pub fn not_negative(value: f64, what: &str) -> Result<(), ApiError> {
    if value >= 0.0 {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid {what} specified: {value}. It must be 0 or more"
        )))
    }
}

#[cfg(test)]
mod stage_variable_tests {
    use super::*;

    fn check(name: &str, value: &str) -> Result<(), ApiError> {
        stage_variables([(&name.to_string(), &value.to_string())])
    }

    #[test]
    fn names_and_values() {
        assert!(check("lambda_Alias2", "arn:aws:x/y?a=b&c=d,e#f~g h-i.j").is_ok());
        assert!(check(&"n".repeat(64), &"v".repeat(512)).is_ok());
        for bad in ["", "owner:application-name", "a-b", "é", &"n".repeat(65)] {
            let e = check(bad, "v").unwrap_err();
            assert_eq!(
                e.message,
                format!("Invalid stage variable name: {bad}.  Please use names with only word characters.")
            );
        }
        for bad in ["", "a;b", "<x>", "50%", "\"q\"", &"v".repeat(513)] {
            let e = check("n", bad).unwrap_err();
            assert!(
                e.message
                    .starts_with(&format!("Invalid stage variable value: {bad}.  Please use values with alphanumeric characters")),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn numbers() {
        assert!(percent_traffic(0.0).is_ok());
        assert!(percent_traffic(100.0).is_ok());
        assert!(percent_traffic(100.5).is_err());
        assert!(percent_traffic(-1.0).is_err());
        assert!(not_negative(0.0, "x").is_ok());
        assert_eq!(
            not_negative(-1.0, "quota limit").unwrap_err().message,
            "Invalid quota limit specified: -1. It must be 0 or more"
        );
    }
}
