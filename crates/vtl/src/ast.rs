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
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
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
#[derive(Debug)]
pub(crate) struct LoopOps {
    pub ops: Vec<Op>,
    /// Steps of one iteration at most: the loop's own, then those of the body's nodes.
    pub max_steps: u64,
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
}

/// `body` of `#foreach($var …)` as [`LoopOps`], or `None` when it has any other node.
pub(crate) fn compile_loop(var: usize, body: &[Node]) -> Option<LoopOps> {
    use crate::parser::{SLOT_FOREACH, SLOT_HAS_NEXT};
    // The built-in variables (`$foreach`, `$velocityCount`…) keep their meaning only
    // as other names than the loop's.
    if var <= SLOT_HAS_NEXT {
        return None;
    }
    let prop = |r: &Reference| match &r.parts[..] {
        [Part::Prop(name, hint)] if r.slot == var => Some(Op::Prop(name.clone(), *hint)),
        _ => None,
    };
    let text = |b: &[Node]| match b {
        [] => Some(None),
        [Node::Text(t)] => Some(Some(t.clone())),
        _ => None,
    };
    let mut ops = Vec::new();
    let mut max_steps = 1;
    for n in body {
        match n {
            Node::Text(t) => {
                ops.push(Op::Text(t.clone()));
                max_steps += 1;
            }
            Node::TextRef(t, r) => {
                let Op::Prop(name, hint) = prop(r)? else {
                    return None;
                };
                ops.push(Op::TextProp(t.clone(), name, hint));
                max_steps += 3;
            }
            Node::Ref(r) => {
                ops.push(prop(r)?);
                max_steps += 2;
            }
            Node::If {
                branches,
                otherwise,
            } => {
                let [(Expr::Ref(c), then)] = &branches[..] else {
                    return None;
                };
                match &c.parts[..] {
                    [Part::Prop(name, _)] if c.slot == SLOT_FOREACH && &**name == "hasNext" => {}
                    _ => return None,
                }
                ops.push(Op::IfHasNext {
                    then: text(then)?,
                    otherwise: match otherwise {
                        Some(b) => text(b)?,
                        None => None,
                    },
                });
                max_steps += 4;
            }
            _ => return None,
        }
    }
    Some(LoopOps { ops, max_steps })
}
