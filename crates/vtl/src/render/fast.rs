//! The fast paths: references printed and `#if` conditions decided straight from an unmodified
//! JSON document, without building values (`write_ref`, `cond`, each with its `*_slow` general
//! path), and `#foreach` bodies compiled at parse time ([`LoopOps`]) run from each item's node
//! (`foreach_ops`, `run_ops`, `run_general`; `Renderer::foreach` chooses them).
//!
//! Each must give exactly what the general path gives: the same output, overrides and errors,
//! including which limit fails and where. The proof is the differential test,
//! `tests/it/differential.rs`: random templates rendered through these paths and through
//! `Template::render_reference`, which turns them off (`Renderer::fast`), must agree.

use std::rc::Rc;

use crate::ast::{BinOp, CmpOp, Expr, LoopOps, Op, Part, Pattern, Reference};
use crate::json::{same_bytes, Kind};
use crate::parser::SLOT_UTIL;
use crate::util;
use crate::value::{JsonInst, Value};

use super::methods::loop_prop;
use super::output::{push_span, push_text, write_json_leaf};
use super::{truthy, RResult, Renderer};

/// Where a chain of properties leads through the objects of an unmodified JSON document,
/// without building a value per step: the node reached, how many parts were consumed (one step
/// each), and whether the last consumed member was missing (the reference is then null). Stops
/// at the first part that is not a property of an object. `None` when the template has modified
/// the document (the overlay must be consulted).
#[inline(always)]
pub(super) fn json_walk(
    inst: &JsonInst,
    start: u32,
    parts: &[Part],
    hints: &mut [u32],
) -> Option<(u32, usize, bool)> {
    if !inst.overlay.borrow().is_empty() {
        return None;
    }
    let doc = &inst.doc;
    let mut cur = start;
    let mut k = 0;
    while let Some(Part::Prop(name, slot)) = parts.get(k) {
        if doc.node(cur).kind != Kind::Obj {
            break;
        }
        k += 1;
        let mut none = 0;
        let hint = hints.get_mut(*slot).unwrap_or(&mut none);
        match doc.member_hinted(cur, name, hint) {
            Some(c) => cur = c,
            None => return Some((cur, k, true)),
        }
    }
    Some((cur, k, false))
}

/// `$item.name` as `write_ref` prints it: a missing member prints nothing, same steps.
#[inline(always)]
fn prop(inst: &Rc<JsonInst>, item: u32, name: &str, hint: &mut u32, out: &mut String) {
    let doc = &*inst.doc;
    if let Some(c) = doc.member_hinted(item, name, hint) {
        let n = doc.node(c);
        if n.plain || (n.kind == Kind::Str && !n.escaped) {
            push_span(out, &doc.src, n.start, n.end);
        } else {
            write_json_leaf(inst, c, out);
        }
    }
}

// `Renderer::run_general` repeats the printing arms of this match on purpose: sharing them
// through one function (or `Op` methods) cost 15 k more instructions per benchmark render
// (callgrind), as the hot loop then dispatches twice.
/// One iteration of a loop body compiled to `ops` ([`LoopOps`]) over object `item`: prints
/// what the body's nodes would print; returns the steps they would take (the caller has
/// checked that the limit allows them).
pub(super) fn run_ops(
    ops: &[Op],
    inst: &Rc<JsonInst>,
    item: u32,
    has_next: bool,
    out: &mut String,
    hints: &mut [u32],
) -> u64 {
    let mut none = 0;
    // The loop's own step.
    let mut steps = 1;
    for op in ops {
        match op {
            Op::Text(t) => {
                steps += 1;
                push_text(out, t);
            }
            Op::TextProp(t, name, hint) => {
                steps += 3;
                push_text(out, t);
                prop(
                    inst,
                    item,
                    name,
                    hints.get_mut(*hint).unwrap_or(&mut none),
                    out,
                );
            }
            Op::Prop(name, hint) => {
                steps += 2;
                prop(
                    inst,
                    item,
                    name,
                    hints.get_mut(*hint).unwrap_or(&mut none),
                    out,
                );
            }
            Op::IfHasNext { then, otherwise } => {
                steps += 3;
                if let Some(t) = if has_next { then } else { otherwise } {
                    steps += 1;
                    push_text(out, t);
                }
            }
            Op::Fixed {
                next,
                last,
                steps_next,
                steps_last,
            } => {
                if has_next {
                    steps += steps_next;
                    push_text(out, next);
                } else {
                    steps += steps_last;
                    push_text(out, last);
                }
            }
            // Only in bodies without `max_steps`, run by `Renderer::run_general`.
            Op::IfEq { .. } | Op::EscapeReplace { .. } | Op::Loop { .. } => {}
        }
    }
    steps
}

impl Renderer<'_> {
    /// Prints `$ref`, taking the step of its node. A property chain through an unmodified JSON
    /// document (`$item.sku`, the bulk of a response template) is printed straight from the
    /// document, without building a value; the steps and output are those of
    /// [`Self::eval_ref`] and [`Self::write_value`]. The node's step is counted with the walk's
    /// (nothing between them can fail or be seen: the walk has no effect and an error discards
    /// the output), one limit check instead of two.
    #[inline(always)]
    pub(super) fn write_ref(&mut self, r: &Reference) -> RResult<()> {
        if let (true, Value::Json(inst, i)) = (self.fast, &self.vars[r.slot]) {
            if let Some((cur, k, missing)) = json_walk(inst, *i, &r.parts, &mut self.hints) {
                if missing || k == r.parts.len() {
                    if !missing {
                        let doc = &inst.doc;
                        let n = doc.node(cur);
                        // Unescaped strings and numbers that print as written (nearly every
                        // leaf of a body) are copied here; other leaves out of line.
                        if n.plain || (n.kind == Kind::Str && !n.escaped) {
                            push_span(&mut self.out, &doc.src, n.start, n.end);
                        } else {
                            write_json_leaf(inst, cur, &mut self.out);
                        }
                    }
                    self.add_steps(k as u64 + 1)?;
                    return self.check_len(self.out.len());
                }
            }
        }
        self.write_ref_slow(r)
    }

    /// [`Self::write_ref`] of anything but a property chain through an unmodified document.
    #[inline(never)]
    fn write_ref_slow(&mut self, r: &Reference) -> RResult<()> {
        self.step()?;
        if let Some((Part::Method { name, args, regex }, init)) = r.parts.split_last() {
            if let (
                "replaceAll" | "replaceFirst",
                [Expr::Str(_), Expr::Str(rep)],
                Some(Pattern {
                    literal: Some(lit), ..
                }),
            ) = (&**name, &args[..], regex.as_deref())
            {
                if !rep.contains(['$', '\\']) {
                    return self.write_literal_replace(
                        r,
                        init,
                        &**name == "replaceFirst",
                        args,
                        lit,
                        rep,
                    );
                }
            }
        }
        if let ([Part::Method { name, args, .. }], Value::Util) = (&r.parts[..], &self.vars[r.slot])
        {
            if let ("escapeJavaScript", [arg]) = (&**name, &args[..]) {
                return self.write_escaped(arg);
            }
        }
        let v = self.eval_ref(r)?;
        self.write_value(&v)
    }

    /// Truth of an `#if`/`#elseif` condition. `$foreach.hasNext` and `$json.prop == "text"`
    /// are decided without building values (same steps and result as evaluating them).
    #[inline(always)]
    pub(super) fn cond(&mut self, e: &Expr) -> RResult<bool> {
        if !self.fast {
            return self.cond_slow(e);
        }
        match e {
            Expr::Ref(r) => {
                if let (Value::Loop(l), [Part::Prop(name, _)]) = (&self.vars[r.slot], &r.parts[..])
                {
                    let b = match &**name {
                        "hasNext" => l.has_next.get(),
                        "first" => l.index.get() == 0,
                        "last" => !l.has_next.get(),
                        _ => truthy(&loop_prop(l, name)),
                    };
                    // `eval` and the property access.
                    self.add_steps(2)?;
                    return Ok(b);
                }
            }
            Expr::Bin(BinOp::Cmp(op @ (CmpOp::Eq | CmpOp::Ne)), l, rhs) => {
                if let (Expr::Ref(a), Expr::Str(lit)) = (&**l, &**rhs) {
                    if let Some((eq, k)) = self.json_str_eq(a, lit) {
                        // `eval` of the operator and of both operands, plus the accesses.
                        self.add_steps(3 + k as u64)?;
                        return Ok(eq == (*op == CmpOp::Eq));
                    }
                }
            }
            _ => {}
        }
        self.cond_slow(e)
    }

    /// [`Self::cond`] by evaluating the condition.
    #[inline(never)]
    fn cond_slow(&mut self, e: &Expr) -> RResult<bool> {
        let v = self.eval(e)?;
        Ok(truthy(&v))
    }

    /// `velocity_eq($ref, "lit")` and the steps of evaluating `$ref`, when `$ref` is a
    /// property chain through an unmodified JSON document ending at a string, null or nothing.
    #[inline(always)]
    fn json_str_eq(&mut self, r: &Reference, lit: &str) -> Option<(bool, usize)> {
        let Value::Json(inst, i) = &self.vars[r.slot] else {
            return None;
        };
        let (cur, k, missing) = json_walk(inst, *i, &r.parts, &mut self.hints)?;
        // `null == ""` holds (AWS); a missing member is null.
        if missing {
            return Some((lit.is_empty(), k));
        }
        if k != r.parts.len() {
            return None;
        }
        let doc = &inst.doc;
        let n = doc.node(cur);
        match n.kind {
            Kind::Str if n.escaped => Some((doc.string(cur) == lit, k)),
            Kind::Str => {
                let text = doc.src.as_bytes().get(n.start as usize..n.end as usize)?;
                Some((same_bytes(text, lit.as_bytes()), k))
            }
            Kind::Null => Some((lit.is_empty(), k)),
            _ => None,
        }
    }

    /// A whole `#foreach` over the `len` items from `first` of an unmodified JSON array, with
    /// its body compiled to `ops`, when every item is an object and the steps limit allows
    /// any path through all iterations: the body runs from each item's node, and the loop
    /// variables (which nothing could observe) are never set. `None`, having done nothing,
    /// otherwise.
    pub(super) fn foreach_ops(
        &mut self,
        ops: &LoopOps,
        inst: &Rc<JsonInst>,
        first: u32,
        len: u32,
    ) -> Option<RResult<()>> {
        let max_steps = ops.max_steps?;
        let doc = &inst.doc;
        let n = (len as usize).min(self.limits.max_foreach);
        let mut cur = first;
        for _ in 0..n {
            if doc.nodes.get(cur as usize)?.kind != Kind::Obj {
                return None;
            }
            cur = doc.node(cur).next;
        }
        // A loop that runs out of items takes one more step, to find that out.
        let exhausted = u64::from(n < self.limits.max_foreach);
        let most = (n as u64).checked_mul(max_steps)?.checked_add(exhausted)?;
        if self.steps_left < most {
            return None;
        }
        let mut cur = first;
        for k in 0..n {
            let item = cur;
            cur = doc.node(item).next;
            self.steps_left -= run_ops(
                &ops.ops,
                inst,
                item,
                k + 1 < len as usize,
                &mut self.out,
                &mut self.hints,
            );
            // The output only grows, and no other error can come first.
            if let Err(e) = self.check_len(self.out.len()) {
                return Some(Err(e));
            }
        }
        self.steps_left -= exhausted;
        Some(Ok(()))
    }

    /// One iteration over object `item` of a loop body compiled to `ops` without a bound on
    /// its steps ([`LoopOps`]): prints what the body's nodes would print and returns the steps
    /// they would take, or `None` when an item or member is one the ops do not print (the
    /// caller then undoes the output and runs the nodes). Limits are left to the caller: the
    /// nodes would fail where the steps or the output first exceed them, and neither can
    /// shrink, except the escaped string, checked here on its own.
    pub(super) fn run_general(
        &mut self,
        ops: &[Op],
        inst: &Rc<JsonInst>,
        item: u32,
        has_next: bool,
    ) -> Option<u64> {
        let doc = &*inst.doc;
        let mut none = 0;
        let mut steps = 0;
        for op in ops {
            match op {
                Op::Text(t) => {
                    steps += 1;
                    push_text(&mut self.out, t);
                }
                Op::TextProp(t, name, hint) => {
                    steps += 3;
                    push_text(&mut self.out, t);
                    let hint = self.hints.get_mut(*hint).unwrap_or(&mut none);
                    prop(inst, item, name, hint, &mut self.out);
                }
                Op::Prop(name, hint) => {
                    steps += 2;
                    let hint = self.hints.get_mut(*hint).unwrap_or(&mut none);
                    prop(inst, item, name, hint, &mut self.out);
                }
                Op::IfHasNext { then, otherwise } => {
                    steps += 3;
                    if let Some(t) = if has_next { then } else { otherwise } {
                        steps += 1;
                        push_text(&mut self.out, t);
                    }
                }
                Op::Fixed {
                    next,
                    last,
                    steps_next,
                    steps_last,
                } => {
                    if has_next {
                        steps += steps_next;
                        push_text(&mut self.out, next);
                    } else {
                        steps += steps_last;
                        push_text(&mut self.out, last);
                    }
                }
                Op::IfEq {
                    branches,
                    otherwise,
                } => {
                    steps += 1;
                    let mut chosen = otherwise;
                    for b in branches {
                        // As `cond` through `json_str_eq`: a string, null or missing member.
                        steps += 4;
                        let hint = self.hints.get_mut(b.hint).unwrap_or(&mut none);
                        let same = match doc.member_hinted(item, &b.name, hint) {
                            None => b.lit.is_empty(),
                            Some(c) => {
                                let n = doc.node(c);
                                match n.kind {
                                    Kind::Str if n.escaped => doc.string(c) == *b.lit,
                                    Kind::Str => same_bytes(
                                        doc.src.as_bytes().get(n.start as usize..n.end as usize)?,
                                        b.lit.as_bytes(),
                                    ),
                                    Kind::Null => b.lit.is_empty(),
                                    _ => return None,
                                }
                            }
                        };
                        if same == b.eq {
                            chosen = &b.then;
                            break;
                        }
                    }
                    steps += self.run_general(chosen, inst, item, has_next)?;
                }
                Op::EscapeReplace {
                    name,
                    hint,
                    first_only,
                    lit,
                    rep,
                } => {
                    // As `write_ref_slow` through `write_literal_replace`: the node, the
                    // `escapeJavaScript` call, its argument and the access; a null or
                    // missing member stops there.
                    if !matches!(self.vars[SLOT_UTIL], Value::Util) {
                        return None;
                    }
                    steps += 4;
                    let hint = self.hints.get_mut(*hint).unwrap_or(&mut none);
                    let Some(c) = doc.member_hinted(item, name, hint) else {
                        continue;
                    };
                    let n = doc.node(c);
                    match n.kind {
                        Kind::Null => continue,
                        Kind::Str if !n.escaped => {}
                        _ => return None,
                    }
                    let s = doc.src.get(n.start as usize..n.end as usize)?;
                    let mut escaped = std::mem::take(&mut self.scratch);
                    escaped.clear();
                    escaped.reserve(s.len() + 8);
                    util::escape_javascript(s, &mut escaped);
                    let fits = escaped.len() <= self.limits.max_output;
                    if fits {
                        // The call and its two arguments, then one step per replacement.
                        steps += 3;
                        let mut last = 0;
                        for (k, start) in util::LiteralMatches::new(&escaped, lit).enumerate() {
                            if *first_only && k >= 1 {
                                break;
                            }
                            self.out
                                .push_str(escaped.get(last..start).unwrap_or_default());
                            self.out.push_str(rep);
                            last = start + lit.len();
                            steps += 1;
                        }
                        self.out.push_str(escaped.get(last..).unwrap_or_default());
                    }
                    self.scratch = escaped;
                    if !fits {
                        return None;
                    }
                }
                Op::Loop { name, hint, body } => {
                    // As `foreach` over `$var.name`: the node, the expression and the access;
                    // nothing more unless it is an array (the loop over an object's values
                    // is left to the nodes).
                    steps += 3;
                    let hint = self.hints.get_mut(*hint).unwrap_or(&mut none);
                    let Some(c) = doc.member_hinted(item, name, hint) else {
                        continue;
                    };
                    let n = doc.node(c);
                    match n.kind {
                        Kind::Arr => {}
                        Kind::Obj => return None,
                        _ => continue,
                    }
                    let len = n.len as usize;
                    let count = len.min(self.limits.max_foreach);
                    let mut cur = c + 1;
                    for k in 0..count {
                        let n = doc.node(cur);
                        if n.kind != Kind::Obj {
                            return None;
                        }
                        steps += match body.max_steps {
                            Some(_) => run_ops(
                                &body.ops,
                                inst,
                                cur,
                                k + 1 < len,
                                &mut self.out,
                                &mut self.hints,
                            ),
                            None => 1 + self.run_general(&body.ops, inst, cur, k + 1 < len)?,
                        };
                        cur = n.next;
                    }
                    // The step that finds the array exhausted.
                    steps += u64::from(count < self.limits.max_foreach);
                }
            }
        }
        Some(steps)
    }
}
