//! Runtime values and how Java prints and compares them.
//!
//! Maps print as `{a=b, c=d}` and VTL lists as `[a, b]`, as `java.util` collections do. Values that
//! come from the request body (`$input.path`, `$util.parseJson`) are views into a parsed JSON
//! document: their objects print the Java way too, but their arrays print as compact JSON, which
//! is what AWS returns (recorded in `test_apigateway_common.snapshot.json`,
//! `test_input_path_template_formatting`).

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use crate::json::{JsonDoc, Kind};
use crate::util::{java_double, json_quote};

/// How a map prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `java.util.LinkedHashMap`: `{a=b}`.
    Java,
    /// An object of the request body: `{a=b}`, with arrays inside printed as JSON.
    Json,
    /// An object of `$context`: AWS prints these as empty text (recorded in
    /// `test_apigateway_sqs.snapshot.json`, `test_sqs_amz_json_protocol`).
    Context,
}

/// A mutable map with insertion order.
#[derive(Debug)]
pub(crate) struct MapObj {
    pub entries: RefCell<Vec<(Value, Value)>>,
    pub flavor: Flavor,
}

/// A mutable list; `json` lists print as JSON.
#[derive(Debug)]
pub(crate) struct ListObj {
    pub items: RefCell<Vec<Value>>,
    pub json: bool,
}

/// One `$input.path(...)` (or `parseJson`) result: a document plus the nodes the template has
/// modified, which are replaced by owned maps and lists (`overlay`).
#[derive(Debug)]
pub(crate) struct JsonInst {
    pub doc: Rc<JsonDoc>,
    pub overlay: RefCell<Vec<(u32, Value)>>,
}

/// The state of a running `#foreach`, readable as `$foreach`.
#[derive(Debug, Default)]
pub(crate) struct LoopInfo {
    pub index: Cell<usize>,
    pub has_next: Cell<bool>,
    pub parent: Option<Rc<LoopInfo>>,
}

/// A template value.
#[derive(Debug, Clone, Default)]
pub(crate) enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    List(Rc<ListObj>),
    Map(Rc<MapObj>),
    /// Node of a JSON document.
    Json(Rc<JsonInst>, u32),
    /// A `Map.Entry` from `entrySet()`.
    Entry(Rc<(Value, Value)>),
    /// `$input`.
    Input,
    /// `$util`.
    Util,
    /// `$foreach`.
    Loop(Rc<LoopInfo>),
    /// A `#define` block, rendered when referenced.
    Block(usize),
    /// `$context` or `$stageVariables`, built on first use.
    Lazy(u8),
}

impl Value {
    pub(crate) fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    pub(crate) fn new_map(entries: Vec<(Value, Value)>, flavor: Flavor) -> Value {
        Value::Map(Rc::new(MapObj {
            entries: RefCell::new(entries),
            flavor,
        }))
    }

    pub(crate) fn new_list(items: Vec<Value>, json: bool) -> Value {
        Value::List(Rc::new(ListObj {
            items: RefCell::new(items),
            json,
        }))
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Replaces a JSON view by the owned value the template put in its place, and JSON null and
    /// booleans by plain values. Numbers, strings and containers stay views (printed in place).
    #[inline]
    pub(crate) fn resolve(self) -> Value {
        if matches!(self, Value::Json(..)) {
            self.resolve_json()
        } else {
            self
        }
    }

    fn resolve_json(self) -> Value {
        if let Value::Json(inst, i) = &self {
            {
                let ov = inst.overlay.borrow();
                if !ov.is_empty() {
                    if let Some((_, v)) = ov.iter().find(|(k, _)| k == i) {
                        return v.clone();
                    }
                }
            }
            let doc = &inst.doc;
            let n = doc.node(*i);
            return match n.kind {
                Kind::Null => Value::Null,
                Kind::True => Value::Bool(true),
                Kind::False => Value::Bool(false),
                Kind::Num | Kind::Str | Kind::Arr | Kind::Obj => self,
            };
        }
        self
    }

    /// Numeric view for arithmetic and comparisons.
    pub(crate) fn as_number(&self) -> Option<Num> {
        match self {
            Value::Int(i) => Some(Num::I(*i)),
            Value::Float(f) => Some(Num::F(*f)),
            Value::Json(inst, i) if inst.doc.node(*i).kind == Kind::Num => {
                match number_value(inst.doc.raw(*i)) {
                    Value::Int(i) => Some(Num::I(i)),
                    Value::Float(f) => Some(Num::F(f)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Integer argument (Java `int` parameter).
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self.as_number()? {
            Num::I(i) => Some(i),
            Num::F(_) => None,
        }
    }

    /// The string if this is a string (owned JSON strings are decoded).
    pub(crate) fn as_str(&self) -> Option<Arc<str>> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Json(inst, i) if inst.doc.node(*i).kind == Kind::Str => {
                Some(inst.doc.string(*i).into())
            }
            _ => None,
        }
    }

    /// Java class family, for `equals`.
    fn class(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Float(_) => 2,
            Value::Str(_) => 3,
            Value::List(_) => 4,
            Value::Map(_) => 5,
            Value::Json(inst, i) => match inst.doc.node(*i).kind {
                Kind::Null => 0,
                Kind::True | Kind::False => 1,
                Kind::Num => 2,
                Kind::Str => 3,
                Kind::Arr => 4,
                Kind::Obj => 5,
            },
            Value::Entry(_) => 6,
            Value::Input => 7,
            Value::Util => 8,
            Value::Loop(_) => 9,
            Value::Block(_) => 10,
            Value::Lazy(_) => 11,
        }
    }
}

/// A number in one of Java's two families.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    I(i64),
    F(f64),
}

impl Num {
    pub(crate) fn to_f64(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }

    /// Three-way comparison (`None` for NaN).
    pub(crate) fn cmp(self, other: Num) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Num::I(a), Num::I(b)) => Some(a.cmp(&b)),
            (a, b) => a.to_f64().partial_cmp(&b.to_f64()),
        }
    }
}

/// The value of a JSON number literal: `Integer`/`Long` when integral, else `Double`.
pub(crate) fn number_value(raw: &str) -> Value {
    if raw.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
        if let Ok(i) = raw.parse::<i64>() {
            return Value::Int(i);
        }
    }
    Value::Float(raw.parse::<f64>().unwrap_or(f64::NAN))
}

/// Child view of a JSON container (honouring the overlay).
pub(crate) fn json_child(inst: &Rc<JsonInst>, i: u32) -> Value {
    Value::Json(inst.clone(), i).resolve()
}

/// Materializes a JSON container so the template can modify it: the owned copy holds views of
/// the children and replaces the node for every holder of this document instance.
pub(crate) fn materialize(inst: &Rc<JsonInst>, i: u32) -> Value {
    if let Some((_, v)) = inst.overlay.borrow().iter().find(|(k, _)| *k == i) {
        return v.clone();
    }
    let doc = &inst.doc;
    let v = match doc.node(i).kind {
        Kind::Obj => {
            let entries = doc
                .children(i)
                .map(|(k, v)| (Value::str(doc.string(k)), Value::Json(inst.clone(), v)))
                .collect();
            Value::new_map(entries, Flavor::Json)
        }
        Kind::Arr => {
            let items = doc
                .children(i)
                .map(|(_, v)| Value::Json(inst.clone(), v))
                .collect();
            Value::new_list(items, true)
        }
        _ => return Value::Json(inst.clone(), i).resolve(),
    };
    inst.overlay.borrow_mut().push((i, v.clone()));
    v
}

/// Java `equals` between two values, plus Velocity 1.7's `==` fallbacks: numbers compare by
/// value, different classes compare by `toString()`, and (as AWS does) null equals both null and
/// the empty string (recorded in `test_apigateway_common.snapshot.json`,
/// `test_input_path_template_formatting`, `empty-body`).
pub(crate) fn velocity_eq(a: &Value, b: &Value) -> bool {
    // Two strings (the common `$x == "literal"`): plain text comparison, as below.
    if let Some(eq) = with_str(a, |x| with_str(b, |y| x == y)).flatten() {
        return eq;
    }
    let a = a.clone().resolve();
    let b = b.clone().resolve();
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return x.cmp(y) == Some(std::cmp::Ordering::Equal);
    }
    match (a.is_null(), b.is_null()) {
        (true, true) => return true,
        (true, false) => return with_str(&b, str::is_empty).unwrap_or(false),
        (false, true) => return with_str(&a, str::is_empty).unwrap_or(false),
        _ => {}
    }
    if a.class() == b.class() {
        return equals_resolved(&a, &b);
    }
    to_plain_string(&a) == to_plain_string(&b)
}

/// Calls `f` with the text of a string value, without copying unescaped JSON strings.
pub(crate) fn with_str<R>(v: &Value, f: impl FnOnce(&str) -> R) -> Option<R> {
    match v {
        Value::Str(s) => Some(f(s)),
        Value::Json(inst, i) if inst.doc.node(*i).kind == Kind::Str => {
            if inst.doc.node(*i).escaped {
                Some(f(&inst.doc.string(*i)))
            } else {
                Some(f(inst.doc.raw(*i)))
            }
        }
        _ => None,
    }
}

fn str_equals(a: &Value, b: &Value) -> bool {
    with_str(a, |x| with_str(b, |y| x == y).unwrap_or(false)).unwrap_or(false)
}

/// Java `Object.equals` for same-class values.
pub(crate) fn java_equals(a: &Value, b: &Value) -> bool {
    let a = a.clone().resolve();
    let b = b.clone().resolve();
    equals_resolved(&a, &b)
}

fn equals_resolved(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return match (x, y) {
            (Num::I(p), Num::I(q)) => p == q,
            (Num::F(p), Num::F(q)) => p == q,
            _ => false,
        };
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(p), Value::Bool(q)) => p == q,
        _ if a.class() == 3 && b.class() == 3 => str_equals(a, b),
        _ if a.class() == 4 && b.class() == 4 => {
            let (x, y) = (list_items(a), list_items(b));
            x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| java_equals(p, q))
        }
        _ if a.class() == 5 && b.class() == 5 => {
            let (x, y) = (map_entries(a), map_entries(b));
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| java_equals(k, k2))
                        .is_some_and(|(_, v2)| java_equals(v, v2))
                })
        }
        (Value::Entry(p), Value::Entry(q)) => java_equals(&p.0, &q.0) && java_equals(&p.1, &q.1),
        (Value::Input, Value::Input) | (Value::Util, Value::Util) => true,
        (Value::Loop(p), Value::Loop(q)) => Rc::ptr_eq(p, q),
        (Value::Block(p), Value::Block(q)) => p == q,
        _ => false,
    }
}

/// Snapshot of a list's items (JSON arrays as views).
pub(crate) fn list_items(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.items.borrow().clone(),
        Value::Json(inst, i) if inst.doc.node(*i).kind == Kind::Arr => inst
            .doc
            .children(*i)
            .map(|(_, c)| json_child(inst, c))
            .collect(),
        _ => Vec::new(),
    }
}

/// Snapshot of a map's entries (JSON objects as views).
pub(crate) fn map_entries(v: &Value) -> Vec<(Value, Value)> {
    match v {
        Value::Map(m) => m.entries.borrow().clone(),
        Value::Json(inst, i) if inst.doc.node(*i).kind == Kind::Obj => inst
            .doc
            .children(*i)
            .map(|(k, c)| (Value::str(inst.doc.string(k)), json_child(inst, c)))
            .collect(),
        _ => Vec::new(),
    }
}

/// `toString()` of values that print without the renderer (everything but `#define` blocks).
pub(crate) fn to_plain_string(v: &Value) -> String {
    let mut s = String::new();
    write_java(v, &mut s, 0);
    s
}

/// Depth guard for printing self-referencing collections.
const MAX_PRINT_DEPTH: usize = 64;

/// Appends Java's `toString()` of `v`; null prints as nothing at the top level and as `null`
/// inside collections.
pub(crate) fn write_java(v: &Value, out: &mut String, depth: usize) {
    if depth > MAX_PRINT_DEPTH {
        out.push_str("(this Collection)");
        return;
    }
    match v {
        Value::Null => {
            if depth > 0 {
                out.push_str("null");
            }
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => java_double(*f, out),
        Value::Str(s) => out.push_str(s),
        Value::List(l) => {
            if l.json {
                write_json(v, out, depth);
            } else {
                write_joined(out, JAVA_LIST, l.items.borrow().iter(), |item, out| {
                    write_java(item, out, depth + 1);
                });
            }
        }
        Value::Map(m) => {
            if m.flavor == Flavor::Context {
                return;
            }
            let entries = m.entries.borrow();
            write_joined(out, JAVA_MAP, entries.iter(), |(key, val), out| {
                write_java(key, out, depth + 1);
                out.push('=');
                write_java(val, out, depth + 1);
            });
        }
        Value::Json(inst, i) => {
            if !inst.overlay.borrow().is_empty() {
                let resolved = v.clone().resolve();
                if !matches!(resolved, Value::Json(..)) {
                    write_java(&resolved, out, depth);
                    return;
                }
            }
            let doc = &inst.doc;
            match doc.node(*i).kind {
                Kind::Null if depth > 0 => out.push_str("null"),
                Kind::Null => {}
                Kind::True => out.push_str("true"),
                Kind::False => out.push_str("false"),
                Kind::Str => doc.write_str(*i, out),
                Kind::Num => doc.write_number(*i, out),
                Kind::Arr => write_json(v, out, depth),
                _ => {
                    write_joined(out, JAVA_MAP, doc.children(*i), |(key, c), out| {
                        doc.write_str(key, out);
                        out.push('=');
                        write_java(&json_child(inst, c), out, depth + 1);
                    });
                }
            }
        }
        Value::Entry(e) => {
            write_java(&e.0, out, depth + 1);
            out.push('=');
            write_java(&e.1, out, depth + 1);
        }
        Value::Input | Value::Util | Value::Lazy(_) | Value::Block(_) => {}
        Value::Loop(l) => {
            let _ = write!(out, "foreach[index={}]", l.index.get());
        }
    }
}

/// How a printer delimits a list or a map: opening bracket, separator, closing bracket.
pub(crate) type Delimiters = (char, &'static str, char);
/// A list as Java's `toString` prints it.
const JAVA_LIST: Delimiters = ('[', ", ", ']');
/// A map as Java's `toString` prints it.
const JAVA_MAP: Delimiters = ('{', ", ", '}');
/// A compact JSON array.
pub(crate) const JSON_LIST: Delimiters = ('[', ",", ']');
/// A compact JSON object.
const JSON_MAP: Delimiters = ('{', ",", '}');

/// Appends `items` within `delimiters`, each written by `write`: how both printers (Java's
/// `toString` and JSON) write every list and map.
pub(crate) fn write_joined<T>(
    out: &mut String,
    (open, sep, close): Delimiters,
    items: impl IntoIterator<Item = T>,
    mut write: impl FnMut(T, &mut String),
) {
    out.push(open);
    for (k, item) in items.into_iter().enumerate() {
        if k > 0 {
            out.push_str(sep);
        }
        write(item, out);
    }
    out.push(close);
}

/// Appends compact JSON for `v` (as `$util.toJson` and JSON arrays print).
pub(crate) fn write_json(v: &Value, out: &mut String, depth: usize) {
    if depth > MAX_PRINT_DEPTH {
        out.push_str("null");
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => {
            if f.is_finite() {
                java_double(*f, out);
            } else {
                out.push_str("null");
            }
        }
        Value::Str(s) => json_quote(s, out),
        Value::List(l) => {
            write_joined(out, JSON_LIST, l.items.borrow().iter(), |item, out| {
                write_json(item, out, depth + 1);
            });
        }
        Value::Map(m) => {
            let entries = m.entries.borrow();
            write_joined(out, JSON_MAP, entries.iter(), |(key, val), out| {
                json_quote(&to_plain_string(key), out);
                out.push(':');
                write_json(val, out, depth + 1);
            });
        }
        Value::Json(inst, i) => {
            if inst.overlay.borrow().is_empty() {
                inst.doc.write_json(*i, out);
                return;
            }
            let r = v.clone().resolve();
            match &r {
                Value::Json(_, _) => match inst.doc.node(*i).kind {
                    Kind::Arr => write_json(&Value::new_list(list_items(&r), true), out, depth),
                    Kind::Obj => {
                        write_json(&Value::new_map(map_entries(&r), Flavor::Json), out, depth)
                    }
                    _ => inst.doc.write_json(*i, out),
                },
                other => write_json(other, out, depth),
            }
        }
        Value::Entry(e) => {
            out.push('{');
            json_quote(&to_plain_string(&e.0), out);
            out.push(':');
            write_json(&e.1, out, depth + 1);
            out.push('}');
        }
        _ => out.push_str("null"),
    }
}

/// Converts to `serde_json` (for the overrides the data plane reads back).
pub(crate) fn to_serde(v: &Value, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if depth > MAX_PRINT_DEPTH {
        return J::Null;
    }
    if let (Value::Json(..), Some(n)) = (v, v.as_number()) {
        return match n {
            Num::I(i) => J::from(i),
            Num::F(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        };
    }
    match v.clone().resolve() {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(b),
        Value::Int(i) => J::from(i),
        Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.to_string()),
        r @ (Value::List(_) | Value::Json(..)) if r.class() == 4 => J::Array(
            list_items(&r)
                .iter()
                .map(|x| to_serde(x, depth + 1))
                .collect(),
        ),
        r @ (Value::Map(_) | Value::Json(..)) if r.class() == 5 => J::Object(
            map_entries(&r)
                .iter()
                .map(|(k, x)| (to_plain_string(k), to_serde(x, depth + 1)))
                .collect(),
        ),
        r @ Value::Json(..) => J::String(to_plain_string(&r)),
        other => J::String(to_plain_string(&other)),
    }
}

/// Converts from `serde_json` (for `$context`); objects get `flavor`.
pub(crate) fn from_serde(v: &serde_json::Value, flavor: Flavor) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::str(s.as_str()),
        J::Array(a) => Value::new_list(a.iter().map(|x| from_serde(x, flavor)).collect(), false),
        J::Object(o) => Value::new_map(
            o.iter()
                .map(|(k, x)| (Value::str(k.as_str()), from_serde(x, flavor)))
                .collect(),
            flavor,
        ),
    }
}
