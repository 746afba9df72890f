//! The parsed form of a template: a tree of nodes and expressions, immutable and shareable
//! across threads, built once per deployment by [`crate::parser`].

use std::sync::Arc;

/// A sequence of nodes rendered in order.
pub(crate) type Block = Vec<Node>;

/// One piece of template output. An explicit tag (no niche in the payloads to decode) keeps
/// the interpreter's dispatch to a load and a jump.
#[derive(Debug)]
#[repr(u8)]
pub(crate) enum Node {
    /// Literal text, written as is.
    Text(Box<str>),
    /// `$ref`, `${ref}`, `$!ref`: the value's Java `toString()`, or nothing when null.
    Ref(Reference),
    /// `Text` then `Ref`, the commonest pair of nodes, fused after parsing ([`fuse`]): one
    /// dispatch of the interpreter instead of two; rendered exactly as the two nodes.
    TextRef(Box<str>, Reference),
    /// `\$ref` with `prefix` backslashes kept: renders the reference literally.
    EscapedRef {
        prefix: Box<str>,
        reference: Reference,
    },
    /// `#set($target = value)`.
    Set { target: Reference, value: Expr },
    /// `#if / #elseif / #else / #end`.
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    /// `#foreach($var in $iterable) … #end`; `ops` is the body as [`LoopOps`] when it has
    /// their simple form ([`compile_loop`]).
    Foreach {
        var: usize,
        iterable: Expr,
        body: Block,
        ops: Option<Box<LoopOps>>,
    },
    /// `#define($var) … #end`: binds `$var` to the (lazily rendered) block `id`.
    Define { var: usize, id: usize },
    /// `#name(args)`: a call of a macro defined anywhere in the template, or literal text.
    MacroCall {
        name: Box<str>,
        args: Vec<Expr>,
        literal: Box<str>,
    },
    /// `#break`.
    Break,
    /// `#stop`.
    Stop,
}

/// `$root.part.part(…)[…]`.
#[derive(Debug)]
pub(crate) struct Reference {
    /// Variable slot of the root name.
    pub slot: usize,
    /// Property, method and index accesses, in order.
    pub parts: Vec<Part>,
    /// The reference as written (`$foo.bar`), used by escapes and string concatenation.
    pub literal: Box<str>,
    /// Byte offset in the template, for error positions.
    pub pos: usize,
}

/// One access step of a reference.
/// Explicit tag, as [`Node`].
#[derive(Debug)]
#[repr(u8)]
pub(crate) enum Part {
    /// `.name`: map key, or Java bean getter. The number is this access's slot for a member
    /// position hint (see [`crate::json::JsonDoc::member_hinted`]).
    Prop(Box<str>, usize),
    /// `.name(args)`; `regex` is precompiled when the first argument is a string literal and the
    /// method takes a regular expression.
    Method {
        name: Box<str>,
        args: Vec<Expr>,
        regex: Option<Box<Pattern>>,
    },
    /// `[expr]`.
    Index(Expr),
}

/// A string-literal regex argument, compiled at parse time.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub re: regex::Regex,
    /// The pattern as the text it matches when it has no metacharacters
    /// ([`crate::util::regex_literal`]): `replaceAll` then searches for the text itself.
    pub literal: Option<Box<str>>,
}

/// Binary operators of VTL expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Cmp(CmpOp),
    And,
    Or,
}

/// Comparison operators, as VTL expressions and JSONPath filters both write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// Whether the comparison holds for operands ordered `ord` (`None`: not comparable, which
    /// only `Ne` holds for).
    pub(crate) fn holds(self, ord: Option<std::cmp::Ordering>) -> bool {
        match self {
            CmpOp::Eq => ord.is_some_and(|o| o.is_eq()),
            CmpOp::Ne => !ord.is_some_and(|o| o.is_eq()),
            CmpOp::Lt => ord.is_some_and(|o| o.is_lt()),
            CmpOp::Le => ord.is_some_and(|o| o.is_le()),
            CmpOp::Gt => ord.is_some_and(|o| o.is_gt()),
            CmpOp::Ge => ord.is_some_and(|o| o.is_ge()),
        }
    }
}

/// A VTL expression (directive arguments, method arguments, `#set` right-hand sides).
/// Explicit tag, as [`Node`].
#[derive(Debug)]
#[repr(u8)]
pub(crate) enum Expr {
    Ref(Reference),
    Str(Arc<str>),
    /// A double-quoted string containing `$` or `#`: rendered as a template on each evaluation.
    Interp(Block),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

/// A `#macro(name $a $b) … #end` definition.
#[derive(Debug)]
pub(crate) struct MacroDef {
    /// Slots of the parameters, in order.
    pub params: Vec<usize>,
    pub body: Block,
}

/// Fuses each `Text` directly followed by a `Ref` into a `TextRef`, in `block` and in every
/// block nested in its directives.
pub(crate) fn fuse(block: &mut Block) {
    let mut nodes = std::mem::take(block).into_iter().peekable();
    while let Some(node) = nodes.next() {
        let mut node = match node {
            Node::Text(text) => match nodes.next_if(|n| matches!(n, Node::Ref(_))) {
                Some(Node::Ref(r)) => Node::TextRef(text, r),
                Some(other) => {
                    block.push(Node::Text(text));
                    other
                }
                None => Node::Text(text),
            },
            other => other,
        };
        match &mut node {
            Node::If {
                branches,
                otherwise,
            } => {
                for (_, body) in branches {
                    fuse(body);
                }
                if let Some(body) = otherwise {
                    fuse(body);
                }
            }
            Node::Foreach { var, body, ops, .. } => {
                fuse(body);
                *ops = compile_loop(*var, body).map(Box::new);
            }
            _ => {}
        }
        block.push(node);
    }
}

/// A `#foreach` body that only prints: texts, `$var.name` of the loop variable and
/// `#if($foreach.hasNext)text#end`, the shape of nearly every JSON array mapping
/// (`{"sku": "$item.sku"}#if($foreach.hasNext),#end`). Over the objects of a JSON array such
/// a body reads nothing but the item and the loop's position, and changes nothing: the
/// renderer runs it straight from the item's node, without setting the loop variables
/// (which nothing could observe) or going through the nodes.
///
/// A body may also hold `#if($var.name == "text")` with such branches,
/// `$util.escapeJavaScript($var.name).replaceAll("literal", "text")` and nested loops over
/// `$var.name` with such bodies; its steps then have no bound (`max_steps` is `None`) and an
/// iteration may meet an item it cannot print (a member that is not a string, an item that is
/// not an object): the renderer runs each iteration as ops and, when one cannot or the limits
/// do not allow it, undoes its output and runs it node by node (see
/// `Renderer::run_general`).
#[derive(Debug)]
pub(crate) struct LoopOps {
    pub ops: Vec<Op>,
    /// Steps of one iteration at most (the loop's own, then those of the body's nodes), for
    /// bodies of the first four ops only.
    pub max_steps: Option<u64>,
}

/// One printing operation of [`LoopOps`], with the steps of the node it stands for.
/// Explicit tag, as [`Node`].
#[derive(Debug)]
#[repr(u8)]
pub(crate) enum Op {
    /// `Text`: one step.
    Text(Box<str>),
    /// `$var.name` (`Ref`, one property of the loop variable): two steps, the node's and the
    /// property's; the number is the access's member hint slot.
    Prop(Box<str>, usize),
    /// `Text` then `Prop` (`TextRef`): three steps.
    TextProp(Box<str>, Box<str>, usize),
    /// `#if($foreach.hasNext)…#else…#end` whose branches are empty or one text: the `#if`'s
    /// step, two for the condition, one for a branch text.
    IfHasNext {
        then: Option<Box<str>>,
        otherwise: Option<Box<str>>,
    },
    /// A run of two or more `Text` and `IfHasNext`, as printed and counted when another item
    /// follows (`next`) and when none does (`last`).
    Fixed {
        next: Box<str>,
        last: Box<str>,
        steps_next: u64,
        steps_last: u64,
    },
    /// `#if($var.name == "text")…#elseif($var.other != "text")…#else…#end`: the `#if`'s step,
    /// four per condition evaluated (the operator, both operands, the access), then the
    /// chosen branch's.
    IfEq {
        branches: Vec<EqBranch>,
        otherwise: Vec<Op>,
    },
    /// `$util.escapeJavaScript($var.name).replaceAll("literal", "text")` (or `replaceFirst`)
    /// with a literal pattern and a replacement without `$` or `\`: four steps to the
    /// escaped string, three for the call, one per replacement.
    EscapeReplace {
        name: Box<str>,
        hint: usize,
        first_only: bool,
        lit: Box<str>,
        rep: Box<str>,
    },
    /// `#foreach($x in $var.name)` with a compiled body: three steps, then the loop's.
    Loop {
        name: Box<str>,
        hint: usize,
        body: Box<LoopOps>,
    },
}

/// One condition and branch of [`Op::IfEq`]: `$var.name == "lit"` (`eq`) or `!=`.
#[derive(Debug)]
pub(crate) struct EqBranch {
    pub name: Box<str>,
    pub hint: usize,
    pub lit: Box<str>,
    pub eq: bool,
    pub then: Vec<Op>,
}

/// `body` of `#foreach($var …)` as [`LoopOps`], or `None` when it has any other node.
pub(crate) fn compile_loop(var: usize, body: &[Node]) -> Option<LoopOps> {
    use crate::parser::SLOT_HAS_NEXT;
    // The built-in variables (`$foreach`, `$velocityCount`…) keep their meaning only
    // as other names than the loop's.
    if var <= SLOT_HAS_NEXT {
        return None;
    }
    let mut bounded = true;
    let mut max_steps = 1;
    let ops = compile_ops(var, body, &mut max_steps, &mut bounded)?;
    Some(LoopOps {
        ops,
        max_steps: bounded.then_some(max_steps),
    })
}

/// `$var.name` (one property of the loop variable `var`): the name and its hint slot.
fn var_prop(var: usize, r: &Reference) -> Option<(Box<str>, usize)> {
    match &r.parts[..] {
        [Part::Prop(name, hint)] if r.slot == var => Some((name.clone(), *hint)),
        _ => None,
    }
}

/// `$util.escapeJavaScript($var.name).replaceAll("lit", "text")` as the renderer prints it
/// without building values (`Renderer::write_literal_replace`).
fn escape_replace(var: usize, r: &Reference) -> Option<Op> {
    use crate::parser::SLOT_UTIL;
    let [Part::Method {
        name: inner,
        args: inner_args,
        ..
    }, Part::Method { name, args, regex }] = &r.parts[..]
    else {
        return None;
    };
    let (
        Some(Pattern {
            literal: Some(lit), ..
        }),
        [Expr::Str(_), Expr::Str(rep)],
        [Expr::Ref(arg)],
    ) = (regex.as_deref(), &args[..], &inner_args[..])
    else {
        return None;
    };
    let first_only = match &**name {
        "replaceAll" => false,
        "replaceFirst" => true,
        _ => return None,
    };
    if r.slot != SLOT_UTIL || &**inner != "escapeJavaScript" || rep.contains(['$', '\\']) {
        return None;
    }
    let (name, hint) = var_prop(var, arg)?;
    Some(Op::EscapeReplace {
        name,
        hint,
        first_only,
        lit: lit.clone(),
        rep: (**rep).into(),
    })
}

/// The ops of `body`; adds the steps of its nodes to `max_steps`, and clears `bounded` when
/// they have no bound (see [`LoopOps`]).
fn compile_ops(
    var: usize,
    body: &[Node],
    max_steps: &mut u64,
    bounded: &mut bool,
) -> Option<Vec<Op>> {
    use crate::parser::SLOT_FOREACH;
    let text = |b: &[Node]| match b {
        [] => Some(None),
        [Node::Text(t)] => Some(Some(t.clone())),
        _ => None,
    };
    let mut ops = Vec::new();
    for n in body {
        match n {
            Node::Text(t) => {
                ops.push(Op::Text(t.clone()));
                *max_steps += 1;
            }
            Node::TextRef(t, r) => match var_prop(var, r) {
                Some((name, hint)) => {
                    ops.push(Op::TextProp(t.clone(), name, hint));
                    *max_steps += 3;
                }
                None => {
                    ops.push(Op::Text(t.clone()));
                    ops.push(escape_replace(var, r)?);
                    *bounded = false;
                }
            },
            Node::Ref(r) => match var_prop(var, r) {
                Some((name, hint)) => {
                    ops.push(Op::Prop(name, hint));
                    *max_steps += 2;
                }
                None => {
                    ops.push(escape_replace(var, r)?);
                    *bounded = false;
                }
            },
            Node::If {
                branches,
                otherwise,
            } => {
                if let [(Expr::Ref(c), then)] = &branches[..] {
                    if let [Part::Prop(name, _)] = &c.parts[..] {
                        if c.slot == SLOT_FOREACH && &**name == "hasNext" {
                            ops.push(Op::IfHasNext {
                                then: text(then)?,
                                otherwise: match otherwise {
                                    Some(b) => text(b)?,
                                    None => None,
                                },
                            });
                            *max_steps += 4;
                            continue;
                        }
                    }
                }
                // Branches hold anything compiled here; their steps are not bounded by
                // `max_steps` (and bailing out of a condition needs the general path).
                *bounded = false;
                let mut ignored = 0;
                let mut eq_branches = Vec::new();
                for (cond, then) in branches {
                    let Expr::Bin(BinOp::Cmp(op @ (CmpOp::Eq | CmpOp::Ne)), l, rhs) = cond else {
                        return None;
                    };
                    let (Expr::Ref(r), Expr::Str(lit)) = (&**l, &**rhs) else {
                        return None;
                    };
                    let (name, hint) = var_prop(var, r)?;
                    eq_branches.push(EqBranch {
                        name,
                        hint,
                        lit: (**lit).into(),
                        eq: *op == CmpOp::Eq,
                        then: compile_ops(var, then, &mut ignored, bounded)?,
                    });
                }
                let otherwise = match otherwise {
                    Some(b) => compile_ops(var, b, &mut ignored, bounded)?,
                    None => Vec::new(),
                };
                ops.push(Op::IfEq {
                    branches: eq_branches,
                    otherwise,
                });
            }
            Node::Foreach {
                var: inner,
                iterable: Expr::Ref(r),
                body,
                ..
            } if *inner != var => {
                let (name, hint) = var_prop(var, r)?;
                ops.push(Op::Loop {
                    name,
                    hint,
                    body: Box::new(compile_loop(*inner, body)?),
                });
                *bounded = false;
            }
            _ => return None,
        }
    }
    Some(fold_fixed(ops))
}

/// `ops` with each run of two or more `Text` and `IfHasNext` folded into one `Fixed`: one
/// dispatch and one copy per run instead of one per node (`}`, `,` and a newline end most
/// loop bodies).
fn fold_fixed(ops: Vec<Op>) -> Vec<Op> {
    let fixed = |op: &Op| matches!(op, Op::Text(_) | Op::IfHasNext { .. });
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    let mut run: Vec<Op> = Vec::new();
    let flush = |run: &mut Vec<Op>, out: &mut Vec<Op>| {
        if run.len() < 2 {
            out.append(run);
            return;
        }
        let (mut next, mut last) = (String::new(), String::new());
        let (mut steps_next, mut steps_last) = (0, 0);
        for op in run.drain(..) {
            match op {
                Op::Text(t) => {
                    next.push_str(&t);
                    last.push_str(&t);
                    steps_next += 1;
                    steps_last += 1;
                }
                Op::IfHasNext { then, otherwise } => {
                    steps_next += 3;
                    steps_last += 3;
                    if let Some(t) = then {
                        next.push_str(&t);
                        steps_next += 1;
                    }
                    if let Some(t) = otherwise {
                        last.push_str(&t);
                        steps_last += 1;
                    }
                }
                _ => {}
            }
        }
        out.push(Op::Fixed {
            next: next.into(),
            last: last.into(),
            steps_next,
            steps_last,
        });
    };
    for op in ops {
        if fixed(&op) {
            run.push(op);
        } else {
            flush(&mut run, &mut out);
            out.push(op);
        }
    }
    flush(&mut run, &mut out);
    out
}
