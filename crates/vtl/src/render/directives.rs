//! Blocks and directives: the node loop, `#set` (assignment into variables, map keys, list
//! indexes and `$context`), `#if`, `#foreach` (general path; compiled bodies are in `fast.rs`),
//! `#define`, macro calls, `#break` and `#stop`.

use std::cell::Cell;
use std::rc::Rc;

use crate::ast::{Block, Expr, LoopOps, Node, Part, Reference};
use crate::json::Kind;
use crate::parser::{SLOT_COUNT, SLOT_FOREACH, SLOT_HAS_NEXT};
use crate::value::{json_child, map_entries, materialize, JsonInst, LoopInfo, Value};

use super::fast::run_ops;
use super::methods::map_put;
use super::output::push_text;
use super::{Flow, RResult, Renderer};

/// `*slot = json_child(inst, c)`. When the slot already views the same document (the previous
/// item of a `#foreach`), only the node index changes: no reference count traffic per item.
#[inline]
fn set_json_child(slot: &mut Value, inst: &Rc<JsonInst>, c: u32) {
    let plain = inst.overlay.borrow().is_empty()
        && matches!(
            inst.doc.node(c).kind,
            Kind::Num | Kind::Str | Kind::Arr | Kind::Obj
        );
    if !plain {
        *slot = json_child(inst, c);
    } else if let Value::Json(old, i) = slot {
        if Rc::ptr_eq(old, inst) {
            *i = c;
        } else {
            *slot = Value::Json(inst.clone(), c);
        }
    } else {
        *slot = Value::Json(inst.clone(), c);
    }
}

impl Renderer<'_> {
    // ----- blocks and nodes --------------------------------------------------------------

    /// Renders `nodes`. Text and references (most nodes) are handled in this small loop;
    /// directives go through [`Self::node`], out of line. Blocks nest (every `#if` branch
    /// and `#foreach` iteration is one): a loop with a small frame keeps those calls cheap.
    pub(super) fn block(&mut self, nodes: &[Node]) -> RResult<Flow> {
        for n in nodes {
            match n {
                Node::Text(t) => {
                    self.step()?;
                    push_text(&mut self.out, t);
                    self.check_len(self.out.len())?;
                }
                Node::TextRef(t, r) => {
                    self.step()?;
                    push_text(&mut self.out, t);
                    self.check_len(self.out.len())?;
                    // The `Ref` node's own step is taken by `write_ref`.
                    self.write_ref(r)?;
                }
                Node::Ref(r) => self.write_ref(r)?,
                Node::If {
                    branches,
                    otherwise,
                } => {
                    self.step()?;
                    let mut chosen = otherwise.as_deref();
                    for (cond, body) in branches {
                        if self.cond(cond)? {
                            chosen = Some(body);
                            break;
                        }
                    }
                    match chosen {
                        // A branch of one text (`#if($foreach.hasNext),#end`) without a
                        // nested block.
                        Some([Node::Text(t)]) => {
                            self.step()?;
                            push_text(&mut self.out, t);
                            self.check_len(self.out.len())?;
                        }
                        Some(body) => {
                            let f = self.block(body)?;
                            if f != Flow::Go {
                                return Ok(f);
                            }
                        }
                        None => {}
                    }
                }
                _ => {
                    let f = self.node(n)?;
                    if f != Flow::Go {
                        return Ok(f);
                    }
                }
            }
        }
        Ok(Flow::Go)
    }

    /// One directive of a block (text, references and `#if` are rendered by [`Self::block`]
    /// itself).
    #[inline(never)]
    fn node(&mut self, n: &Node) -> RResult<Flow> {
        if let Node::Text(_) | Node::TextRef(..) | Node::Ref(_) | Node::If { .. } = n {
            return self.block(std::slice::from_ref(n));
        }
        self.step()?;
        match n {
            Node::Text(_) | Node::TextRef(..) | Node::Ref(_) | Node::If { .. } => {}
            Node::EscapedRef { prefix, reference } => {
                let v = self.eval_ref(reference)?;
                self.out.push_str(prefix);
                if v.is_null() {
                    self.out.push('\\');
                }
                self.out.push_str(&reference.literal);
                self.check_len(self.out.len())?;
            }
            Node::Set { target, value } => {
                let v = self.eval(value)?;
                if !v.is_null() {
                    self.assign(target, v)?;
                }
            }
            Node::Foreach {
                var,
                iterable,
                body,
                ops,
            } => return self.foreach(*var, iterable, body, ops.as_deref()),
            Node::Define { var, id } => self.vars[*var] = Value::Block(*id),
            Node::MacroCall {
                name,
                args,
                literal,
            } => return self.call_macro(name, args, literal),
            Node::Break => return Ok(Flow::Break),
            Node::Stop => return Ok(Flow::Stop),
        }
        Ok(Flow::Go)
    }

    pub(super) fn render_define(&mut self, id: usize) -> RResult<()> {
        let tpl = self.tpl;
        let Some(body) = tpl.defines.get(id) else {
            return Ok(());
        };
        self.enter()?;
        let r = self.block(body);
        self.depth -= 1;
        r.map(|_| ())
    }

    pub(super) fn render_to_string(&mut self, block: &Block) -> RResult<String> {
        let saved = std::mem::take(&mut self.out);
        let r = self.block(block);
        let s = std::mem::replace(&mut self.out, saved);
        r?;
        Ok(s)
    }

    fn foreach(
        &mut self,
        var: usize,
        iterable: &Expr,
        body: &Block,
        ops: Option<&LoopOps>,
    ) -> RResult<Flow> {
        let src = self.eval(iterable)?.resolve();
        enum It {
            List(Rc<crate::value::ListObj>, usize),
            Json(Rc<JsonInst>, u32, u32),
            Vals(std::vec::IntoIter<Value>),
        }
        let mut it = match &src {
            Value::Null => return Ok(Flow::Go),
            Value::List(l) => It::List(l.clone(), 0),
            Value::Json(inst, i) => {
                let n = inst.doc.node(*i);
                match n.kind {
                    Kind::Arr | Kind::Obj => {
                        let first = if n.kind == Kind::Obj { i + 2 } else { i + 1 };
                        It::Json(inst.clone(), first, n.len)
                    }
                    _ => return Ok(Flow::Go),
                }
            }
            Value::Map(_) => It::Vals(
                map_entries(&src)
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect::<Vec<_>>()
                    .into_iter(),
            ),
            _ => return Ok(Flow::Go),
        };
        let obj_json = matches!(&src, Value::Json(inst, i) if inst.doc.node(*i).kind == Kind::Obj);
        // A printing-only body over an unmodified JSON array runs as `ops` on its objects
        // (the body cannot modify the document, so one check holds for the whole loop).
        let ops = match (&it, ops) {
            (It::Json(inst, ..), Some(ops))
                if self.fast && !obj_json && inst.overlay.borrow().is_empty() =>
            {
                Some(ops)
            }
            _ => None,
        };
        if let (Some(ops), It::Json(inst, first, len)) = (ops, &it) {
            if let Some(r) = self.foreach_ops(ops, inst, *first, *len) {
                return r.map(|()| Flow::Go);
            }
        }
        // Stores the next item in `slot`; whether another one follows.
        let next = |it: &mut It, slot: &mut Value| -> Option<bool> {
            match it {
                It::List(l, i) => {
                    let items = l.items.borrow();
                    *slot = items.get(*i)?.clone();
                    *i += 1;
                    Some(*i < items.len())
                }
                It::Json(inst, cur, left) => {
                    if *left == 0 {
                        return None;
                    }
                    *left -= 1;
                    set_json_child(slot, inst, *cur);
                    let after = inst.doc.node(*cur).next;
                    *cur = if obj_json { after + 1 } else { after };
                    Some(*left > 0)
                }
                It::Vals(vals) => {
                    *slot = vals.next()?;
                    Some(vals.len() > 0)
                }
            }
        };
        let saved_var = std::mem::take(&mut self.vars[var]);
        let saved_count = std::mem::take(&mut self.vars[SLOT_COUNT]);
        let saved_has_next = std::mem::take(&mut self.vars[SLOT_HAS_NEXT]);
        let parent = match &self.vars[SLOT_FOREACH] {
            Value::Loop(l) => Some(l.clone()),
            _ => None,
        };
        // A `$foreach` no template value kept is reused by the next loop (no allocation per
        // `#foreach`); a fresh one when the template holds on to it.
        let mut reused = self.loop_pool.pop();
        let mut info = match reused.as_mut().and_then(Rc::get_mut) {
            Some(l) => {
                l.index.set(0);
                l.has_next.set(false);
                l.parent = parent;
                reused.unwrap_or_default()
            }
            None => Rc::new(LoopInfo {
                index: Cell::new(0),
                has_next: Cell::new(false),
                parent,
            }),
        };
        let saved_loop = std::mem::replace(&mut self.vars[SLOT_FOREACH], Value::Loop(info.clone()));
        let mut flow = Flow::Go;
        let mut result = Ok(());
        for i in 0..self.limits.max_foreach {
            if let (Some(ops), It::Json(inst, cur, left)) = (ops, &mut it) {
                // With steps enough for any path through the body, none of its steps can
                // fail: they are taken at once, and the output is checked once (it only
                // grows, and no other error can come first).
                if *left > 0 && inst.doc.node(*cur).kind == Kind::Obj && ops.max_steps.is_none() {
                    // Run as ops; kept when the item could be printed that way and the limits
                    // allow the whole iteration (steps are only counted, and the output only
                    // grows), else undone and run node by node below, which then meets the
                    // same limit at the same place.
                    let (item, base) = (*cur, self.out.len());
                    // The loop's own step, then the body's.
                    match self
                        .run_general(&ops.ops, inst, item, *left > 1)
                        .map(|s| s + 1)
                    {
                        Some(steps)
                            if steps <= self.steps_left
                                && self.out.len() <= self.limits.max_output =>
                        {
                            self.steps_left -= steps;
                            *left -= 1;
                            *cur = inst.doc.node(item).next;
                            continue;
                        }
                        _ => self.out.truncate(base),
                    }
                } else if *left > 0
                    && self.steps_left >= ops.max_steps.unwrap_or(u64::MAX)
                    && inst.doc.node(*cur).kind == Kind::Obj
                {
                    *left -= 1;
                    let item = *cur;
                    *cur = inst.doc.node(item).next;
                    self.steps_left -= run_ops(
                        &ops.ops,
                        inst,
                        item,
                        *left > 0,
                        &mut self.out,
                        &mut self.hints,
                    );
                    if let Err(e) = self.check_len(self.out.len()) {
                        result = Err(e);
                        break;
                    }
                    continue;
                }
            }
            if let Err(e) = self.step() {
                result = Err(e);
                break;
            }
            let Some(has_next) = next(&mut it, &mut self.vars[var]) else {
                break;
            };
            info.index.set(i);
            info.has_next.set(has_next);
            // Updated in place while the body left them alone (no value built and dropped).
            match &mut self.vars[SLOT_COUNT] {
                Value::Int(c) => *c = i as i64 + 1,
                other => *other = Value::Int(i as i64 + 1),
            }
            match &mut self.vars[SLOT_HAS_NEXT] {
                Value::Bool(b) => *b = has_next,
                other => *other = Value::Bool(has_next),
            }
            match self.block(body) {
                Ok(Flow::Go) => {}
                Ok(Flow::Break) => break,
                Ok(Flow::Stop) => {
                    flow = Flow::Stop;
                    break;
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.vars[var] = saved_var;
        self.vars[SLOT_COUNT] = saved_count;
        self.vars[SLOT_HAS_NEXT] = saved_has_next;
        self.vars[SLOT_FOREACH] = saved_loop;
        if let Some(l) = Rc::get_mut(&mut info) {
            l.parent = None;
            self.loop_pool.push(info);
        }
        result.map(|_| flow)
    }

    fn call_macro(&mut self, name: &str, args: &[Expr], literal: &str) -> RResult<Flow> {
        let tpl = self.tpl;
        let Some(def) = tpl.macros.get(name) else {
            self.out.push_str(literal);
            self.check_len(self.out.len())?;
            return Ok(Flow::Go);
        };
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a)?);
        }
        self.enter()?;
        let mut saved = Vec::with_capacity(def.params.len());
        for (k, &slot) in def.params.iter().enumerate() {
            let v = values.get(k).cloned().unwrap_or_default();
            saved.push(std::mem::replace(&mut self.vars[slot], v));
        }
        let r = self.block(&def.body);
        for (&slot, v) in def.params.iter().zip(saved) {
            self.vars[slot] = v;
        }
        self.depth -= 1;
        match r? {
            Flow::Stop => Ok(Flow::Stop),
            _ => Ok(Flow::Go),
        }
    }

    fn assign(&mut self, target: &Reference, v: Value) -> RResult<()> {
        let Some((last, init)) = target.parts.split_last() else {
            self.vars[target.slot] = v;
            return Ok(());
        };
        let mut base = self.var(target.slot);
        for part in init {
            base = base.resolve();
            if base.is_null() {
                return Ok(());
            }
            base = self.part(&base, part, target)?;
        }
        let base = match base {
            Value::Json(inst, i) => materialize(&inst, i),
            other => other,
        };
        match last {
            Part::Prop(name, _) => {
                if let Value::Map(m) = &base {
                    map_put(m, Value::str(&**name), v);
                }
            }
            Part::Index(e) => {
                let key = self.eval(e)?.resolve();
                match &base {
                    Value::Map(m) => {
                        map_put(m, key, v);
                    }
                    Value::List(l) => {
                        let len = l.items.borrow().len() as i64;
                        let Some(i) = key.as_int() else {
                            return Ok(());
                        };
                        let i = if i < 0 { i + len } else { i };
                        if i < 0 || i >= len {
                            return self.method_err(
                                target.pos,
                                format!("index {i} out of bounds for length {len}"),
                            );
                        }
                        l.items.borrow_mut()[i as usize] = v;
                    }
                    _ => {}
                }
            }
            Part::Method { .. } => {}
        }
        Ok(())
    }
}
