//! Writing into the output: texts, values as Java prints them, JSON leaves straight from the
//! document, and `$util.escapeJavaScript(…)` / literal `replaceAll`/`replaceFirst` written in
//! place instead of being built as values.

use std::rc::Rc;

use crate::ast::{Expr, Part, Reference};
use crate::json::Kind;
use crate::util;
use crate::value::{to_plain_string, with_str, write_java, JsonInst, Value};

use super::{is_string, RResult, Renderer};

/// `out.push_str(t)`, with one-byte texts (`,`, `}`, a newline: common between directives)
/// pushed as a byte rather than through a `memcpy` call.
#[inline(always)]
pub(super) fn push_text(out: &mut String, t: &str) {
    match t.as_bytes() {
        // A one-byte string is ASCII.
        &[b] => out.push(char::from(b)),
        _ => out.push_str(t),
    }
}

/// Appends `src[start..end]` (a span at character boundaries). Spans of up to 16 bytes, most
/// values, are copied as a fixed 16-byte block then cut to length: an inline copy instead of a
/// `memcpy` call, whose branches on the length mispredict on mixed short strings.
#[inline(always)]
pub(super) fn push_span(out: &mut String, src: &str, start: u32, end: u32) {
    let (start, end) = (start as usize, end as usize);
    let len = end.wrapping_sub(start);
    if len <= 16 {
        if let Some(block) = src.get(start..start + 16) {
            let at = out.len();
            out.push_str(block);
            out.truncate(at + len);
            return;
        }
    }
    out.push_str(src.get(start..end).unwrap_or_default());
}

/// Prints node `cur` of an unmodified document as `$ref` prints it (see
/// [`Renderer::write_ref`], which copies plain strings and numbers itself).
#[inline(never)]
pub(super) fn write_json_leaf(inst: &Rc<JsonInst>, cur: u32, out: &mut String) {
    let doc = &inst.doc;
    match doc.node(cur).kind {
        Kind::Null => {}
        Kind::True => out.push_str("true"),
        Kind::False => out.push_str("false"),
        Kind::Str => doc.write_str(cur, out),
        Kind::Num => doc.write_number(cur, out),
        Kind::Arr => doc.write_json(cur, out),
        Kind::Obj => write_java(&Value::Json(inst.clone(), cur), out, 0),
    }
}

impl Renderer<'_> {
    pub(super) fn write_value(&mut self, v: &Value) -> RResult<()> {
        match v {
            Value::Null => {}
            Value::Block(id) => {
                let id = *id;
                self.render_define(id)?;
            }
            v => write_java(v, &mut self.out, 0),
        }
        self.check_len(self.out.len())
    }

    /// Prints `$util.escapeJavaScript(arg)`: escaped straight into the output instead of into a
    /// value (same steps and checks as `eval_ref` calling `util_call`, then printing).
    #[inline(never)]
    pub(super) fn write_escaped(&mut self, arg: &Expr) -> RResult<()> {
        self.step()?;
        let arg = self.eval(arg)?.resolve();
        if !arg.is_null() {
            let base = self.out.len();
            let mut out = std::mem::take(&mut self.out);
            if with_str(&arg, |s| util::escape_javascript(s, &mut out)).is_none() {
                util::escape_javascript(&to_plain_string(&arg), &mut out);
            }
            self.out = out;
            // The limit applies to the escaped string, as when it is built as a value.
            self.check_len(self.out.len() - base)?;
        }
        self.check_len(self.out.len())
    }

    /// Prints `$receiver.replaceAll("literal", "text")` (or `replaceFirst`), `r`, whose last
    /// access is that call: the replaced string is written straight into the output instead of
    /// being built as a value (same steps, limits and output as evaluating `r`, then printing).
    #[inline(never)]
    pub(super) fn write_literal_replace(
        &mut self,
        r: &Reference,
        init: &[Part],
        first_only: bool,
        args: &[Expr],
        lit: &str,
        rep: &str,
    ) -> RResult<()> {
        // `$util.escapeJavaScript(x).replaceAll(…)` (the commonest form): `x` is escaped into
        // the reusable buffer, which is replaced from directly (no value built for it). Same
        // steps and checks as `eval_ref` calling `util_call`.
        if let (
            [Part::Method {
                name, args: inner, ..
            }],
            Value::Util,
        ) = (init, &self.vars[r.slot])
        {
            if let ("escapeJavaScript", [arg]) = (&**name, &inner[..]) {
                self.step()?;
                let arg = self.eval(arg)?.resolve();
                if arg.is_null() {
                    return self.check_len(self.out.len());
                }
                let mut escaped = std::mem::take(&mut self.scratch);
                escaped.clear();
                if with_str(&arg, |s| {
                    escaped.reserve(s.len() + 8);
                    util::escape_javascript(s, &mut escaped);
                })
                .is_none()
                {
                    util::escape_javascript(&to_plain_string(&arg), &mut escaped);
                }
                let res = self
                    .check_len(escaped.len())
                    .and_then(|()| self.write_replaced(&escaped, first_only, args, lit, rep));
                self.scratch = escaped;
                return res;
            }
        }
        let v = self.eval_ref_parts(r, init)?;
        if v.is_null() || !is_string(&v) {
            // As `eval_ref` would go on (a null receiver stops the chain).
            let v = match (v.is_null(), r.parts.last()) {
                (false, Some(last)) => self.part(&v, last, r)?.resolve(),
                _ => Value::Null,
            };
            return self.write_value(&v);
        }
        with_str(&v, |s| self.write_replaced(s, first_only, args, lit, rep)).unwrap_or(Ok(()))
    }

    /// The rest of [`Self::write_literal_replace`] once the receiver is the string `s`: the
    /// call's step, its two string-literal arguments, then the replaced string written out.
    fn write_replaced(
        &mut self,
        s: &str,
        first_only: bool,
        args: &[Expr],
        lit: &str,
        rep: &str,
    ) -> RResult<()> {
        // The call's step and the evaluation of its two string literals (a step each, nothing
        // else to see).
        debug_assert!(args.iter().all(|a| matches!(a, Expr::Str(_))));
        self.add_steps(1 + args.len() as u64)?;
        let base = self.out.len();
        let mut last = 0;
        for (n, start) in util::LiteralMatches::new(s, lit).enumerate() {
            if first_only && n >= 1 {
                break;
            }
            self.out.push_str(s.get(last..start).unwrap_or_default());
            self.out.push_str(rep);
            last = start + lit.len();
            // The limit applies to the replaced string, as when it is built as a value.
            self.check_len(self.out.len() - base)?;
            self.step()?;
        }
        self.out.push_str(s.get(last..).unwrap_or_default());
        self.check_len(self.out.len() - base)?;
        self.check_len(self.out.len())
    }
}
