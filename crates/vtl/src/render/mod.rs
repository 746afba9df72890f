//! The interpreter: renders a parsed [`crate::Template`] against a [`Context`].
//!
//! Semantics follow Velocity 1.7 with API Gateway's configuration: a null reference renders as
//! nothing, `#set` with a null right-hand side leaves the variable unchanged, `#foreach` stops
//! after 1,000 iterations. Every loop, call and string is bounded by [`Limits`].
//!
//! Here: the entry point, the renderer's state with its step, output and depth accounting, and
//! its variables (`$context` and `$stageVariables` built on first use, the overrides read back).
//! The rest by concern: `directives.rs` (blocks, `#set`, `#foreach`, `#define`, macros),
//! `eval.rs` (expressions and references), `methods.rs`, `strings.rs` and `builtins.rs` (method
//! calls on values, `$input`, `$util`), `output.rs` (printing and escaping) and `fast.rs` (the
//! fast paths and compiled loop bodies, checked against the general path by
//! `tests/it/differential.rs`).

use std::rc::Rc;
use std::sync::Arc;

use crate::context::{Context, Rendered};
use crate::error::RenderError;
use crate::json::{JsonDoc, Kind};
use crate::parser::{SLOT_CONTEXT, SLOT_INPUT, SLOT_STAGE, SLOT_UTIL};
use crate::value::{from_serde, java_equals, map_entries, to_serde, Flavor, LoopInfo, Value};
use crate::Template;

mod builtins;
mod directives;
mod eval;
mod fast;
mod methods;
mod output;
mod strings;

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
}
