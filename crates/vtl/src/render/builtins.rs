//! API Gateway's built-in objects: `$input` (the payload, its JSONPath queries and the request
//! parameters) and `$util`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use base64::Engine as _;

use crate::ast::Reference;
use crate::json::JsonDoc;
use crate::jsonpath;
use crate::util;
use crate::value::{
    json_child, to_plain_string, with_str, write_joined, write_json, Flavor, JsonInst, Value,
    JSON_LIST,
};

use super::{RResult, Renderer};

impl Renderer<'_> {
    // ----- $input ------------------------------------------------------------------------

    /// `$input.body`: the raw payload, `{}` when empty (recorded in
    /// `test_apigateway_common.snapshot.json`, `test_input_body_formatting`).
    pub(super) fn body(&mut self) -> Arc<str> {
        if let Some(b) = &self.body {
            return b.clone();
        }
        let b: Arc<str> = if self.ctx.body.is_empty() {
            "{}".into()
        } else {
            self.ctx.body.as_str().into()
        };
        self.body = Some(b.clone());
        b
    }

    fn body_doc(&mut self) -> Option<Rc<JsonDoc>> {
        if let Some(d) = &self.body_doc {
            return d.clone();
        }
        let d = JsonDoc::parse(self.body());
        self.body_doc = Some(d.clone());
        d
    }

    fn input_params(&mut self) -> Value {
        if let Some(p) = &self.params {
            return p.clone();
        }
        let to_map = |pairs: &[(String, String)]| {
            Value::new_map(
                pairs
                    .iter()
                    .map(|(k, v)| (Value::str(k.as_str()), Value::str(v.as_str())))
                    .collect(),
                Flavor::Java,
            )
        };
        let p = &self.ctx.params;
        let v = Value::new_map(
            vec![
                (Value::str("path"), to_map(&p.path)),
                (Value::str("querystring"), to_map(&p.querystring)),
                (Value::str("header"), to_map(&p.header)),
            ],
            Flavor::Java,
        );
        self.params = Some(v.clone());
        v
    }

    fn input_param(&self, name: &str) -> Value {
        let p = &self.ctx.params;
        let found = p
            .path
            .iter()
            .chain(&p.querystring)
            .chain(&p.header)
            .find(|(k, _)| k == name)
            .or_else(|| p.header.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)));
        Value::str(found.map_or("", |(_, v)| v.as_str()))
    }

    /// The argument of `$input.path` and `$input.json` compiled: `None` when it is not a
    /// string (both then answer null), a method error when it is not a JSONPath.
    fn json_path_arg(&self, p: &Value, pos: usize) -> RResult<Option<jsonpath::JsonPath>> {
        let Some(p) = p.as_str() else {
            return Ok(None);
        };
        match jsonpath::compile(&p) {
            Some(path) => Ok(Some(path)),
            None => self.method_err(pos, format!("invalid JSONPath '{p}'")),
        }
    }

    pub(super) fn input_call(
        &mut self,
        name: &str,
        args: &[Value],
        r: &Reference,
    ) -> RResult<Value> {
        match (name, args) {
            ("params", []) => Ok(self.input_params()),
            ("params", [n]) => Ok(match n.as_str() {
                Some(n) => self.input_param(&n),
                None => Value::Null,
            }),
            ("getBody", []) => Ok(Value::Str(self.body())),
            ("path", [p]) => {
                let Some(path) = self.json_path_arg(p, r.pos)? else {
                    return Ok(Value::Null);
                };
                let Some(doc) = self.body_doc() else {
                    return Ok(Value::Null);
                };
                let inst = Rc::new(JsonInst {
                    doc: doc.clone(),
                    overlay: RefCell::new(Vec::new()),
                });
                let found = jsonpath::eval(&doc, 0, &path);
                Ok(if path.definite {
                    found.first().map_or(Value::Null, |&n| json_child(&inst, n))
                } else {
                    let items = found.iter().map(|&n| json_child(&inst, n)).collect();
                    Value::new_list(items, true)
                })
            }
            ("json", [p]) => {
                let Some(path) = self.json_path_arg(p, r.pos)? else {
                    return Ok(Value::Null);
                };
                let Some(doc) = self.body_doc() else {
                    return Ok(Value::str("\"\""));
                };
                let found = jsonpath::eval(&doc, 0, &path);
                // Built in the renderer's reusable buffer (one allocation: the value's).
                let mut s = std::mem::take(&mut self.scratch);
                s.clear();
                if path.definite {
                    match found.first() {
                        Some(&n) => doc.write_json(n, &mut s),
                        None => s.push_str("\"\""),
                    }
                } else {
                    write_joined(&mut s, JSON_LIST, &found, |&n, s| doc.write_json(n, s));
                }
                let v = Value::str(s.as_str());
                self.scratch = s;
                Ok(v)
            }
            _ => Ok(Value::Null),
        }
    }

    // ----- $util -------------------------------------------------------------------------

    pub(super) fn util_call(
        &mut self,
        name: &str,
        args: &[Value],
        r: &Reference,
    ) -> RResult<Value> {
        let [arg] = args else {
            return Ok(Value::Null);
        };
        if arg.is_null() {
            return Ok(Value::Null);
        }
        let text = || match arg.as_str() {
            Some(s) => s,
            None => to_plain_string(arg).into(),
        };
        let out = match name {
            "escapeJavaScript" => {
                // Strings (also those of the body) are escaped in place, not copied first, into
                // the renderer's reusable buffer (one allocation: the value's).
                let mut o = std::mem::take(&mut self.scratch);
                o.clear();
                let escaped = with_str(arg, |s| {
                    o.reserve(s.len() + 8);
                    util::escape_javascript(s, &mut o);
                });
                if escaped.is_none() {
                    util::escape_javascript(&to_plain_string(arg), &mut o);
                }
                let v = self.check_len(o.len()).map(|()| Value::str(o.as_str()));
                self.scratch = o;
                return v;
            }
            "urlEncode" => util::url_encode(&text()),
            "urlDecode" => match util::url_decode(&text()) {
                Some(s) => s,
                None => return self.method_err(r.pos, "urlDecode: malformed escape"),
            },
            "base64Encode" => base64::engine::general_purpose::STANDARD.encode(text().as_bytes()),
            "base64Decode" => {
                let s: String = text().chars().filter(|c| !c.is_whitespace()).collect();
                let engines = [
                    &base64::engine::general_purpose::STANDARD,
                    &base64::engine::general_purpose::STANDARD_NO_PAD,
                    &base64::engine::general_purpose::URL_SAFE,
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                ];
                match engines.iter().find_map(|e| e.decode(&s).ok()) {
                    Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                    None => return self.method_err(r.pos, "base64Decode: invalid base64"),
                }
            }
            "toJson" => {
                let mut o = String::new();
                write_json(arg, &mut o, 0);
                o
            }
            "parseJson" => {
                let src: Arc<str> = text();
                return match JsonDoc::parse(src) {
                    Some(doc) => {
                        let inst = Rc::new(JsonInst {
                            doc,
                            overlay: RefCell::new(Vec::new()),
                        });
                        Ok(json_child(&inst, 0))
                    }
                    None => self.method_err(r.pos, "parseJson: invalid JSON"),
                };
            }
            _ => return Ok(Value::Null),
        };
        self.check_len(out.len())?;
        Ok(Value::str(out))
    }
}
