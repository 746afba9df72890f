//! The mapping template GetModelTemplate generates from a model: VTL that copies a payload
//! into the model's shape.
//!
//! The layout follows AWS's documented sample (`#set($inputRoot = $input.path('$'))`, then
//! one `"name" : value` line per property, strings quoted, numbers and booleans bare). Nested
//! objects are written out, arrays become `#foreach` loops, references to the API's other
//! models are followed (a model already being written is copied whole with `$input.json`, so
//! circular models end).

use std::collections::BTreeMap;

use serde_json::Value;

const INDENT: &str = "  ";

/// The template for `schema`; `models` are the API's models by name, for `$ref`s.
pub fn model_template<'a>(schema: &'a Value, models: &'a BTreeMap<String, Value>) -> String {
    let mut w = Writer {
        models,
        out: String::from("#set($inputRoot = $input.path('$'))\n"),
        stack: Vec::new(),
        loops: 0,
    };
    let root = Source {
        vtl: "$inputRoot".into(),
        path: Some("$".into()),
    };
    w.value(schema, &root, 0);
    w.out
}

/// Where a value is read from: a VTL reference, and its JSONPath when it has one (values
/// inside a `#foreach` have none).
struct Source {
    vtl: String,
    path: Option<String>,
}

impl Source {
    fn member(&self, name: &str) -> Source {
        let simple = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        let (vtl, path) = if simple {
            (
                format!("{}.{name}", self.vtl),
                self.path.as_ref().map(|p| format!("{p}.{name}")),
            )
        } else {
            let quoted = name.replace('\'', "\\'");
            (
                format!("{}.get('{quoted}')", self.vtl),
                self.path.as_ref().map(|p| format!("{p}['{quoted}']")),
            )
        };
        Source { vtl, path }
    }

    /// The value copied as it is: JSON when the path is known.
    fn whole(&self) -> String {
        match &self.path {
            // Double quotes: a path inside a loop names the loop's index variable.
            Some(p) => format!("$input.json(\"{p}\")"),
            None => self.vtl.clone(),
        }
    }
}

struct Writer<'a> {
    models: &'a BTreeMap<String, Value>,
    out: String,
    /// The models being written (a reference to one of them is not expanded again).
    stack: Vec<String>,
    loops: usize,
}

impl<'a> Writer<'a> {
    /// Follow a `$ref` to another model; `None` for a model already being written (or
    /// unknown), which is then copied whole.
    fn resolve(&self, schema: &'a Value) -> Option<(&'a Value, Option<String>)> {
        let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
            return Some((schema, None));
        };
        let name = r.rsplit('/').next().unwrap_or_default().to_string();
        if self.stack.contains(&name) {
            return None;
        }
        Some((self.models.get(&name)?, Some(name)))
    }

    fn value(&mut self, schema: &'a Value, src: &Source, depth: usize) {
        let Some((schema, model)) = self.resolve(schema) else {
            self.out.push_str(&src.whole());
            return;
        };
        if let Some(m) = &model {
            self.stack.push(m.clone());
        }
        match kind(schema) {
            Kind::Object(props) if !props.is_empty() => self.object(props, src, depth),
            Kind::Array(items) => self.array(items, src, depth),
            Kind::String => {
                self.out.push('"');
                self.out.push_str(&src.vtl);
                self.out.push('"');
            }
            Kind::Scalar => self.out.push_str(&src.vtl),
            // A model that is an object without members (AWS's `Empty`) maps to `{}`.
            Kind::Object(_) if depth == 0 && self.stack.len() <= 1 => self.out.push_str("{}"),
            Kind::Object(_) | Kind::Any => self.out.push_str(&src.whole()),
        }
        if model.is_some() {
            self.stack.pop();
        }
    }

    fn object(&mut self, props: &'a serde_json::Map<String, Value>, src: &Source, depth: usize) {
        self.out.push_str("{\n");
        let n = props.len();
        for (i, (name, schema)) in props.iter().enumerate() {
            self.indent(depth + 1);
            self.out
                .push_str(&serde_json::to_string(name).unwrap_or_default());
            self.out.push_str(" : ");
            self.value(schema, &src.member(name), depth + 1);
            if i + 1 < n {
                self.out.push(',');
            }
            self.out.push('\n');
        }
        self.indent(depth);
        self.out.push('}');
    }

    fn array(&mut self, items: Option<&'a Value>, src: &Source, depth: usize) {
        let n = self.loops;
        let var = if n == 0 {
            "$elem".to_string()
        } else {
            format!("$elem{n}")
        };
        self.loops += 1;
        self.out.push_str("[\n");
        self.out
            .push_str(&format!("#foreach({var} in {})\n", src.vtl));
        // The element's index, so that an element copied whole is found by its JSONPath.
        let index = format!("$index{n}");
        self.out
            .push_str(&format!("#set({index} = $foreach.index)\n"));
        self.indent(depth + 1);
        let elem = Source {
            vtl: var,
            path: src.path.as_ref().map(|p| format!("{p}[{index}]")),
        };
        match items {
            Some(items) => self.value(items, &elem, depth + 1),
            None => self.out.push_str(&elem.whole()),
        }
        self.out.push_str("#if($foreach.hasNext),#end\n#end\n");
        self.indent(depth);
        self.out.push(']');
        self.loops -= 1;
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
    }
}

enum Kind<'a> {
    Object(&'a serde_json::Map<String, Value>),
    Array(Option<&'a Value>),
    String,
    /// Number, integer, boolean: printed bare.
    Scalar,
    /// No type the template can shape: copied whole.
    Any,
}

fn kind(schema: &Value) -> Kind<'_> {
    static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
        std::sync::LazyLock::new(serde_json::Map::new);
    let t = schema.get("type").and_then(Value::as_str);
    let props = schema.get("properties").and_then(Value::as_object);
    match (t, props) {
        (_, Some(p)) => Kind::Object(p),
        (Some("object"), None) => Kind::Object(&EMPTY),
        (Some("array"), _) => Kind::Array(schema.get("items")),
        (Some("string"), _) => Kind::String,
        (Some("number" | "integer" | "boolean"), _) => Kind::Scalar,
        _ => Kind::Any,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn render(template: &str, input: &Value) -> Value {
        let t = apigw_vtl::Template::parse(template).unwrap();
        let out = t
            .render(&apigw_vtl::Context::with_body(input.to_string()))
            .unwrap();
        serde_json::from_str(&out.output).unwrap_or_else(|e| panic!("{e}: {}", out.output))
    }

    #[test]
    fn an_object_template_copies_the_payload() {
        let models = BTreeMap::from([(
            "Pet".to_string(),
            json!({"type": "object", "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string"}}}),
        )]);
        let schema = json!({"type": "object", "properties": {
            "name": {"type": "string"},
            "price": {"type": "number"},
            "ok": {"type": "boolean"},
            "first-name": {"type": "string"},
            "pet": {"$ref": "https://apigateway.amazonaws.com/restapis/a/models/Pet"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "extra": {}}});
        let t = model_template(&schema, &models);
        assert!(
            t.starts_with("#set($inputRoot = $input.path('$'))\n{\n"),
            "{t}"
        );
        assert!(t.contains("  \"name\" : \"$inputRoot.name\",\n"), "{t}");
        assert!(t.contains("  \"price\" : $inputRoot.price,\n"), "{t}");
        let input = json!({"name": "rex", "price": 1.5, "ok": true, "first-name": "r",
            "pet": {"id": 3, "kind": "dog"}, "tags": ["a", "b"], "extra": {"any": [1]}});
        assert_eq!(render(&t, &input), input);
    }

    #[test]
    fn an_object_without_members_maps_to_an_empty_object() {
        let t = model_template(&json!({"type": "object"}), &BTreeMap::new());
        assert_eq!(t, "#set($inputRoot = $input.path('$'))\n{}");
    }

    #[test]
    fn arrays_and_circular_models_end() {
        let models = BTreeMap::from([(
            "Person".to_string(),
            json!({"type": "object", "properties": {
                    "name": {"type": "string"},
                    "friends": {"type": "array", "items": {"$ref": "#/definitions/Person"}}}}),
        )]);
        let schema = json!({"type": "array", "items": {"$ref": "#/definitions/Person"}});
        let t = model_template(&schema, &models);
        assert!(t.contains("#foreach($elem in $inputRoot)"), "{t}");
        let input = json!([{"name": "a", "friends": [{"name": "b", "friends": []}]},
            {"name": "c", "friends": []}]);
        let t2 = model_template(&models["Person"], &models);
        let one = json!({"name": "a", "friends": []});
        assert_eq!(render(&t2, &one), one);
        // The inner Person, a model already being written, is copied whole by its path.
        assert_eq!(render(&t, &input), input);
    }
}
