//! What differs between Swagger 2.0 and OpenAPI 3.0, behind one view: where models, security
//! schemes and the base path live, and how `$ref`s to shared parts are followed.

use serde_json::{Map, Value};

use crate::{BasePath, ImportError};

/// The two dialects AWS imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `swagger: "2.0"`.
    Swagger2,
    /// `openapi: "3.0.x"` (3.1 is refused, as AWS does for REST APIs).
    OpenApi3,
}

/// A document known to be Swagger 2.0 or OpenAPI 3.0.
pub struct Document<'a> {
    /// The whole document.
    pub root: &'a Map<String, Value>,
    /// Its dialect.
    pub dialect: Dialect,
}

static NONE: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

impl<'a> Document<'a> {
    /// Recognise the dialect.
    ///
    /// # Errors
    /// [`ImportError::Invalid`] when the document is neither Swagger 2.0 nor OpenAPI 3.0.
    pub fn new(doc: &'a Value) -> Result<Self, ImportError> {
        let root = doc.as_object().ok_or(ImportError::Invalid)?;
        let text = |k: &str| match root.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let dialect = match (text("swagger"), text("openapi")) {
            (Some(v), None) if v == "2.0" || v == "2" => Dialect::Swagger2,
            (None, Some(v)) if v.starts_with("3.0") => Dialect::OpenApi3,
            _ => return Err(ImportError::Invalid),
        };
        if !root.get("paths").is_none_or(Value::is_object) {
            return Err(ImportError::Invalid);
        }
        Ok(Self { root, dialect })
    }

    /// A member of the root that is a mapping (empty when absent or of another type).
    pub fn object(&self, key: &str) -> &'a Map<String, Value> {
        self.root
            .get(key)
            .and_then(Value::as_object)
            .unwrap_or(&NONE)
    }

    /// `info`.
    pub fn info(&self) -> &'a Map<String, Value> {
        self.object("info")
    }

    /// The paths object.
    pub fn paths(&self) -> &'a Map<String, Value> {
        self.object("paths")
    }

    fn components(&self, part: &str) -> &'a Map<String, Value> {
        self.object("components")
            .get(part)
            .and_then(Value::as_object)
            .unwrap_or(&NONE)
    }

    /// Named schemas: `definitions` or `components.schemas`.
    pub fn schemas(&self) -> &'a Map<String, Value> {
        match self.dialect {
            Dialect::Swagger2 => self.object("definitions"),
            Dialect::OpenApi3 => self.components("schemas"),
        }
    }

    /// Security schemes: `securityDefinitions` or `components.securitySchemes`.
    pub fn security_schemes(&self) -> &'a Map<String, Value> {
        match self.dialect {
            Dialect::Swagger2 => self.object("securityDefinitions"),
            Dialect::OpenApi3 => self.components("securitySchemes"),
        }
    }

    /// Follow a local `$ref` (`#/a/b`) once, if `v` is one.
    pub fn resolve<'b>(&self, v: &'b Value) -> &'b Value
    where
        'a: 'b,
    {
        let mut v = v;
        // A chain of references, but never a cycle.
        for _ in 0..16 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.pointer(r) {
                    Some(target) => v = target,
                    None => return v,
                },
                None => return v,
            }
        }
        v
    }

    fn pointer(&self, reference: &str) -> Option<&'a Value> {
        let path = reference.strip_prefix('#')?;
        let mut v: Option<&'a Value> = None;
        for seg in path.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            v = Some(match v {
                None => self.root.get(&seg)?,
                Some(inner) => inner.get(&seg)?,
            });
        }
        v
    }

    /// The base path's segments as `basepath` shapes them.
    pub fn base_path(&self, mode: BasePath) -> Vec<String> {
        let raw = match self.dialect {
            Dialect::Swagger2 => self
                .root
                .get("basePath")
                .and_then(Value::as_str)
                .map(str::to_string),
            Dialect::OpenApi3 => self.server_path(),
        };
        let segments: Vec<String> = raw
            .unwrap_or_default()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        match mode {
            BasePath::Ignore => Vec::new(),
            BasePath::Prepend => segments,
            BasePath::Split => segments.into_iter().skip(1).collect(),
        }
    }

    /// The path of `servers[0].url`, its `{variables}` replaced by their defaults.
    fn server_path(&self) -> Option<String> {
        let server = self.root.get("servers")?.as_array()?.first()?;
        let mut url = server.get("url")?.as_str()?.to_string();
        if let Some(vars) = server.get("variables").and_then(Value::as_object) {
            for (name, var) in vars {
                let default = var.get("default").and_then(Value::as_str).unwrap_or("");
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
        let after_scheme = match url.find("://") {
            Some(i) => {
                let rest = &url[i + 3..];
                rest.find('/').map_or("", |j| &rest[j..]).to_string()
            }
            None => url,
        };
        // A server whose URL has no path may give the base path as a `basePath` variable
        // alone (AWS reads it so: test_import_rest_api_with_base_path_oas30, recorded).
        if after_scheme.trim_matches('/').is_empty() {
            let var = server
                .get("variables")
                .and_then(|v| v.get("basePath"))
                .and_then(|v| v.get("default"))
                .and_then(Value::as_str);
            if let Some(v) = var {
                return Some(v.to_string());
            }
        }
        Some(after_scheme)
    }
}

/// A schema `$ref`'s model name (`#/definitions/Pet`, `#/components/schemas/Pet`).
pub fn model_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/definitions/")
        .or_else(|| reference.strip_prefix("#/components/schemas/"))
        .filter(|n| !n.is_empty() && !n.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dialects() {
        let ok = [json!({"swagger": "2.0"}), json!({"openapi": "3.0.1"})];
        for d in &ok {
            assert!(Document::new(d).is_ok(), "{d}");
        }
        let bad = [
            json!({"swagger": "1.2"}),
            json!({"openapi": "3.1.0"}),
            json!({"info": {}}),
            json!({"swagger": "2.0", "openapi": "3.0.0"}),
            json!({"openapi": "3.0.0", "paths": []}),
        ];
        for d in &bad {
            assert!(Document::new(d).is_err(), "{d}");
        }
    }

    #[test]
    fn a_base_path_variable_alone_is_the_base_path() {
        let doc = json!({"openapi": "3.0.1", "servers": [{"url": "https://testdomain.com",
            "variables": {"basePath": {"default": "/base-var"}}}]});
        let d = Document::new(&doc).unwrap();
        assert_eq!(d.base_path(BasePath::Prepend), ["base-var"]);
        assert!(d.base_path(BasePath::Split).is_empty());
    }

    #[test]
    fn base_paths_follow_the_mode() {
        // The outcomes of test_import_rest_apis_with_base_path_swagger and
        // test_import_rest_api_with_base_path_oas30 (aws-recorded/test_apigateway_import).
        let sw = json!({"swagger": "2.0", "basePath": "/base"});
        let d = Document::new(&sw).unwrap();
        assert_eq!(d.base_path(BasePath::Ignore), Vec::<String>::new());
        assert_eq!(d.base_path(BasePath::Prepend), ["base"]);
        assert_eq!(d.base_path(BasePath::Split), Vec::<String>::new());
        let url = json!({"openapi": "3.0.1",
            "servers": [{"url": "https://example.com/base-url/part"}]});
        let d = Document::new(&url).unwrap();
        assert_eq!(d.base_path(BasePath::Prepend), ["base-url", "part"]);
        assert_eq!(d.base_path(BasePath::Split), ["part"]);
        let var = json!({"openapi": "3.0.1", "servers": [{"url": "https://x.com/{basePath}",
            "variables": {"basePath": {"default": "/base-var"}}}]});
        let d = Document::new(&var).unwrap();
        assert_eq!(d.base_path(BasePath::Prepend), ["base-var"]);
    }

    #[test]
    fn references_resolve_through_chains_but_not_cycles() {
        let doc = json!({"openapi": "3.0.0", "components": {"parameters": {
            "a": {"$ref": "#/components/parameters/b"}, "b": {"name": "x", "in": "query"},
            "c": {"$ref": "#/components/parameters/c"}}}});
        let d = Document::new(&doc).unwrap();
        let r = json!({"$ref": "#/components/parameters/a"});
        assert_eq!(d.resolve(&r)["name"], "x");
        let c = json!({"$ref": "#/components/parameters/c"});
        assert!(d.resolve(&c).get("$ref").is_some());
        assert_eq!(model_name("#/definitions/Pet"), Some("Pet"));
        assert_eq!(model_name("#/components/schemas/Pet"), Some("Pet"));
        assert_eq!(model_name("Pet.json"), None);
    }
}
