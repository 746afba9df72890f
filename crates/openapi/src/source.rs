//! The uploaded body as a JSON value, whatever its syntax.
//!
//! The CLI sends the file as it is (`--body fileb://api.yaml`), so the body may be JSON or
//! YAML. YAML mapping keys that are not strings (`200:` under `responses`) become their text,
//! and merge keys (`<<: *defaults`) are applied, so the rest of the import sees one shape.

use serde_json::{Map, Number, Value};
use serde_yaml_ng::Value as Yaml;

use crate::ImportError;

/// Read a JSON or YAML document.
///
/// # Errors
/// [`ImportError::Invalid`] when the body is neither, or is not a mapping.
pub fn read(body: &[u8]) -> Result<Value, ImportError> {
    let doc = match serde_json::from_slice::<Value>(body) {
        Ok(v) => v,
        Err(_) => {
            let text = std::str::from_utf8(body).map_err(|_| ImportError::Invalid)?;
            let mut yaml: Yaml = serde_yaml_ng::from_str(text).map_err(|_| ImportError::Invalid)?;
            yaml.apply_merge().map_err(|_| ImportError::Invalid)?;
            to_json(yaml)?
        }
    };
    if doc.is_object() {
        Ok(doc)
    } else {
        Err(ImportError::Invalid)
    }
}

fn to_json(y: Yaml) -> Result<Value, ImportError> {
    Ok(match y {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n)?,
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(key_text(k)?, to_json(v)?);
            }
            Value::Object(out)
        }
        // A tag (`!Ref x`, as CloudFormation writes) has no meaning here: keep its value.
        Yaml::Tagged(t) => to_json(t.value)?,
    })
}

fn number(n: &serde_yaml_ng::Number) -> Result<Value, ImportError> {
    if let Some(i) = n.as_i64() {
        Ok(Value::Number(i.into()))
    } else if let Some(u) = n.as_u64() {
        Ok(Value::Number(u.into()))
    } else {
        let f = n.as_f64().ok_or(ImportError::Invalid)?;
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or(ImportError::Invalid)
    }
}

fn key_text(k: Yaml) -> Result<String, ImportError> {
    Ok(match k {
        Yaml::String(s) => s,
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Null => "null".to_string(),
        Yaml::Tagged(t) => key_text(t.value)?,
        Yaml::Sequence(_) | Yaml::Mapping(_) => return Err(ImportError::Invalid),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_and_yaml_read_alike() {
        let j = read(br#"{"openapi": "3.0.1", "paths": {"/a": {}}}"#).unwrap();
        let y = read(b"openapi: 3.0.1\npaths:\n  /a: {}\n").unwrap();
        assert_eq!(j, y);
    }

    #[test]
    fn integer_keys_become_text_and_anchors_resolve() {
        let y = read(
            b"base: &r\n  description: ok\nresponses:\n  200: *r\n  404:\n    <<: *r\n    x: 1\n",
        )
        .unwrap();
        assert_eq!(y["responses"]["200"], json!({"description": "ok"}));
        assert_eq!(y["responses"]["404"], json!({"description": "ok", "x": 1}));
    }

    #[test]
    fn garbage_and_scalars_are_invalid() {
        for body in [
            &b"{not json"[..],
            b"- a\n- b\n",
            b"just text",
            b"\xff\xfe",
            b"",
        ] {
            assert!(matches!(read(body), Err(ImportError::Invalid)), "{body:?}");
        }
    }
}
