//! The interpreter: renders a parsed [`crate::Template`] against a [`Context`].
//!
//! Semantics follow Velocity 1.7 with API Gateway's configuration: a null reference renders as
//! nothing, `#set` with a null right-hand side leaves the variable unchanged, `#foreach` stops
//! after 1,000 iterations. Every loop, call and string is bounded by [`Limits`].

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use crate::ast::{Block, Expr, LoopOps, Node, Part, Reference};
use crate::context::{Context, Rendered};
use crate::error::RenderError;
use crate::json::{JsonDoc, Kind};
use crate::parser::{
    SLOT_CONTEXT, SLOT_COUNT, SLOT_FOREACH, SLOT_HAS_NEXT, SLOT_INPUT, SLOT_STAGE, SLOT_UTIL,
};
use crate::value::{
    from_serde, java_equals, json_child, map_entries, materialize, to_serde, Flavor, JsonInst,
    LoopInfo, Value,
};
use crate::Template;

mod builtins;
mod eval;
mod fast;
mod methods;
mod output;
mod strings;

use fast::run_ops;
use methods::map_put;
use output::push_text;

/// Bounds on one render, so that no template or input can exhaust the data plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Iterations of one `#foreach` before it silently stops (AWS: 1,000).
    pub max_foreach: usize,
    /// Evaluation steps (nodes, expressions, accesses, iterations) for the whole render.
    pub max_steps: u64,
    /// Bytes of output, and of any string the template builds (AWS payload limit: 10 MB).
    pub max_output: usize,
    /// Nesting of macro calls and `#define` blocks.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_foreach: 1_000,
            max_steps: 2_000_000,
            max_output: 10 * 1024 * 1024,
            max_depth: 64,
        }
    }
}

/// What a node asks of its enclosing blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Go,
    Break,
    Stop,
}

/// Errors are boxed inside the renderer: every node and expression returns a result, and a
/// pointer-sized error keeps those results small (a `Result<Flow, RenderError>` is 48 bytes).
type RResult<T> = Result<T, Box<RenderError>>;

/// Renders `tpl` against `ctx`; `fast: false` takes the general path everywhere (no
/// compiled loops, no direct JSON printing or comparison), for the differential test that
/// proves both paths give the same answers.
pub(crate) fn render(
    tpl: &Template,
    ctx: &Context,
    limits: &Limits,
    fast: bool,
) -> Result<Rendered, RenderError> {
    let mut vars = vec![Value::Null; tpl.names.len()];
    vars[SLOT_INPUT] = Value::Input;
    vars[SLOT_UTIL] = Value::Util;
    vars[SLOT_CONTEXT] = Value::Lazy(0);
    vars[SLOT_STAGE] = Value::Lazy(1);
    let mut r = Renderer {
        tpl,
        ctx,
        // A copy next to the counters: checked at every node, one load instead of two.
        limits: limits.clone(),
        vars,
        // Response templates print much of the body: reserving for it up front saves the
        // reallocations (and copies) of a growing output.
        out: String::with_capacity(tpl.src.len() + ctx.body.len().min(1 << 16) + 64),
        steps_left: limits.max_steps,
        depth: 0,
        body: None,
        body_doc: None,
        params: None,
        hints: vec![0; tpl.props],
        loop_pool: Vec::new(),
        scratch: String::new(),
        fast,
    };
    r.block(&tpl.root).map_err(|e| *e)?;
    let (request, response) = r.overrides();
    Ok(Rendered::new(r.out, request, response))
}

struct Renderer<'a> {
    tpl: &'a Template,
    ctx: &'a Context,
    limits: Limits,
    vars: Vec<Value>,
    out: String,
    /// Steps the render may still take ([`Limits::max_steps`] minus those taken): one counter
    /// to decrement and test at each step.
    steps_left: u64,
    depth: usize,
    body: Option<Arc<str>>,
    body_doc: Option<Option<Rc<JsonDoc>>>,
    params: Option<Value>,
    /// Member position hint of each property access (`Part::Prop`), for this render only.
    hints: Vec<u32>,
    /// `$foreach` objects of finished loops that nothing else holds, for the next loop.
    loop_pool: Vec<Rc<LoopInfo>>,
    /// Reusable buffer for strings built by methods (`escapeJavaScript`, `replaceAll`).
    scratch: String,
    /// Fast paths on (always, but in the differential test).
    fast: bool,
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => return false,
        Value::Bool(b) => return *b,
        Value::Json(..) => {}
        _ => return true,
    }
    match v.clone().resolve() {
        Value::Null => false,
        Value::Bool(b) => b,
        _ => true,
    }
}

fn is_string(v: &Value) -> bool {
    match v {
        Value::Str(_) => true,
        Value::Json(inst, i) => inst.doc.node(*i).kind == Kind::Str,
        _ => false,
    }
}

fn key_matches(k: &Value, key: &Value) -> bool {
    match (k, key) {
        (Value::Str(a), Value::Str(b)) => a == b,
        _ => java_equals(k, key),
    }
}

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
    #[inline(always)]
    fn step(&mut self) -> RResult<()> {
        self.add_steps(1)
    }

    /// `n` steps at once, for work done without side effects (a walk through a JSON document):
    /// the limit fails the render exactly as `n` calls of [`Self::step`] would.
    #[inline(always)]
    fn add_steps(&mut self, n: u64) -> RResult<()> {
        match self.steps_left.checked_sub(n) {
            Some(left) => {
                self.steps_left = left;
                Ok(())
            }
            None => Err(self.too_many_steps()),
        }
    }

    #[cold]
    #[inline(never)]
    fn too_many_steps(&self) -> Box<RenderError> {
        Box::new(RenderError::TooManySteps {
            limit: self.limits.max_steps,
        })
    }

    #[inline(always)]
    fn check_len(&self, len: usize) -> RResult<()> {
        if len > self.limits.max_output {
            return Err(Box::new(RenderError::OutputTooLarge {
                limit: self.limits.max_output,
            }));
        }
        Ok(())
    }

    fn method_err<T>(&self, pos: usize, message: impl Into<String>) -> RResult<T> {
        let e = crate::error::ParseError::at(&self.tpl.src, pos, "");
        Err(Box::new(RenderError::Method {
            line: e.line,
            column: e.column,
            message: message.into(),
        }))
    }

    fn enter(&mut self) -> RResult<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(Box::new(RenderError::TooDeep {
                limit: self.limits.max_depth,
            }));
        }
        Ok(())
    }

    // ----- blocks and nodes --------------------------------------------------------------

    /// Renders `nodes`. Text and references (most nodes) are handled in this small loop;
    /// directives go through [`Self::node`], out of line. Blocks nest (every `#if` branch
    /// and `#foreach` iteration is one): a loop with a small frame keeps those calls cheap.
    fn block(&mut self, nodes: &[Node]) -> RResult<Flow> {
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

    fn render_define(&mut self, id: usize) -> RResult<()> {
        let tpl = self.tpl;
        let Some(body) = tpl.defines.get(id) else {
            return Ok(());
        };
        self.enter()?;
        let r = self.block(body);
        self.depth -= 1;
        r.map(|_| ())
    }

    fn render_to_string(&mut self, block: &Block) -> RResult<String> {
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

    // ----- variables ---------------------------------------------------------------------

    fn var(&mut self, slot: usize) -> Value {
        match &self.vars[slot] {
            Value::Lazy(0) => {
                let v = self.build_context();
                self.vars[slot] = v.clone();
                v
            }
            Value::Lazy(_) => {
                let entries = self
                    .ctx
                    .stage_variables
                    .iter()
                    .map(|(k, v)| (Value::str(k.as_str()), Value::str(v.as_str())))
                    .collect();
                let v = Value::new_map(entries, Flavor::Java);
                self.vars[slot] = v.clone();
                v
            }
            v => v.clone(),
        }
    }

    fn build_context(&self) -> Value {
        let ctx = Value::new_map(Vec::new(), Flavor::Context);
        let Value::Map(m) = &ctx else {
            return ctx;
        };
        let empty = |keys: &[&str]| {
            keys.iter()
                .map(|k| (Value::str(*k), Value::new_map(Vec::new(), Flavor::Context)))
                .collect::<Vec<_>>()
        };
        {
            let mut entries = m.entries.borrow_mut();
            for (k, v) in &self.ctx.context {
                entries.push((Value::str(k.as_str()), from_serde(v, Flavor::Context)));
            }
            for (key, subs) in [
                ("requestOverride", &["path", "header", "querystring"][..]),
                ("responseOverride", &["header"][..]),
            ] {
                let existing = entries
                    .iter()
                    .find(|(k, _)| k.as_str().as_deref() == Some(key))
                    .map(|(_, v)| v.clone());
                match existing {
                    Some(Value::Map(o)) => {
                        let mut oe = o.entries.borrow_mut();
                        for (sk, sv) in empty(subs) {
                            if !oe.iter().any(|(k, _)| key_matches(k, &sk)) {
                                oe.push((sk, sv));
                            }
                        }
                    }
                    _ => {
                        entries.retain(|(k, _)| k.as_str().as_deref() != Some(key));
                        entries.push((
                            Value::str(key),
                            Value::new_map(empty(subs), Flavor::Context),
                        ));
                    }
                }
            }
        }
        ctx
    }

    /// `requestOverride` and `responseOverride` as they stand after rendering.
    fn overrides(&mut self) -> (serde_json::Value, serde_json::Value) {
        let defaults = || {
            (
                serde_json::json!({"path": {}, "header": {}, "querystring": {}}),
                serde_json::json!({"header": {}}),
            )
        };
        match &self.vars[SLOT_CONTEXT] {
            Value::Lazy(_) => {
                let (dreq, dresp) = defaults();
                let get = |k: &str, d| self.ctx.context.get(k).cloned().unwrap_or(d);
                (get("requestOverride", dreq), get("responseOverride", dresp))
            }
            ctx => {
                let ctx = ctx.clone();
                let get = |k: &str| -> Value {
                    map_entries(&ctx)
                        .into_iter()
                        .find(|(key, _)| key.as_str().as_deref() == Some(k))
                        .map(|(_, v)| v)
                        .unwrap_or_default()
                };
                (
                    to_serde(&get("requestOverride"), 0),
                    to_serde(&get("responseOverride"), 0),
                )
            }
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
