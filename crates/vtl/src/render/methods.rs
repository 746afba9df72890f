//! Method calls on values (`$x.name(args)`): the dispatch by receiver (`$input`, `$util`,
//! strings, lists, maps, numbers, `$foreach`, map entries) and Java's `List`, `Map` and number
//! methods. String methods are in `strings.rs`, `$input` and `$util` in `builtins.rs`.

use std::cell::Cell;
use std::rc::Rc;

use crate::ast::{Pattern, Reference};
use crate::json::Kind;
use crate::value::{
    java_equals, list_items, map_entries, materialize, to_plain_string, with_str, LoopInfo, Num,
    Value,
};

use super::{is_string, key_matches, RResult, Renderer};

pub(super) fn loop_prop(l: &LoopInfo, name: &str) -> Value {
    match name {
        "index" => Value::Int(l.index.get() as i64),
        "count" => Value::Int(l.index.get() as i64 + 1),
        "hasNext" => Value::Bool(l.has_next.get()),
        "first" => Value::Bool(l.index.get() == 0),
        "last" => Value::Bool(!l.has_next.get()),
        "parent" => l.parent.clone().map_or(Value::Null, Value::Loop),
        "topmost" => {
            let mut cur = l;
            while let Some(p) = &cur.parent {
                cur = p;
            }
            Value::Loop(Rc::new(LoopInfo {
                index: Cell::new(cur.index.get()),
                has_next: Cell::new(cur.has_next.get()),
                parent: None,
            }))
        }
        _ => Value::Null,
    }
}

pub(super) fn map_get(m: &crate::value::MapObj, k: &Value) -> Value {
    m.entries
        .borrow()
        .iter()
        .find(|(x, _)| key_matches(x, k))
        .map_or(Value::Null, |(_, v)| v.clone())
}

/// `map_get(m, name)` for a property name, without building a string value for the key.
pub(super) fn map_get_str(m: &crate::value::MapObj, name: &str) -> Value {
    m.entries
        .borrow()
        .iter()
        .find(|(x, _)| with_str(x, |k| k == name).unwrap_or(false))
        .map_or(Value::Null, |(_, v)| v.clone())
}

/// The object a modifying method changes: a JSON container is materialized first (the change
/// then shows through every holder of the document), anything else is itself.
fn to_modify(v: &Value) -> Value {
    match v {
        Value::Json(inst, i) => materialize(inst, *i),
        other => other.clone(),
    }
}

/// `Map.put`: returns the previous value (null when new).
pub(super) fn map_put(m: &crate::value::MapObj, k: Value, v: Value) -> Value {
    let mut e = m.entries.borrow_mut();
    if let Some(slot) = e.iter_mut().find(|(x, _)| key_matches(x, &k)) {
        return std::mem::replace(&mut slot.1, v);
    }
    e.push((k, v));
    Value::Null
}

fn number_call(v: &Value, name: &str, args: &[Value]) -> Value {
    let Some(n) = v.as_number() else {
        return Value::Null;
    };
    match (name, args) {
        ("intValue" | "shortValue" | "byteValue", []) => Value::Int(match n {
            Num::I(i) => i64::from(i as i32),
            Num::F(f) => i64::from(f as i32),
        }),
        ("longValue", []) => Value::Int(match n {
            Num::I(i) => i,
            Num::F(f) => f as i64,
        }),
        ("doubleValue" | "floatValue", []) => Value::Float(n.to_f64()),
        ("compareTo", [x]) => match x.as_number().and_then(|x| n.cmp(x)) {
            Some(o) => Value::Int(o as i64),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

impl Renderer<'_> {
    // ----- Java methods ------------------------------------------------------------------

    pub(super) fn call(
        &mut self,
        v: &Value,
        name: &str,
        args: &[Value],
        regex: Option<&Pattern>,
        r: &Reference,
    ) -> RResult<Value> {
        match v {
            Value::Input => return self.input_call(name, args, r),
            Value::Util => return self.util_call(name, args, r),
            _ => {}
        }
        // Methods every object has.
        match (name, args) {
            ("toString", []) => {
                return Ok(match v {
                    Value::Block(id) => {
                        let id = *id;
                        let saved = std::mem::take(&mut self.out);
                        let res = self.render_define(id);
                        let s = std::mem::replace(&mut self.out, saved);
                        res?;
                        Value::str(s)
                    }
                    Value::Str(_) => v.clone(),
                    _ => Value::str(to_plain_string(v)),
                });
            }
            ("equals", [x]) => return Ok(Value::Bool(java_equals(v, x))),
            _ => {}
        }
        if is_string(v) {
            let s = v.as_str().unwrap_or_default();
            return self.string_call(&s, name, args, regex, r);
        }
        let kind = match v {
            Value::Json(inst, i) => Some(inst.doc.node(*i).kind),
            _ => None,
        };
        match v {
            Value::List(_) => self.list_call(v, name, args, r),
            Value::Json(..) if kind == Some(Kind::Arr) => self.list_call(v, name, args, r),
            Value::Map(_) => Ok(self.map_call(v, name, args)),
            Value::Json(..) if kind == Some(Kind::Obj) => Ok(self.map_call(v, name, args)),
            Value::Int(_) | Value::Float(_) => Ok(number_call(v, name, args)),
            Value::Json(..) if kind == Some(Kind::Num) => Ok(number_call(v, name, args)),
            Value::Bool(b) => Ok(match (name, args) {
                ("booleanValue", []) => Value::Bool(*b),
                _ => Value::Null,
            }),
            Value::Loop(l) => Ok(match (name, args) {
                ("hasNext", []) => Value::Bool(l.has_next.get()),
                _ => match name.strip_prefix("get").or_else(|| name.strip_prefix("is")) {
                    Some(p) if args.is_empty() => {
                        let mut p = p.to_owned();
                        if let Some(f) = p.get_mut(..1) {
                            f.make_ascii_lowercase();
                        }
                        loop_prop(l, &p)
                    }
                    _ => Value::Null,
                },
            }),
            Value::Entry(e) => Ok(match (name, args) {
                ("getKey", []) => e.0.clone(),
                ("getValue", []) => e.1.clone(),
                _ => Value::Null,
            }),
            _ => Ok(Value::Null),
        }
    }

    fn list_call(
        &mut self,
        v: &Value,
        name: &str,
        args: &[Value],
        r: &Reference,
    ) -> RResult<Value> {
        // Read-only methods work on views; the others materialize JSON arrays first.
        let read = |v: &Value| -> Vec<Value> { list_items(v) };
        match (name, args) {
            ("size", []) => {
                return Ok(Value::Int(match v {
                    Value::Json(inst, i) => i64::from(inst.doc.node(*i).len),
                    _ => read(v).len() as i64,
                }))
            }
            ("isEmpty", []) => return Ok(Value::Bool(read(v).is_empty())),
            ("get", [i]) => return self.index(v, i, r).map(|x| x.resolve()),
            ("contains", [x]) => return Ok(Value::Bool(read(v).iter().any(|y| java_equals(y, x)))),
            ("indexOf" | "lastIndexOf", [x]) => {
                let items = read(v);
                let mut equal = items.iter().map(|y| java_equals(y, x));
                let found = if name == "indexOf" {
                    equal.position(|e| e)
                } else {
                    equal.rposition(|e| e)
                };
                return Ok(Value::Int(found.map_or(-1, |p| p as i64)));
            }
            ("subList", [a, b]) => {
                let items = read(v);
                let (Some(a), Some(b)) = (a.as_int(), b.as_int()) else {
                    return Ok(Value::Null);
                };
                if a < 0 || b > items.len() as i64 || a > b {
                    return self.method_err(r.pos, format!("subList({a}, {b}) out of range"));
                }
                let json = matches!(v, Value::Json(..)) || matches!(v, Value::List(l) if l.json);
                return Ok(Value::new_list(
                    items[a as usize..b as usize].to_vec(),
                    json,
                ));
            }
            _ => {}
        }
        let owned = to_modify(v);
        let Value::List(l) = &owned else {
            return Ok(Value::Null);
        };
        let len = l.items.borrow().len() as i64;
        let oob = |this: &Self, i: i64| {
            this.method_err(r.pos, format!("index {i} out of bounds for length {len}"))
        };
        Ok(match (name, args) {
            ("add", [x]) => {
                self.step()?;
                l.items.borrow_mut().push(x.clone());
                Value::Bool(true)
            }
            ("add", [i, x]) if i.as_int().is_some() => {
                let i = i.as_int().unwrap_or(0);
                if i < 0 || i > len {
                    return oob(self, i);
                }
                l.items.borrow_mut().insert(i as usize, x.clone());
                Value::Null
            }
            ("addAll", [x]) => {
                let extra = list_items(x);
                self.steps_left = self.steps_left.saturating_sub(extra.len() as u64);
                self.step()?;
                let changed = !extra.is_empty();
                l.items.borrow_mut().extend(extra);
                Value::Bool(changed)
            }
            ("set", [i, x]) => {
                let Some(i) = i.as_int() else {
                    return Ok(Value::Null);
                };
                if i < 0 || i >= len {
                    return oob(self, i);
                }
                std::mem::replace(&mut l.items.borrow_mut()[i as usize], x.clone())
            }
            ("remove", [x]) => match x.as_int() {
                Some(i) => {
                    if i < 0 || i >= len {
                        return oob(self, i);
                    }
                    l.items.borrow_mut().remove(i as usize)
                }
                None => {
                    let pos = l.items.borrow().iter().position(|y| java_equals(y, x));
                    if let Some(p) = pos {
                        l.items.borrow_mut().remove(p);
                    }
                    Value::Bool(pos.is_some())
                }
            },
            ("clear", []) => {
                l.items.borrow_mut().clear();
                Value::Null
            }
            _ => Value::Null,
        })
    }

    fn map_call(&mut self, v: &Value, name: &str, args: &[Value]) -> Value {
        match (name, args) {
            ("size", []) => {
                return Value::Int(match v {
                    Value::Json(inst, i) => i64::from(inst.doc.node(*i).len),
                    _ => map_entries(v).len() as i64,
                })
            }
            ("isEmpty", []) => return Value::Bool(map_entries(v).is_empty()),
            ("get", [k]) => {
                return match v {
                    Value::Map(m) => map_get(m, k),
                    _ => match k.as_str() {
                        Some(key) => self.prop(v, &key),
                        None => Value::Null,
                    },
                }
            }
            ("getOrDefault", [k, d]) => {
                let found = map_entries(v).into_iter().find(|(x, _)| key_matches(x, k));
                return found.map_or_else(|| d.clone(), |(_, x)| x);
            }
            ("containsKey", [k]) => {
                return Value::Bool(map_entries(v).iter().any(|(x, _)| key_matches(x, k)))
            }
            ("containsValue", [x]) => {
                return Value::Bool(map_entries(v).iter().any(|(_, y)| java_equals(y, x)))
            }
            ("keySet", []) => {
                return Value::new_list(map_entries(v).into_iter().map(|(k, _)| k).collect(), false)
            }
            ("values", []) => {
                return Value::new_list(map_entries(v).into_iter().map(|(_, x)| x).collect(), false)
            }
            ("entrySet", []) => {
                return Value::new_list(
                    map_entries(v)
                        .into_iter()
                        .map(|e| Value::Entry(Rc::new(e)))
                        .collect(),
                    false,
                )
            }
            _ => {}
        }
        let owned = to_modify(v);
        let Value::Map(m) = &owned else {
            return Value::Null;
        };
        match (name, args) {
            ("put", [k, x]) => map_put(m, k.clone(), x.clone()),
            ("putAll", [x]) => {
                for (k, y) in map_entries(x) {
                    map_put(m, k, y);
                }
                Value::Null
            }
            ("remove", [k]) => {
                let mut e = m.entries.borrow_mut();
                match e.iter().position(|(x, _)| key_matches(x, k)) {
                    Some(p) => e.remove(p).1,
                    None => Value::Null,
                }
            }
            ("clear", []) => {
                m.entries.borrow_mut().clear();
                Value::Null
            }
            _ => Value::Null,
        }
    }
}
