//! Expression evaluation: literals, operators (Velocity 1.7 arithmetic and comparisons),
//! references with their chains of properties, indexes and method calls.

use crate::ast::{BinOp, CmpOp, Expr, Part, Reference};
use crate::json::Kind;
use crate::parser::SLOT_CONTEXT;
use crate::value::{from_serde, json_child, to_plain_string, velocity_eq, Flavor, Num, Value};

use super::fast::json_walk;
use super::methods::{loop_prop, map_get, map_get_str};
use super::{is_string, key_matches, truthy, RResult, Renderer};

/// Velocity 1.7 `MathUtils`: integer arithmetic stays integral (overflow widens to double),
/// division and modulo by zero give null.
fn arith(op: BinOp, a: Num, b: Num) -> Value {
    match (a, b) {
        (Num::I(x), Num::I(y)) => {
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::Div => {
                    if y == 0 {
                        return Value::Null;
                    }
                    x.checked_div(y)
                }
                BinOp::Mod => {
                    if y == 0 {
                        return Value::Null;
                    }
                    Some(x.wrapping_rem(y))
                }
                _ => return Value::Null,
            };
            r.map_or_else(|| arith(op, Num::F(x as f64), Num::F(y as f64)), Value::Int)
        }
        _ => {
            let (x, y) = (a.to_f64(), b.to_f64());
            if matches!(op, BinOp::Div | BinOp::Mod) && y == 0.0 {
                return Value::Null;
            }
            Value::Float(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                BinOp::Mod => x % y,
                _ => return Value::Null,
            })
        }
    }
}

impl Renderer<'_> {
    // ----- expressions -------------------------------------------------------------------

    pub(super) fn eval(&mut self, e: &Expr) -> RResult<Value> {
        self.step()?;
        Ok(match e {
            Expr::Ref(r) => self.eval_ref(r)?,
            Expr::Str(s) => Value::Str(s.clone()),
            Expr::Interp(b) => {
                let s = self.render_to_string(b)?;
                Value::str(s)
            }
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::List(items) => {
                let mut v = Vec::with_capacity(items.len());
                for i in items {
                    v.push(self.eval(i)?);
                }
                Value::new_list(v, false)
            }
            Expr::Map(entries) => {
                let mut v: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
                for (k, x) in entries {
                    let k = self.eval(k)?.resolve();
                    let x = self.eval(x)?;
                    if let Some(slot) = v.iter_mut().find(|(k2, _)| key_matches(k2, &k)) {
                        slot.1 = x;
                    } else {
                        v.push((k, x));
                    }
                }
                Value::new_map(v, Flavor::Java)
            }
            Expr::Range(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let as_i = |v: &Value| {
                    v.as_int()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                };
                match (as_i(&a), as_i(&b)) {
                    (Some(x), Some(y)) => {
                        let n = x.abs_diff(y).saturating_add(1);
                        self.steps_left = self.steps_left.saturating_sub(n);
                        self.step()?;
                        let items: Vec<Value> = if x <= y {
                            (x..=y).map(Value::Int).collect()
                        } else {
                            (y..=x).rev().map(Value::Int).collect()
                        };
                        Value::new_list(items, false)
                    }
                    _ => Value::Null,
                }
            }
            Expr::Not(e) => {
                let v = self.eval(e)?;
                Value::Bool(!truthy(&v))
            }
            Expr::Bin(op, l, r) => self.binary(*op, l, r)?,
        })
    }

    fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr) -> RResult<Value> {
        match op {
            BinOp::And => {
                let a = self.eval(l)?;
                if !truthy(&a) {
                    return Ok(Value::Bool(false));
                }
                let b = self.eval(r)?;
                return Ok(Value::Bool(truthy(&b)));
            }
            BinOp::Or => {
                let a = self.eval(l)?;
                if truthy(&a) {
                    return Ok(Value::Bool(true));
                }
                let b = self.eval(r)?;
                return Ok(Value::Bool(truthy(&b)));
            }
            _ => {}
        }
        let a = self.eval(l)?.resolve();
        let b = self.eval(r)?.resolve();
        Ok(match op {
            BinOp::Cmp(CmpOp::Eq) => Value::Bool(velocity_eq(&a, &b)),
            BinOp::Cmp(CmpOp::Ne) => Value::Bool(!velocity_eq(&a, &b)),
            BinOp::Cmp(cmp) => {
                let ord = match (a.as_number(), b.as_number()) {
                    (Some(x), Some(y)) => x.cmp(y),
                    _ => None,
                };
                Value::Bool(cmp.holds(ord))
            }
            BinOp::Add if is_string(&a) || is_string(&b) => {
                let lit = |e: &Expr| match e {
                    Expr::Ref(r) => r.literal.to_string(),
                    _ => String::new(),
                };
                let mut s = if a.is_null() {
                    lit(l)
                } else {
                    to_plain_string(&a)
                };
                if b.is_null() {
                    s.push_str(&lit(r));
                } else {
                    s.push_str(&to_plain_string(&b));
                }
                self.check_len(s.len())?;
                Value::str(s)
            }
            _ => match (a.as_number(), b.as_number()) {
                (Some(x), Some(y)) => arith(op, x, y),
                _ => Value::Null,
            },
        })
    }

    pub(super) fn eval_ref(&mut self, r: &Reference) -> RResult<Value> {
        self.eval_ref_parts(r, &r.parts)
    }

    /// [`Self::eval_ref`] of `r` with only its first accesses, `parts`.
    pub(super) fn eval_ref_parts(&mut self, r: &Reference, parts: &[Part]) -> RResult<Value> {
        // A variable holding a JSON node is walked in place: no clone of the variable and no
        // value per step.
        let walked = match &self.vars[r.slot] {
            Value::Json(inst, i) => {
                json_walk(inst, *i, parts, &mut self.hints).map(|(cur, k, missing)| {
                    // `resolve` without looking at the overlay again (`json_walk` found it
                    // empty).
                    let v = match inst.doc.node(cur).kind {
                        _ if missing => Value::Null,
                        Kind::Null => Value::Null,
                        Kind::True => Value::Bool(true),
                        Kind::False => Value::Bool(false),
                        Kind::Num | Kind::Str | Kind::Arr | Kind::Obj => {
                            Value::Json(inst.clone(), cur)
                        }
                    };
                    (v, k)
                })
            }
            _ => None,
        };
        // `$context.requestId` and the like while `$context` is still the request's: read from
        // the request's context, without building the whole `$context` map (and converting it
        // back for the overrides after rendering).
        let walked = match walked {
            None if r.slot == SLOT_CONTEXT && matches!(self.vars[r.slot], Value::Lazy(_)) => {
                self.context_walk(parts)
            }
            w => w,
        };
        // Accesses return resolved values, so only the variable itself needs resolving.
        let (mut v, mut k) = match walked {
            Some((v, k)) => {
                self.add_steps(k as u64)?;
                if k > 0 && v.is_null() {
                    return Ok(Value::Null);
                }
                (v, k)
            }
            None => (self.var(r.slot).resolve(), 0),
        };
        let mut resolved = true;
        while let Some(part) = parts.get(k) {
            if v.is_null() {
                return Ok(Value::Null);
            }
            // Fast path: a chain of properties through objects of an unmodified JSON document
            // walks node indexes and builds one value at the end (same steps, same result as
            // `part` on each intermediate view).
            if let (Value::Json(inst, i), Part::Prop(..)) = (&v, part) {
                let doc = &inst.doc;
                if doc.node(*i).kind == Kind::Obj && inst.overlay.borrow().is_empty() {
                    let mut cur = *i;
                    while let Some(Part::Prop(name, _)) = parts.get(k) {
                        if doc.node(cur).kind != Kind::Obj {
                            break;
                        }
                        self.step()?;
                        k += 1;
                        match doc.member(cur, name) {
                            Some(c) => cur = c,
                            None => return Ok(Value::Null),
                        }
                    }
                    if let Value::Json(_, i) = &mut v {
                        *i = cur;
                    }
                    v = v.resolve();
                    resolved = true;
                    continue;
                }
            }
            v = self.part(&v, part, r)?;
            resolved = false;
            k += 1;
        }
        Ok(if resolved { v } else { v.resolve() })
    }

    /// Reads `$context.a.b…` from the request's context while `$context` has not been built:
    /// the value and the number of properties consumed (one step each), as accessing the
    /// built map would give. `None` for the overrides (which get defaults when built), for
    /// `$context` itself and for chains that end at a map or list.
    fn context_walk(&self, parts: &[Part]) -> Option<(Value, usize)> {
        let Some(Part::Prop(first, _)) = parts.first() else {
            return None;
        };
        if &**first == "requestOverride" || &**first == "responseOverride" {
            return None;
        }
        let mut cur = match self.ctx.context.get(&**first) {
            Some(v) => v,
            None => return Some((Value::Null, 1)),
        };
        let mut k = 1;
        while let (Some(Part::Prop(name, _)), serde_json::Value::Object(m)) = (parts.get(k), cur) {
            k += 1;
            match m.get(&**name) {
                Some(v) => cur = v,
                None => return Some((Value::Null, k)),
            }
        }
        // Maps and lists are left to the built `$context`: the template may modify them, and
        // the change must show through `$context` afterwards.
        match cur {
            serde_json::Value::Object(_) | serde_json::Value::Array(_) => None,
            leaf => Some((from_serde(leaf, Flavor::Context), k)),
        }
    }

    pub(super) fn part(&mut self, v: &Value, part: &Part, r: &Reference) -> RResult<Value> {
        self.step()?;
        match part {
            Part::Prop(name, _) => Ok(self.prop(v, name)),
            Part::Index(e) => {
                let k = self.eval(e)?.resolve();
                self.index(v, &k, r)
            }
            // Up to two arguments (nearly every call) live on the stack, not in a `Vec`.
            Part::Method { name, args, regex } => match &args[..] {
                [] => self.call(v, name, &[], regex.as_deref(), r),
                [a] => {
                    let argv = [self.eval(a)?.resolve()];
                    self.call(v, name, &argv, regex.as_deref(), r)
                }
                [a, b] => {
                    let a = self.eval(a)?.resolve();
                    let argv = [a, self.eval(b)?.resolve()];
                    self.call(v, name, &argv, regex.as_deref(), r)
                }
                _ => {
                    let mut argv = Vec::with_capacity(args.len());
                    for a in args {
                        argv.push(self.eval(a)?.resolve());
                    }
                    self.call(v, name, &argv, regex.as_deref(), r)
                }
            },
        }
    }

    // ----- properties, indexes -----------------------------------------------------------

    pub(super) fn prop(&mut self, v: &Value, name: &str) -> Value {
        match v {
            Value::Map(m) => map_get_str(m, name),
            Value::Json(inst, i) => {
                let doc = &inst.doc;
                match doc.node(*i).kind {
                    Kind::Obj => doc
                        .member(*i, name)
                        .map_or(Value::Null, |c| json_child(inst, c)),
                    Kind::Arr => match name {
                        "empty" => Value::Bool(doc.node(*i).len == 0),
                        _ => Value::Null,
                    },
                    Kind::Str => match name {
                        "empty" => Value::Bool(doc.node(*i).end == doc.node(*i).start),
                        _ => Value::Null,
                    },
                    _ => Value::Null,
                }
            }
            Value::List(l) => match name {
                "empty" => Value::Bool(l.items.borrow().is_empty()),
                _ => Value::Null,
            },
            Value::Str(s) => match name {
                "empty" => Value::Bool(s.is_empty()),
                _ => Value::Null,
            },
            Value::Input => match name {
                "body" => Value::Str(self.body()),
                _ => Value::Null,
            },
            Value::Loop(l) => loop_prop(l, name),
            Value::Entry(e) => match name {
                "key" => e.0.clone(),
                "value" => e.1.clone(),
                _ => Value::Null,
            },
            _ => Value::Null,
        }
    }

    pub(super) fn index(&mut self, v: &Value, k: &Value, r: &Reference) -> RResult<Value> {
        match v {
            Value::Map(m) => Ok(map_get(m, k)),
            Value::Json(inst, i) => {
                let doc = &inst.doc;
                let n = doc.node(*i);
                match n.kind {
                    Kind::Obj => Ok(match k.as_str() {
                        Some(key) => doc
                            .member(*i, &key)
                            .map_or(Value::Null, |c| json_child(inst, c)),
                        None => Value::Null,
                    }),
                    Kind::Arr => {
                        let Some(idx) = k.as_int() else {
                            return Ok(Value::Null);
                        };
                        let len = i64::from(n.len);
                        let j = if idx < 0 { idx + len } else { idx };
                        match (j >= 0).then(|| doc.element(*i, j as usize)).flatten() {
                            Some(c) => Ok(json_child(inst, c)),
                            None => self.method_err(
                                r.pos,
                                format!("index {idx} out of bounds for length {len}"),
                            ),
                        }
                    }
                    _ => Ok(Value::Null),
                }
            }
            Value::List(l) => {
                let Some(idx) = k.as_int() else {
                    return Ok(Value::Null);
                };
                let items = l.items.borrow();
                let len = items.len() as i64;
                let j = if idx < 0 { idx + len } else { idx };
                match (j >= 0).then(|| items.get(j as usize)).flatten() {
                    Some(x) => Ok(x.clone()),
                    None => self
                        .method_err(r.pos, format!("index {idx} out of bounds for length {len}")),
                }
            }
            _ => Ok(Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_follows_java() {
        let cases: &[(BinOp, Num, Num, &str)] = &[
            (BinOp::Div, Num::I(7), Num::I(2), "3"),
            (BinOp::Mod, Num::I(-7), Num::I(2), "-1"),
            (BinOp::Div, Num::I(1), Num::I(0), ""),
            (
                BinOp::Div,
                Num::I(i64::MIN),
                Num::I(-1),
                "9.223372036854776E18",
            ),
            (BinOp::Add, Num::F(0.1), Num::F(0.2), "0.30000000000000004"),
            (BinOp::Mul, Num::I(3), Num::F(1.5), "4.5"),
        ];
        for (op, a, b, want) in cases {
            assert_eq!(
                to_plain_string(&arith(*op, *a, *b)),
                *want,
                "{op:?} {a:?} {b:?}"
            );
        }
    }
}
