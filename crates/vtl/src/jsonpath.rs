//! JSONPath (the Jayway dialect API Gateway uses) over a parsed [`JsonDoc`]: `$`, `.key`,
//! `['key']`, `[n]`, `[-n]`, `[a,b]`, `[start:end]`, `[*]`, `.*`, `..key`, `..*` and filters
//! `[?(@.x == 'y')]` with `== != < <= > >=`, `&&`, `||`, parentheses and existence tests.
//!
//! A path without wildcards, deep scans, filters, unions or slices is *definite*: it yields one
//! value or nothing. Other paths yield a list of matches.

use crate::ast::CmpOp;
use crate::json::{JsonDoc, Kind};

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Keys(Vec<String>),
    Index(i64),
    Indexes(Vec<i64>),
    Slice(Option<i64>, Option<i64>),
    Wild,
    /// `..`: descendants-or-self, to which the next segment applies.
    Descend,
    Filter(Box<Filter>),
}

#[derive(Debug, Clone)]
enum Filter {
    Or(Vec<Filter>),
    And(Vec<Filter>),
    Exists(Operand),
    Cmp(Operand, CmpOp, Operand),
}

#[derive(Debug, Clone)]
enum Operand {
    /// `@…` (relative) or `$…` (absolute) definite path.
    Path {
        absolute: bool,
        segs: Vec<Seg>,
    },
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

/// A compiled JSONPath.
#[derive(Debug, Clone)]
pub(crate) struct JsonPath {
    segs: Vec<Seg>,
    /// Yields at most one value.
    pub definite: bool,
}

/// Parses a path; `None` if it is not valid JSONPath.
pub(crate) fn compile(path: &str) -> Option<JsonPath> {
    let path = path.trim();
    let owned;
    let path = if path.starts_with('$') {
        path
    } else {
        owned = format!("$.{path}");
        &owned
    };
    let mut p = PathParser {
        s: path.as_bytes(),
        src: path,
        pos: 1,
        depth: 0,
    };
    let segs = p.segments()?;
    if p.pos != p.s.len() {
        return None;
    }
    let definite = segs
        .iter()
        .all(|s| matches!(s, Seg::Key(_) | Seg::Index(_)));
    Some(JsonPath { segs, definite })
}

/// Evaluates `path` from node `root`; returns matching nodes in document order.
pub(crate) fn eval(doc: &JsonDoc, root: u32, path: &JsonPath) -> Vec<u32> {
    apply(doc, root, root, &path.segs)
}

fn apply(doc: &JsonDoc, doc_root: u32, start: u32, segs: &[Seg]) -> Vec<u32> {
    let mut cur = vec![start];
    for seg in segs {
        let mut next = Vec::new();
        for &n in &cur {
            select(doc, doc_root, n, seg, &mut next);
        }
        cur = next;
        if cur.is_empty() {
            break;
        }
    }
    cur
}

fn select(doc: &JsonDoc, doc_root: u32, n: u32, seg: &Seg, out: &mut Vec<u32>) {
    let node = doc.node(n);
    match seg {
        Seg::Key(k) => {
            if node.kind == Kind::Obj {
                out.extend(doc.member(n, k));
            }
        }
        Seg::Keys(ks) => {
            if node.kind == Kind::Obj {
                for k in ks {
                    out.extend(doc.member(n, k));
                }
            }
        }
        Seg::Index(i) => {
            if node.kind == Kind::Arr {
                out.extend(norm_index(*i, node.len).and_then(|i| doc.element(n, i)));
            }
        }
        Seg::Indexes(is) => {
            if node.kind == Kind::Arr {
                for i in is {
                    out.extend(norm_index(*i, node.len).and_then(|i| doc.element(n, i)));
                }
            }
        }
        Seg::Slice(a, b) => {
            if node.kind == Kind::Arr {
                let len = i64::from(node.len);
                let clamp = |v: i64| if v < 0 { (len + v).max(0) } else { v.min(len) };
                let from = a.map_or(0, clamp);
                let to = b.map_or(len, clamp);
                for (k, (_, v)) in doc.children(n).enumerate() {
                    let k = k as i64;
                    if k >= from && k < to {
                        out.push(v);
                    }
                }
            }
        }
        Seg::Wild => {
            if matches!(node.kind, Kind::Arr | Kind::Obj) {
                out.extend(doc.children(n).map(|(_, v)| v));
            }
        }
        Seg::Descend => descend(doc, n, out),
        Seg::Filter(f) => match node.kind {
            Kind::Arr => {
                for (_, v) in doc.children(n) {
                    if test(doc, doc_root, v, f) {
                        out.push(v);
                    }
                }
            }
            Kind::Obj if test(doc, doc_root, n, f) => out.push(n),
            _ => {}
        },
    }
}

fn norm_index(i: i64, len: u32) -> Option<usize> {
    let len = i64::from(len);
    let i = if i < 0 { len + i } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

fn descend(doc: &JsonDoc, n: u32, out: &mut Vec<u32>) {
    // Pre-order over the subtree; object keys are skipped.
    out.push(n);
    if matches!(doc.node(n).kind, Kind::Arr | Kind::Obj) {
        for (_, v) in doc.children(n) {
            descend(doc, v, out);
        }
    }
}

/// A filter operand's value.
enum FVal {
    Missing,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// Container node, compared by JSON text.
    Node(u32),
}

fn operand(doc: &JsonDoc, doc_root: u32, cur: u32, o: &Operand) -> FVal {
    match o {
        Operand::Str(s) => FVal::Str(s.clone()),
        Operand::Num(f) => FVal::Num(*f),
        Operand::Bool(b) => FVal::Bool(*b),
        Operand::Null => FVal::Null,
        Operand::Path { absolute, segs } => {
            let start = if *absolute { doc_root } else { cur };
            let found = apply(doc, doc_root, start, segs);
            match found.first() {
                None => FVal::Missing,
                Some(&n) => match doc.node(n).kind {
                    Kind::Null => FVal::Null,
                    Kind::True => FVal::Bool(true),
                    Kind::False => FVal::Bool(false),
                    Kind::Num => FVal::Num(doc.raw(n).parse().unwrap_or(f64::NAN)),
                    Kind::Str => FVal::Str(doc.string(n)),
                    Kind::Arr | Kind::Obj => FVal::Node(n),
                },
            }
        }
    }
}

fn test(doc: &JsonDoc, doc_root: u32, cur: u32, f: &Filter) -> bool {
    match f {
        Filter::Or(fs) => fs.iter().any(|f| test(doc, doc_root, cur, f)),
        Filter::And(fs) => fs.iter().all(|f| test(doc, doc_root, cur, f)),
        Filter::Exists(o) => !matches!(operand(doc, doc_root, cur, o), FVal::Missing),
        Filter::Cmp(a, op, b) => {
            let (x, y) = (
                operand(doc, doc_root, cur, a),
                operand(doc, doc_root, cur, b),
            );
            let ord = match (&x, &y) {
                (FVal::Num(p), FVal::Num(q)) => p.partial_cmp(q),
                (FVal::Str(p), FVal::Str(q)) => Some(p.cmp(q)),
                (FVal::Bool(p), FVal::Bool(q)) => (p == q).then_some(std::cmp::Ordering::Equal),
                (FVal::Null, FVal::Null) => Some(std::cmp::Ordering::Equal),
                (FVal::Node(p), FVal::Node(q)) => {
                    let (mut s, mut t) = (String::new(), String::new());
                    doc.write_json(*p, &mut s);
                    doc.write_json(*q, &mut t);
                    (s == t).then_some(std::cmp::Ordering::Equal)
                }
                _ => None,
            };
            op.holds(ord)
        }
    }
}

const MAX_FILTER_DEPTH: usize = 32;

struct PathParser<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
    depth: usize,
}

impl PathParser<'_> {
    fn at(&self, p: usize) -> u8 {
        self.s.get(p).copied().unwrap_or(0)
    }

    fn ws(&mut self) {
        while self.at(self.pos) == b' ' {
            self.pos += 1;
        }
    }

    /// Segments until the end of the path (or a character that cannot continue it).
    fn segments(&mut self) -> Option<Vec<Seg>> {
        let mut segs = Vec::new();
        loop {
            match self.at(self.pos) {
                b'.' => {
                    self.pos += 1;
                    if self.at(self.pos) == b'.' {
                        self.pos += 1;
                        segs.push(Seg::Descend);
                        if self.at(self.pos) == b'[' {
                            continue;
                        }
                    }
                    if self.at(self.pos) == b'*' {
                        self.pos += 1;
                        segs.push(Seg::Wild);
                    } else {
                        let st = self.pos;
                        while !matches!(self.at(self.pos), 0 | b'.' | b'[' | b' ' | b')')
                            && !self.is_op_start()
                        {
                            self.pos += 1;
                        }
                        if self.pos == st {
                            return None;
                        }
                        segs.push(Seg::Key(self.src[st..self.pos].to_owned()));
                    }
                }
                b'[' => {
                    self.pos += 1;
                    segs.push(self.bracket()?);
                }
                _ => return Some(segs),
            }
        }
    }

    /// Inside filters, operators end a name (`@.a==1`).
    fn is_op_start(&self) -> bool {
        self.depth > 0 && matches!(self.at(self.pos), b'=' | b'!' | b'<' | b'>' | b'&' | b'|')
    }

    fn bracket(&mut self) -> Option<Seg> {
        self.ws();
        let seg = match self.at(self.pos) {
            b'*' => {
                self.pos += 1;
                Seg::Wild
            }
            b'\'' | b'"' => {
                let first = self.quoted()?;
                let mut keys = self.list_after(first, Self::quoted)?;
                if keys.len() == 1 {
                    Seg::Key(keys.pop()?)
                } else {
                    Seg::Keys(keys)
                }
            }
            b'?' => {
                self.pos += 1;
                self.ws();
                if self.at(self.pos) != b'(' {
                    return None;
                }
                Seg::Filter(Box::new(self.parenthesized()?))
            }
            _ => {
                let a = self.int();
                self.ws();
                if self.at(self.pos) == b':' {
                    self.pos += 1;
                    self.ws();
                    let b = self.int();
                    Seg::Slice(a, b)
                } else {
                    let is = self.list_after(a?, Self::int)?;
                    if is.len() == 1 {
                        Seg::Index(is[0])
                    } else {
                        Seg::Indexes(is)
                    }
                }
            }
        };
        self.ws();
        if self.at(self.pos) != b']' {
            return None;
        }
        self.pos += 1;
        Some(seg)
    }

    /// A comma-separated list whose `first` item has been read: the items, each further one
    /// read by `item`.
    fn list_after<T>(&mut self, first: T, item: fn(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut items = vec![first];
        loop {
            self.ws();
            if self.at(self.pos) != b',' {
                break;
            }
            self.pos += 1;
            self.ws();
            items.push(item(self)?);
        }
        Some(items)
    }

    fn int(&mut self) -> Option<i64> {
        let st = self.pos;
        if self.at(self.pos) == b'-' {
            self.pos += 1;
        }
        while self.at(self.pos).is_ascii_digit() {
            self.pos += 1;
        }
        self.src[st..self.pos].parse().ok()
    }

    fn quoted(&mut self) -> Option<String> {
        let q = self.at(self.pos);
        if q != b'\'' && q != b'"' {
            return None;
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c = self.at(self.pos);
            if c == 0 && self.pos >= self.s.len() {
                return None;
            }
            if c == q {
                self.pos += 1;
                return Some(out);
            }
            if c == b'\\' && self.pos + 1 < self.s.len() {
                self.pos += 1;
            }
            let ch = self.src[self.pos..].chars().next()?;
            out.push(ch);
            self.pos += ch.len_utf8();
        }
    }

    /// `operand (sep operand)*`: the single operand itself, or `join` of them all.
    fn filter_list(
        &mut self,
        sep: &str,
        operand: fn(&mut Self) -> Option<Filter>,
        join: fn(Vec<Filter>) -> Filter,
    ) -> Option<Filter> {
        let mut parts = vec![operand(self)?];
        loop {
            self.ws();
            if self.src[self.pos..].starts_with(sep) {
                self.pos += sep.len();
                parts.push(operand(self)?);
            } else {
                break;
            }
        }
        Some(if parts.len() == 1 {
            parts.pop()?
        } else {
            join(parts)
        })
    }

    fn filter_or(&mut self) -> Option<Filter> {
        if self.depth > MAX_FILTER_DEPTH {
            return None;
        }
        self.filter_list("||", Self::filter_and, Filter::Or)
    }

    fn filter_and(&mut self) -> Option<Filter> {
        self.filter_list("&&", Self::filter_atom, Filter::And)
    }

    /// `(filter)`, at its `(`: the filter inside, parsed one level deeper.
    fn parenthesized(&mut self) -> Option<Filter> {
        self.pos += 1;
        self.depth += 1;
        let f = self.filter_or()?;
        self.depth -= 1;
        self.ws();
        if self.at(self.pos) != b')' {
            return None;
        }
        self.pos += 1;
        Some(f)
    }

    fn filter_atom(&mut self) -> Option<Filter> {
        self.ws();
        if self.at(self.pos) == b'(' {
            return self.parenthesized();
        }
        let a = self.operand()?;
        self.ws();
        let rest = &self.src[self.pos..];
        let ops = [
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ];
        for (sym, op) in ops {
            if rest.starts_with(sym) {
                self.pos += sym.len();
                self.ws();
                let b = self.operand()?;
                return Some(Filter::Cmp(a, op, b));
            }
        }
        Some(Filter::Exists(a))
    }

    fn operand(&mut self) -> Option<Operand> {
        self.ws();
        match self.at(self.pos) {
            c @ (b'@' | b'$') => {
                self.pos += 1;
                let segs = self.segments()?;
                Some(Operand::Path {
                    absolute: c == b'$',
                    segs,
                })
            }
            b'\'' | b'"' => Some(Operand::Str(self.quoted()?)),
            b'-' | b'0'..=b'9' => {
                let st = self.pos;
                self.pos += 1;
                while matches!(
                    self.at(self.pos),
                    b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'
                ) {
                    self.pos += 1;
                }
                Some(Operand::Num(self.src[st..self.pos].parse().ok()?))
            }
            _ => {
                let rest = &self.src[self.pos..];
                for (w, v) in [
                    ("true", Operand::Bool(true)),
                    ("false", Operand::Bool(false)),
                    ("null", Operand::Null),
                ] {
                    if rest.starts_with(w) {
                        self.pos += w.len();
                        return Some(v);
                    }
                }
                None
            }
        }
    }
}
