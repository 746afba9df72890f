//! `patchOperations`: the input of every `Update*` operation.
//!
//! Each operation is `{op, path, value, from}`; `path` is a JSON-pointer-like string whose
//! segments escape `/` as `~1` and `~` as `~0` (`/binaryMediaTypes/image~1png`). Which paths
//! and ops are allowed differs per resource, so each resource module matches on the parsed
//! segments and uses the error helpers here for AWS's exact messages.

use std::collections::BTreeMap;

use serde::Deserialize;

use apigw_model::ApiError;

use crate::error::Error;

/// The body of an `Update*` call.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchInput {
    /// The operations, applied in order.
    #[serde(default)]
    pub patch_operations: Option<Vec<RawPatchOp>>,
}

/// One operation as sent, before validation.
#[derive(Debug, Default, Deserialize)]
pub struct RawPatchOp {
    /// `add`, `remove`, `replace`, `move`, `copy` or `test`.
    pub op: Option<String>,
    /// Where to apply it.
    pub path: Option<String>,
    /// The new value (always a string on the wire).
    pub value: Option<String>,
    /// The source path of `move` and `copy`.
    pub from: Option<String>,
}

/// A patch operation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Add a value (to a list or map, or set a member).
    Add,
    /// Remove a value.
    Remove,
    /// Set a value.
    Replace,
    /// Move a value from `from` to `path`.
    Move,
    /// Copy a value from `from` to `path`.
    Copy,
    /// Test a value (AWS accepts the name; no resource supports it).
    Test,
}

impl Op {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
            Op::Replace => "replace",
            Op::Move => "move",
            Op::Copy => "copy",
            Op::Test => "test",
        }
    }
}

/// A validated patch operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    /// The operation.
    pub op: Op,
    /// The path as sent.
    pub path: String,
    /// The path's unescaped segments (`/a/b~1c` → `["a", "b/c"]`).
    pub segments: Vec<String>,
    /// The value, if any.
    pub value: Option<String>,
    /// The source path of `move`/`copy`.
    pub from: Option<String>,
}

const OP_SET: &str = "Member must satisfy enum value set: [add, remove, move, test, replace, copy]";

/// Validate the ops of an `Update*` call named `input_name` (e.g. `updateRestApiInput`).
///
/// # Errors
/// `ValidationException` naming every op outside the enum (1-based indexes, as AWS counts).
pub fn parse(input: PatchInput, input_name: &str) -> Result<Vec<PatchOp>, Error> {
    let raw = input.patch_operations.unwrap_or_default();
    let mut failures = Vec::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let op = match r.op.as_deref() {
            Some("add") => Op::Add,
            Some("remove") => Op::Remove,
            Some("replace") => Op::Replace,
            Some("move") => Op::Move,
            Some("copy") => Op::Copy,
            Some("test") => Op::Test,
            other => {
                failures.push((
                    other.unwrap_or("null").to_string(),
                    format!("{input_name}.patchOperations.{}.member.op", i + 1),
                    OP_SET.to_string(),
                ));
                continue;
            }
        };
        let path = r.path.unwrap_or_default();
        out.push(PatchOp {
            op,
            segments: segments(&path),
            path,
            value: r.value,
            from: r.from,
        });
    }
    if !failures.is_empty() {
        return Err(ApiError::validations(&failures).into());
    }
    Ok(out)
}

/// Split a patch path into unescaped segments; a leading `/` is required for any segment.
pub fn segments(path: &str) -> Vec<String> {
    let Some(rest) = path.strip_prefix('/') else {
        return Vec::new();
    };
    if rest.is_empty() {
        return Vec::new();
    }
    rest.split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Apply `ops` in order, handing each to `one` with its path's segments; stops at the first
/// error. Each family's `apply_patch` is this loop with its own paths.
///
/// # Errors
/// The first error `one` returns.
pub fn each(
    ops: &[PatchOp],
    mut one: impl FnMut(&PatchOp, &[&str]) -> Result<(), Error>,
) -> Result<(), Error> {
    for op in ops {
        let segs: Vec<&str> = op.segments.iter().map(String::as_str).collect();
        one(op, &segs)?;
    }
    Ok(())
}

/// AWS's 404 for a `replace` or `remove` of a map entry the document does not have; `add`
/// and the other ops pass. `missing` is the family's wording ([`MISSING_PARAMETER`],
/// [`MISSING_CONTENT_TYPE`]).
///
/// # Errors
/// `NotFoundException` with `missing`.
pub fn require_entry<V>(
    map: Option<&BTreeMap<String, V>>,
    op: &PatchOp,
    key: &str,
    missing: &str,
) -> Result<(), Error> {
    let present = map.is_some_and(|m| m.contains_key(key));
    if matches!(op.op, Op::Replace | Op::Remove) && !present {
        return Err(ApiError::not_found(missing).into());
    }
    Ok(())
}

/// The 404 of a missing `responseParameters` (or `requestParameters`) entry.
pub const MISSING_PARAMETER: &str = "Invalid parameter name specified";
/// The 404 of a missing `responseTemplates` / `responseModels` entry.
pub const MISSING_CONTENT_TYPE: &str = "Content-Type specified was not found";

/// Apply the operations of a document with one patchable member, `path` (UpdateDeployment's
/// `/description`, a documentation part's `/properties`): a replace there calls `set`;
/// another path or op gets AWS's refusal.
///
/// # Errors
/// The refusal, or `set`'s.
pub fn replace_only(
    ops: &[PatchOp],
    path: &str,
    mut set: impl FnMut(&PatchOp) -> Result<(), Error>,
) -> Result<(), Error> {
    each(ops, |op, _| match op.op {
        Op::Replace if op.path == path => set(op),
        Op::Replace => Err(op.invalid_path(&[path])),
        _ => Err(op.unsupported_op()),
    })
}

impl PatchOp {
    /// The value, or AWS's error for a missing one.
    ///
    /// # Errors
    /// `BadRequestException` when no value was sent.
    pub fn value(&self) -> Result<&str, Error> {
        self.value.as_deref().ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid null or empty value for op '{}' at path '{}'",
                self.op.as_str(),
                self.path
            ))
            .into()
        })
    }

    /// The value of a replace that sets an optional member: an empty or missing value clears
    /// it (AWS omits the member then), so both read as `None`.
    pub fn value_or_clear(&self) -> Option<String> {
        self.value.clone().filter(|v| !v.is_empty())
    }

    /// The value of a replace that sets a required name, or `BadRequestException` with
    /// `refusal` for an empty one (each family words it its own way).
    ///
    /// # Errors
    /// [`PatchOp::value`]'s for a missing value; `refusal` for an empty one.
    pub fn name_value(&self, refusal: &str) -> Result<String, Error> {
        let v = self.value()?;
        if v.is_empty() {
            return Err(ApiError::bad_request(refusal).into());
        }
        Ok(v.to_string())
    }

    /// The value as a boolean (`"true"`/`"false"`, case-insensitive).
    ///
    /// # Errors
    /// `BadRequestException` for anything else.
    pub fn bool_value(&self) -> Result<bool, Error> {
        match self.value()?.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            v => Err(ApiError::bad_request(format!("Invalid boolean value: {v}")).into()),
        }
    }

    /// The value as an integer.
    ///
    /// # Errors
    /// `BadRequestException` when it is not one.
    pub fn int_value(&self) -> Result<i64, Error> {
        let v = self.value()?;
        v.trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("Invalid integer value: {v}")).into())
    }

    /// The value as a number.
    ///
    /// # Errors
    /// `BadRequestException` when it is not one.
    pub fn float_value(&self) -> Result<f64, Error> {
        let v = self.value()?;
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| ApiError::bad_request(format!("Invalid number value: {v}")).into())
    }

    /// AWS's "Invalid patch path  '/x' specified for op 'replace'. Must be one of: [...]"
    /// (two spaces after "path", as AWS writes it).
    pub fn invalid_path(&self, allowed: &[&str]) -> Error {
        ApiError::bad_request(format!(
            "Invalid patch path  '{}' specified for op '{}'. Must be one of: [{}]",
            self.path,
            self.op.as_str(),
            allowed.join(", ")
        ))
        .into()
    }

    /// AWS's "Invalid patch path  '/x' specified for op 'add'. Please choose supported operations".
    pub fn unsupported_op(&self) -> Error {
        ApiError::bad_request(format!(
            "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
            self.path,
            self.op.as_str()
        ))
        .into()
    }

    /// AWS's terse "Invalid patch path /x".
    pub fn invalid_path_short(&self) -> Error {
        ApiError::bad_request(format!("Invalid patch path {}", self.path)).into()
    }
}

/// One operation, for unit tests of the modules' patch functions.
#[cfg(test)]
pub(crate) fn op(op: Op, path: &str, value: Option<&str>) -> PatchOp {
    PatchOp {
        op,
        path: path.into(),
        segments: segments(path),
        value: value.map(Into::into),
        from: None,
    }
}

/// Parsed patch operations from `(op, path, value)` triples, for unit tests of the modules'
/// `apply_patch` functions. Panics if an op is outside AWS's enum (a mistake in the test).
#[cfg(test)]
pub(crate) fn ops(list: &[(&str, &str, Option<&str>)]) -> Vec<PatchOp> {
    let input = PatchInput {
        patch_operations: Some(
            list.iter()
                .map(|(op, path, value)| RawPatchOp {
                    op: Some((*op).into()),
                    path: Some((*path).into()),
                    value: value.map(Into::into),
                    from: None,
                })
                .collect(),
        ),
    };
    parse(input, "updateInput").expect("test patch operations")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unescapes_segments() {
        assert_eq!(
            segments("/binaryMediaTypes/image~1png"),
            vec!["binaryMediaTypes", "image/png"]
        );
        assert_eq!(segments("/a~0b"), vec!["a~b"]);
        assert_eq!(
            segments("/~1pets~1{id}/GET/throttling/rateLimit"),
            vec!["/pets/{id}", "GET", "throttling", "rateLimit"]
        );
        assert!(segments("").is_empty());
        assert!(segments("name").is_empty());
    }

    #[test]
    fn bad_ops_are_listed_with_one_based_indexes() {
        // test_apigateway_api.snapshot.json, update-rest-api with two wrong ops
        let input = PatchInput {
            patch_operations: Some(vec![
                RawPatchOp {
                    op: Some("wrong".into()),
                    ..Default::default()
                },
                RawPatchOp {
                    op: Some("wrong".into()),
                    ..Default::default()
                },
                RawPatchOp {
                    op: Some("replace".into()),
                    path: Some("/name".into()),
                    ..Default::default()
                },
            ]),
        };
        let e = parse(input, "updateRestApiInput").unwrap_err().0;
        assert_eq!(e.message, "2 validation errors detected: Value 'wrong' at 'updateRestApiInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; Value 'wrong' at 'updateRestApiInput.patchOperations.2.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]");
    }

    #[test]
    fn messages() {
        let op = PatchOp {
            op: Op::Replace,
            path: "/invalid".into(),
            segments: vec!["invalid".into()],
            value: None,
            from: None,
        };
        assert_eq!(op.invalid_path(&["/parentId", "/pathPart"]).0.message, "Invalid patch path  '/invalid' specified for op 'replace'. Must be one of: [/parentId, /pathPart]");
    }

    proptest! {
        #[test]
        fn segments_never_panic_and_round_trip(parts in proptest::collection::vec("[a-zA-Z0-9~/{}+*._-]{1,8}", 0..6)) {
            let path: String = parts.iter().map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1"))).collect();
            let segs = segments(&path);
            if parts.is_empty() {
                prop_assert!(segs.is_empty());
            } else {
                prop_assert_eq!(segs, parts);
            }
        }
    }
}
