//! Velocity 1.7 parser: template text to [`crate::ast`] nodes.
//!
//! It follows the grammar of Velocity 1.7 (`Parser.jjt`), which API Gateway runs, including its
//! whitespace rules:
//! - the `)` that closes a directive (`#set`, `#if`, `#elseif`, `#foreach`, `#define`, `#macro`,
//!   a macro call) swallows the spaces, tabs and one newline that follow it on the same line;
//! - `#else` and `#end` swallow the same;
//! - `#set` also swallows the spaces and tabs before it when nothing but them precedes it since
//!   the previous directive, reference or comment;
//! - `##` comments swallow their newline.
//!
//! Identifiers may contain `-` (`$a-b` is one name) and string literals only know the `\uXXXX`
//! escape and doubled quotes, as in Velocity 1.7.

use std::collections::HashMap;

use crate::ast::{BinOp, Block, CmpOp, Expr, MacroDef, Node, Part, Pattern, Reference};
use crate::error::ParseError;

/// Deepest nesting of blocks and expressions accepted.
const MAX_DEPTH: usize = 100;

/// Slots of the variables every template can see, in this order.
pub(crate) const BUILTINS: [&str; 7] = [
    "input",
    "util",
    "context",
    "stageVariables",
    "foreach",
    "velocityCount",
    "velocityHasNext",
];
pub(crate) const SLOT_INPUT: usize = 0;
pub(crate) const SLOT_UTIL: usize = 1;
pub(crate) const SLOT_CONTEXT: usize = 2;
pub(crate) const SLOT_STAGE: usize = 3;
pub(crate) const SLOT_FOREACH: usize = 4;
pub(crate) const SLOT_COUNT: usize = 5;
pub(crate) const SLOT_HAS_NEXT: usize = 6;

/// Directive names Velocity 1.7 knows (used by `\#` escapes).
const DIRECTIVES: [&str; 14] = [
    "set", "if", "elseif", "else", "end", "foreach", "define", "macro", "break", "stop", "include",
    "parse", "evaluate", "literal",
];

/// Methods whose first argument is a Java regular expression.
pub(crate) const REGEX_METHODS: [&str; 4] = ["replaceAll", "replaceFirst", "matches", "split"];

/// State shared by the parser of a template and of the strings interpolated in it.
#[derive(Debug)]
pub(crate) struct Shared {
    slots: HashMap<Box<str>, usize>,
    pub names: Vec<Box<str>>,
    pub defines: Vec<Block>,
    pub macros: HashMap<Box<str>, MacroDef>,
    /// Property accesses parsed so far (each gets a member position hint slot).
    pub props: usize,
}

impl Shared {
    fn new() -> Self {
        let mut s = Self {
            slots: HashMap::new(),
            names: Vec::new(),
            defines: Vec::new(),
            macros: HashMap::new(),
            props: 0,
        };
        for b in BUILTINS {
            s.slot(b);
        }
        s
    }

    fn slot(&mut self, name: &str) -> usize {
        if let Some(&i) = self.slots.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.into());
        self.slots.insert(name.into(), i);
        i
    }
}

/// The result of parsing a whole template.
pub(crate) struct Parsed {
    pub root: Block,
    pub shared: Shared,
}

/// Parses a template.
pub(crate) fn parse(src: &str) -> Result<Parsed, ParseError> {
    let mut shared = Shared::new();
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: 0,
        sh: &mut shared,
        depth: 0,
    };
    let root = p
        .top_block()
        .map_err(|e| ParseError::at(src, e.pos, e.msg))?;
    Ok(Parsed { root, shared })
}

/// Internal error: byte offset plus message, turned into line/column at the top.
struct PErr {
    pos: usize,
    msg: String,
}

type PResult<T> = Result<T, PErr>;

/// How a block ended.
enum Term {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    sh: &'a mut Shared,
    depth: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn flush(text: &mut String, nodes: &mut Block) {
    if !text.is_empty() {
        nodes.push(Node::Text(std::mem::take(text).into_boxed_str()));
    }
}

impl Parser<'_> {
    fn err<T>(&self, pos: usize, msg: impl Into<String>) -> PResult<T> {
        Err(PErr {
            pos,
            msg: msg.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn at(&self, p: usize) -> u8 {
        self.b.get(p).copied().unwrap_or(0)
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(self.pos, format!("nesting deeper than {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn top_block(&mut self) -> PResult<Block> {
        let (nodes, term, pos) = self.block()?;
        match term {
            Term::Eof => Ok(nodes),
            Term::End => self.err(
                pos,
                "#end without a matching #if, #foreach, #define or #macro",
            ),
            Term::Else => self.err(pos, "#else without a matching #if"),
            Term::ElseIf(_) => self.err(pos, "#elseif without a matching #if"),
        }
    }

    /// A block that must be closed by `#end`.
    fn end_block(&mut self, what: &str, start: usize) -> PResult<Block> {
        self.enter()?;
        let (nodes, term, pos) = self.block()?;
        self.leave();
        match term {
            Term::End => Ok(nodes),
            Term::Eof => self.err(start, format!("{what} is missing its #end")),
            Term::Else | Term::ElseIf(_) => self.err(pos, format!("#else inside {what}")),
        }
    }

    /// Parses nodes until `#end`, `#else`, `#elseif` or the end of input.
    fn block(&mut self) -> PResult<(Block, Term, usize)> {
        let mut nodes = Vec::new();
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                flush(&mut text, &mut nodes);
                return Ok((nodes, Term::Eof, self.pos));
            };
            match c {
                b'$' => match self.reference()? {
                    Some(r) => {
                        flush(&mut text, &mut nodes);
                        nodes.push(Node::Ref(r));
                    }
                    None => {
                        text.push('$');
                        self.pos += 1;
                    }
                },
                b'#' => {
                    let start = self.pos;
                    if let Some(term) = self.hash(&mut nodes, &mut text)? {
                        flush(&mut text, &mut nodes);
                        return Ok((nodes, term, start));
                    }
                }
                b'\\' => self.backslash(&mut nodes, &mut text)?,
                _ => {
                    let start = self.pos;
                    while let Some(c) = self.peek() {
                        if c == b'$' || c == b'#' || c == b'\\' {
                            break;
                        }
                        self.pos += 1;
                    }
                    text.push_str(&self.src[start..self.pos]);
                }
            }
        }
    }

    /// Reads `word` or `{word}` after a `#` at `p`; returns the word, its end, and whether braced.
    fn directive_word(&self, p: usize) -> Option<(&str, usize)> {
        if self.at(p) == b'{' {
            let s = p + 1;
            if !is_ident_start(self.at(s)) {
                return None;
            }
            let mut e = s + 1;
            while is_word_char(self.at(e)) {
                e += 1;
            }
            if self.at(e) != b'}' {
                return None;
            }
            Some((&self.src[s..e], e + 1))
        } else {
            if !is_ident_start(self.at(p)) {
                return None;
            }
            let mut e = p + 1;
            while is_word_char(self.at(e)) {
                e += 1;
            }
            Some((&self.src[p..e], e))
        }
    }

    /// Handles a `#`: comments, directives, macro calls or literal text.
    fn hash(&mut self, nodes: &mut Block, text: &mut String) -> PResult<Option<Term>> {
        let start = self.pos;
        match self.at(start + 1) {
            b'#' => {
                // `##` line comment, swallowing its newline.
                flush(text, nodes);
                let mut p = start + 2;
                while p < self.b.len() && self.b[p] != b'\n' && self.b[p] != b'\r' {
                    p += 1;
                }
                if self.at(p) == b'\r' {
                    p += 1;
                }
                if self.at(p) == b'\n' {
                    p += 1;
                }
                self.pos = p.min(self.b.len());
                return Ok(None);
            }
            b'*' => {
                flush(text, nodes);
                match self.src[start + 2..].find("*#") {
                    Some(i) => self.pos = start + 2 + i + 2,
                    None => return self.err(start, "unterminated #* comment"),
                }
                return Ok(None);
            }
            b'[' if self.at(start + 2) == b'[' => {
                flush(text, nodes);
                match self.src[start + 3..].find("]]#") {
                    Some(i) => {
                        text.push_str(&self.src[start + 3..start + 3 + i]);
                        flush(text, nodes);
                        self.pos = start + 3 + i + 3;
                    }
                    None => return self.err(start, "unterminated #[[ block"),
                }
                return Ok(None);
            }
            _ => {}
        }
        let Some((word, after)) = self.directive_word(start + 1) else {
            text.push('#');
            self.pos += 1;
            return Ok(None);
        };
        let word = word.to_owned();
        match word.as_str() {
            "set" => {
                let mut p = after;
                while self.at(p) == b' ' {
                    p += 1;
                }
                if self.at(p) != b'(' {
                    text.push_str(&self.src[start..after]);
                    self.pos = after;
                    return Ok(None);
                }
                if text.bytes().all(|c| c == b' ' || c == b'\t') {
                    text.clear();
                }
                flush(text, nodes);
                self.pos = p + 1;
                let node = self.set_body(start)?;
                nodes.push(node);
                Ok(None)
            }
            "if" => {
                flush(text, nodes);
                self.pos = after;
                let cond = self.paren_expr(start)?;
                self.gobble();
                let node = self.if_rest(cond, start)?;
                nodes.push(node);
                Ok(None)
            }
            "elseif" => {
                self.pos = after;
                let cond = self.paren_expr(start)?;
                self.gobble();
                Ok(Some(Term::ElseIf(cond)))
            }
            "else" => {
                self.pos = after;
                self.gobble();
                Ok(Some(Term::Else))
            }
            "end" => {
                self.pos = after;
                self.gobble();
                Ok(Some(Term::End))
            }
            "foreach" => {
                flush(text, nodes);
                self.pos = after;
                self.ws();
                self.expect(b'(', "'(' after #foreach")?;
                self.ws();
                let var = self.simple_var("#foreach loop variable")?;
                self.ws();
                if self.src[self.pos..].starts_with("in") && !is_word_char(self.at(self.pos + 2)) {
                    self.pos += 2;
                } else {
                    return self.err(self.pos, "expected 'in' in #foreach");
                }
                let iterable = self.expr()?;
                self.ws();
                self.expect(b')', "')' closing #foreach")?;
                self.gobble();
                let body = self.end_block("#foreach", start)?;
                nodes.push(Node::Foreach {
                    var,
                    iterable,
                    body,
                    ops: None,
                });
                Ok(None)
            }
            "define" => {
                flush(text, nodes);
                self.pos = after;
                self.ws();
                self.expect(b'(', "'(' after #define")?;
                self.ws();
                let var = self.simple_var("#define name")?;
                self.ws();
                self.expect(b')', "')' closing #define")?;
                self.gobble();
                let body = self.end_block("#define", start)?;
                let id = self.sh.defines.len();
                self.sh.defines.push(body);
                nodes.push(Node::Define { var, id });
                Ok(None)
            }
            "macro" => {
                flush(text, nodes);
                self.pos = after;
                self.ws();
                self.expect(b'(', "'(' after #macro")?;
                self.ws();
                let Some((name, e)) = self.directive_word(self.pos) else {
                    return self.err(self.pos, "expected a macro name");
                };
                let name: Box<str> = name.into();
                self.pos = e;
                let mut params = Vec::new();
                while !self.list_closed() {
                    if self.peek() != Some(b'$') {
                        return self.err(self.pos, "expected a $parameter or ')' in #macro");
                    }
                    params.push(self.simple_var("macro parameter")?);
                }
                self.gobble();
                let body = self.end_block("#macro", start)?;
                self.sh.macros.insert(name, MacroDef { params, body });
                Ok(None)
            }
            "break" | "stop" => {
                flush(text, nodes);
                self.pos = after;
                let save = self.pos;
                self.ws();
                if self.peek() == Some(b'(') {
                    self.pos += 1;
                    self.ws();
                    if self.peek() != Some(b')') {
                        let _scope = self.expr()?;
                        self.ws();
                    }
                    self.expect(b')', "')'")?;
                    self.gobble();
                } else {
                    self.pos = save;
                }
                nodes.push(if word == "break" {
                    Node::Break
                } else {
                    Node::Stop
                });
                Ok(None)
            }
            "include" | "parse" | "evaluate" | "literal" => self.err(
                start,
                format!("#{word} is not supported in API Gateway mapping templates"),
            ),
            _ => {
                // A macro call if parentheses follow, otherwise plain text.
                let mut p = after;
                while matches!(self.at(p), b' ' | b'\t' | b'\n' | b'\r') {
                    p += 1;
                }
                if self.at(p) == b'(' {
                    let save_depth = self.depth;
                    self.pos = p + 1;
                    if let Ok(args) = self.macro_args() {
                        let literal: Box<str> = self.src[start..self.pos].into();
                        self.gobble();
                        flush(text, nodes);
                        nodes.push(Node::MacroCall {
                            name: word.into(),
                            args,
                            literal,
                        });
                        return Ok(None);
                    }
                    self.depth = save_depth;
                }
                text.push_str(&self.src[start..after]);
                self.pos = after;
                Ok(None)
            }
        }
    }

    fn macro_args(&mut self) -> PResult<Vec<Expr>> {
        let mut args = Vec::new();
        while !self.list_closed() {
            if self.peek().is_none() {
                return self.err(self.pos, "unclosed macro call");
            }
            args.push(self.expr()?);
        }
        Ok(args)
    }

    /// Between the items of a `#macro` parameter list or a macro call's arguments: skips white
    /// space and one optional comma (Velocity separates them with either), and consumes the
    /// closing `)` when it comes, saying so.
    fn list_closed(&mut self) -> bool {
        self.ws();
        if self.peek() == Some(b',') {
            self.pos += 1;
            self.ws();
        }
        let closed = self.peek() == Some(b')');
        if closed {
            self.pos += 1;
        }
        closed
    }

    fn if_rest(&mut self, cond: Expr, start: usize) -> PResult<Node> {
        self.enter()?;
        let mut branches = Vec::new();
        let mut otherwise = None;
        let mut cur = cond;
        loop {
            let (body, term, pos) = self.block()?;
            match term {
                Term::End => {
                    branches.push((cur, body));
                    break;
                }
                Term::ElseIf(c) => {
                    branches.push((cur, body));
                    cur = c;
                }
                Term::Else => {
                    branches.push((cur, body));
                    let (b2, t2, p2) = self.block()?;
                    match t2 {
                        Term::End => otherwise = Some(b2),
                        Term::Eof => return self.err(start, "#if is missing its #end"),
                        _ => return self.err(p2, "#else or #elseif after #else"),
                    }
                    break;
                }
                Term::Eof => {
                    let _ = pos;
                    return self.err(start, "#if is missing its #end");
                }
            }
        }
        self.leave();
        Ok(Node::If {
            branches,
            otherwise,
        })
    }

    /// After `#set(`: `$ref = expr )`.
    fn set_body(&mut self, start: usize) -> PResult<Node> {
        self.ws();
        if self.peek() != Some(b'$') {
            return self.err(self.pos, "expected a $reference after #set(");
        }
        let Some(target) = self.reference()? else {
            return self.err(self.pos, "expected a $reference after #set(");
        };
        if matches!(target.parts.last(), Some(Part::Method { .. })) {
            return self.err(start, "cannot #set a method call");
        }
        self.ws();
        self.expect(b'=', "'=' in #set")?;
        let value = self.expr()?;
        self.ws();
        self.expect(b')', "')' closing #set")?;
        self.gobble();
        Ok(Node::Set { target, value })
    }

    /// `$name` without accesses.
    fn simple_var(&mut self, what: &str) -> PResult<usize> {
        let p = self.pos;
        if self.peek() != Some(b'$') {
            return self.err(p, format!("expected {what}"));
        }
        let mut s = p + 1;
        if self.at(s) == b'!' {
            s += 1;
        }
        let braced = self.at(s) == b'{';
        if braced {
            s += 1;
        }
        if !is_ident_start(self.at(s)) {
            return self.err(p, format!("expected {what}"));
        }
        let mut e = s + 1;
        while is_ident_char(self.at(e)) {
            e += 1;
        }
        let name = &self.src[s..e];
        if braced {
            if self.at(e) != b'}' {
                return self.err(e, "expected '}'");
            }
            e += 1;
        }
        self.pos = e;
        Ok(self.sh.slot(name))
    }

    fn expect(&mut self, c: u8, what: &str) -> PResult<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(self.pos, format!("expected {what}"))
        }
    }

    /// Swallows spaces/tabs and one newline after a directive, if the line ends there.
    fn gobble(&mut self) {
        let mut p = self.pos;
        while matches!(self.at(p), b' ' | b'\t') {
            p += 1;
        }
        match self.at(p) {
            b'\n' => self.pos = p + 1,
            b'\r' => {
                self.pos = if self.at(p + 1) == b'\n' {
                    p + 2
                } else {
                    p + 1
                };
            }
            _ => {}
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// `[ws] ( expr )` after `#if` / `#elseif`.
    fn paren_expr(&mut self, start: usize) -> PResult<Expr> {
        self.ws();
        if self.peek() != Some(b'(') {
            return self.err(start, "expected '(' after directive");
        }
        self.pos += 1;
        let e = self.expr()?;
        self.ws();
        self.expect(b')', "')' closing the condition")?;
        Ok(e)
    }

    /// Backslashes before `$` or `#`: Velocity's escaping rules.
    fn backslash(&mut self, nodes: &mut Block, text: &mut String) -> PResult<()> {
        let start = self.pos;
        let mut p = start;
        while self.at(p) == b'\\' {
            p += 1;
        }
        let n = p - start;
        let half = "\\".repeat(n / 2);
        match self.at(p) {
            b'$' => {
                self.pos = p;
                match self.reference()? {
                    Some(reference) => {
                        flush(text, nodes);
                        if n % 2 == 1 {
                            nodes.push(Node::EscapedRef {
                                prefix: half.into(),
                                reference,
                            });
                        } else {
                            if !half.is_empty() {
                                nodes.push(Node::Text(half.into()));
                            }
                            nodes.push(Node::Ref(reference));
                        }
                    }
                    None => text.push_str(&self.src[start..p]),
                }
            }
            b'#' => {
                let known = self.directive_word(p + 1).and_then(|(w, e)| {
                    let known = DIRECTIVES.contains(&w) || self.sh.macros.contains_key(w);
                    known.then_some(e)
                });
                match known {
                    Some(e) if n % 2 == 1 => {
                        text.push_str(&half);
                        text.push_str(&self.src[p..e]);
                        self.pos = e;
                    }
                    Some(_) => {
                        text.push_str(&half);
                        self.pos = p;
                    }
                    None => {
                        text.push_str(&self.src[start..p]);
                        self.pos = p;
                    }
                }
            }
            _ => {
                text.push_str(&self.src[start..p]);
                self.pos = p;
            }
        }
        Ok(())
    }

    /// Parses a reference at `$`; `None` (position unchanged) when the `$` starts no reference.
    fn reference(&mut self) -> PResult<Option<Reference>> {
        let start = self.pos;
        let mut p = start + 1;
        if self.at(p) == b'!' {
            p += 1;
        }
        let formal = self.at(p) == b'{';
        if formal {
            p += 1;
        }
        if !is_ident_start(self.at(p)) {
            return Ok(None);
        }
        let s = p;
        while is_ident_char(self.at(p)) {
            p += 1;
        }
        let slot = self.sh.slot(&self.src[s..p]);
        let mut parts = Vec::new();
        self.pos = p;
        loop {
            match self.peek() {
                Some(b'[') => {
                    let save = self.pos;
                    let save_depth = self.depth;
                    self.pos += 1;
                    match self.index_expr() {
                        Ok(e) => parts.push(Part::Index(e)),
                        Err(e) => {
                            if formal {
                                return Err(e);
                            }
                            self.pos = save;
                            self.depth = save_depth;
                            break;
                        }
                    }
                }
                Some(b'.') if self.at(self.pos + 1).is_ascii_alphabetic() => {
                    let s = self.pos + 1;
                    let mut e = s + 1;
                    while is_ident_char(self.at(e)) {
                        e += 1;
                    }
                    let name: Box<str> = self.src[s..e].into();
                    self.pos = e;
                    if self.peek() == Some(b'(') {
                        self.pos += 1;
                        let args = self.call_args()?;
                        let regex = match args.first() {
                            Some(Expr::Str(lit)) if &*name == "matches" => {
                                crate::util::java_regex(&format!("^(?:{lit})$")).ok()
                            }
                            Some(Expr::Str(lit)) if REGEX_METHODS.contains(&&*name) => {
                                crate::util::java_regex(lit).ok()
                            }
                            _ => None,
                        }
                        .map(|re| {
                            let literal = match args.first() {
                                Some(Expr::Str(lit)) if &*name != "matches" => {
                                    crate::util::regex_literal(lit).map(String::into_boxed_str)
                                }
                                _ => None,
                            };
                            Box::new(Pattern { re, literal })
                        });
                        parts.push(Part::Method { name, args, regex });
                    } else {
                        parts.push(Part::Prop(name, self.sh.props));
                        self.sh.props += 1;
                    }
                }
                _ => break,
            }
        }
        if formal {
            if self.peek() == Some(b'}') {
                self.pos += 1;
            } else {
                return self.err(self.pos, "expected '}' closing ${…}");
            }
        }
        Ok(Some(Reference {
            slot,
            parts,
            literal: self.src[start..self.pos].into(),
            pos: start,
        }))
    }

    /// After `[` in a reference: `expr ]`.
    fn index_expr(&mut self) -> PResult<Expr> {
        let e = self.expr()?;
        self.ws();
        self.expect(b']', "']'")?;
        Ok(e)
    }

    /// After `(` of a method call: `args )`.
    fn call_args(&mut self) -> PResult<Vec<Expr>> {
        let mut args = Vec::new();
        self.ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    return Ok(args);
                }
                _ => return self.err(self.pos, "expected ',' or ')' in method arguments"),
            }
        }
    }

    // ----- expressions -------------------------------------------------------------------

    fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let e = self.or_expr();
        self.leave();
        e
    }

    /// Matches an operator symbol or word at the current position (after whitespace).
    fn op(&mut self, sym: &str, word: Option<&str>) -> bool {
        self.ws();
        let rest = &self.src[self.pos..];
        if rest.starts_with(sym) {
            // `=` must not match the start of `==`, `<` must not match `<=`.
            let next = self.at(self.pos + sym.len());
            if (sym == "<" || sym == ">" || sym == "!") && next == b'=' {
                return false;
            }
            self.pos += sym.len();
            return true;
        }
        if let Some(w) = word {
            if rest.starts_with(w) && !is_word_char(self.at(self.pos + w.len())) {
                self.pos += w.len();
                return true;
            }
        }
        false
    }

    /// One level of left-associative binary operators, `operand (op operand)*`: the operators
    /// are tried in order (a longer symbol before its prefix), each operand parsed by `operand`
    /// (the next level, binding tighter).
    fn binary_level(
        &mut self,
        ops: &[(&str, Option<&str>, BinOp)],
        operand: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let mut l = operand(self)?;
        loop {
            let Some(&(_, _, op)) = ops.iter().find(|(sym, word, _)| self.op(sym, *word)) else {
                return Ok(l);
            };
            let r = operand(self)?;
            l = Expr::Bin(op, Box::new(l), Box::new(r));
        }
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        self.binary_level(&[("||", Some("or"), BinOp::Or)], Self::and_expr)
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        self.binary_level(&[("&&", Some("and"), BinOp::And)], Self::eq_expr)
    }

    fn eq_expr(&mut self) -> PResult<Expr> {
        self.binary_level(
            &[
                ("==", Some("eq"), BinOp::Cmp(CmpOp::Eq)),
                ("!=", Some("ne"), BinOp::Cmp(CmpOp::Ne)),
            ],
            Self::rel_expr,
        )
    }

    fn rel_expr(&mut self) -> PResult<Expr> {
        self.binary_level(
            &[
                ("<=", Some("le"), BinOp::Cmp(CmpOp::Le)),
                (">=", Some("ge"), BinOp::Cmp(CmpOp::Ge)),
                ("<", Some("lt"), BinOp::Cmp(CmpOp::Lt)),
                (">", Some("gt"), BinOp::Cmp(CmpOp::Gt)),
            ],
            Self::add_expr,
        )
    }

    fn add_expr(&mut self) -> PResult<Expr> {
        self.binary_level(
            &[("+", None, BinOp::Add), ("-", None, BinOp::Sub)],
            Self::mul_expr,
        )
    }

    fn mul_expr(&mut self) -> PResult<Expr> {
        self.binary_level(
            &[
                ("*", None, BinOp::Mul),
                ("/", None, BinOp::Div),
                ("%", None, BinOp::Mod),
            ],
            Self::unary,
        )
    }

    fn unary(&mut self) -> PResult<Expr> {
        if self.op("!", Some("not")) {
            self.enter()?;
            let e = self.unary();
            self.leave();
            return Ok(Expr::Not(Box::new(e?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> PResult<Expr> {
        self.ws();
        let p = self.pos;
        let e = match self.peek() {
            Some(b'$') => match self.reference()? {
                Some(r) => Expr::Ref(r),
                None => return self.err(p, "expected a reference after '$'"),
            },
            Some(b'"') => self.string_dq()?,
            Some(b'\'') => self.string_sq()?,
            Some(b'-') if self.at(p + 1).is_ascii_digit() || self.at(p + 1) == b'.' => {
                self.number()?
            }
            Some(c) if c.is_ascii_digit() => self.number()?,
            Some(b'.') if self.at(p + 1).is_ascii_digit() => self.number()?,
            Some(b'[') => {
                self.pos += 1;
                self.enter()?;
                let e = self.list_or_range();
                self.leave();
                e?
            }
            Some(b'{') => {
                self.pos += 1;
                self.enter()?;
                let e = self.map_lit();
                self.leave();
                e?
            }
            Some(b'(') => {
                self.pos += 1;
                let e = self.expr()?;
                self.ws();
                self.expect(b')', "')'")?;
                e
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let mut e = p;
                while is_word_char(self.at(e)) {
                    e += 1;
                }
                match &self.src[p..e] {
                    "true" => {
                        self.pos = e;
                        Expr::Bool(true)
                    }
                    "false" => {
                        self.pos = e;
                        Expr::Bool(false)
                    }
                    w => return self.err(p, format!("unexpected word '{w}' in expression")),
                }
            }
            Some(_) => return self.err(p, "expected an expression"),
            None => return self.err(p, "unexpected end of template in expression"),
        };
        Ok(e)
    }

    fn number(&mut self) -> PResult<Expr> {
        let s = self.pos;
        let mut p = s;
        if self.at(p) == b'-' {
            p += 1;
        }
        while self.at(p).is_ascii_digit() {
            p += 1;
        }
        let mut float = false;
        if self.at(p) == b'.'
            && self.at(p + 1) != b'.'
            && (self.at(p + 1).is_ascii_digit() || p > s && self.at(p - 1).is_ascii_digit())
        {
            float = true;
            p += 1;
            while self.at(p).is_ascii_digit() {
                p += 1;
            }
        }
        if matches!(self.at(p), b'e' | b'E') {
            let mut q = p + 1;
            if matches!(self.at(q), b'+' | b'-') {
                q += 1;
            }
            if self.at(q).is_ascii_digit() {
                while self.at(q).is_ascii_digit() {
                    q += 1;
                }
                p = q;
                float = true;
            }
        }
        let lit = &self.src[s..p];
        self.pos = p;
        if !float {
            if let Ok(i) = lit.parse::<i64>() {
                return Ok(Expr::Int(i));
            }
        }
        match lit.parse::<f64>() {
            Ok(f) => Ok(Expr::Float(f)),
            Err(_) => self.err(s, format!("invalid number '{lit}'")),
        }
    }

    fn list_or_range(&mut self) -> PResult<Expr> {
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Expr::List(Vec::new()));
        }
        let first = self.expr()?;
        self.ws();
        if self.src[self.pos..].starts_with("..") {
            self.pos += 2;
            let second = self.expr()?;
            self.ws();
            self.expect(b']', "']' closing the range")?;
            return Ok(Expr::Range(Box::new(first), Box::new(second)));
        }
        let mut items = vec![first];
        loop {
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    items.push(self.expr()?);
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Expr::List(items));
                }
                _ => return self.err(self.pos, "expected ',' or ']' in list"),
            }
        }
    }

    fn map_lit(&mut self) -> PResult<Expr> {
        let mut entries = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Expr::Map(entries));
        }
        loop {
            let k = self.expr()?;
            self.ws();
            self.expect(b':', "':' in map")?;
            let v = self.expr()?;
            entries.push((k, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Expr::Map(entries));
                }
                _ => return self.err(self.pos, "expected ',' or '}' in map"),
            }
        }
    }

    /// The text of the string literal opened by `quote` at the current position, a doubled
    /// quote standing for one; moves past the closing quote.
    fn quoted(&mut self, quote: char) -> PResult<String> {
        let s = self.pos;
        let mut out = String::new();
        let mut p = s + 1;
        loop {
            let Some(rest) = self.src.get(p..) else {
                return self.err(s, "unterminated string");
            };
            match rest.find(quote) {
                None => return self.err(s, "unterminated string"),
                Some(i) => {
                    out.push_str(&rest[..i]);
                    p += i + 1;
                    if self.at(p) == quote as u8 {
                        out.push(quote);
                        p += 1;
                    } else {
                        break;
                    }
                }
            }
        }
        self.pos = p;
        Ok(out)
    }

    fn string_sq(&mut self) -> PResult<Expr> {
        let out = self.quoted('\'')?;
        Ok(Expr::Str(out.into()))
    }

    fn string_dq(&mut self) -> PResult<Expr> {
        let s = self.pos;
        let raw = self.quoted('"')?;
        let content = unescape_unicode(&raw);
        if !content.contains('$') && !content.contains('#') {
            return Ok(Expr::Str(content.into()));
        }
        self.enter()?;
        let mut sub = Parser {
            src: &content,
            b: content.as_bytes(),
            pos: 0,
            sh: &mut *self.sh,
            depth: self.depth,
        };
        let block = sub.top_block().map_err(|e| PErr {
            pos: s,
            msg: format!("in string literal: {}", e.msg),
        })?;
        self.leave();
        Ok(Expr::Interp(block))
    }
}

/// Velocity 1.7 decodes only `\uXXXX` in double-quoted strings.
fn unescape_unicode(s: &str) -> String {
    if !s.contains("\\u") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\u") {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 2..i + 6);
        match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
            Some(cp) => {
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                rest = &rest[i + 6..];
            }
            None => {
                out.push_str("\\u");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}
