//! A JSON document parsed once into a flat arena, read in place by `$input.path`,
//! `$input.json` and `$util.parseJson`.
//!
//! Nodes are laid out in document order; containers know where their subtree ends (`next`), so
//! walking members needs no allocation, and strings are unescaped only when read.

use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use crate::util::{java_double, json_quote};

/// Deepest JSON nesting accepted; deeper documents are treated as not JSON.
const MAX_JSON_DEPTH: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    True,
    False,
    Num,
    Str,
    Arr,
    Obj,
}

/// One value in the arena. Object members are a key (`Str`) node followed by the value subtree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JNode {
    pub kind: Kind,
    /// String contains backslash escapes.
    pub escaped: bool,
    /// Number whose Java value prints exactly as its source text.
    pub plain: bool,
    /// Source span (strings: without the quotes).
    pub start: u32,
    pub end: u32,
    /// Index of the first node after this subtree.
    pub next: u32,
    /// Containers: number of elements or members. Object keys: index of their object plus one
    /// (lets a member lookup check a remembered position). Other nodes: 0.
    pub len: u32,
}

/// A parsed document.
#[derive(Debug)]
pub(crate) struct JsonDoc {
    pub src: Arc<str>,
    pub nodes: Vec<JNode>,
}

impl JsonDoc {
    /// Parses `src`; `None` when it is not a single JSON value.
    pub(crate) fn parse(src: Arc<str>) -> Option<Rc<JsonDoc>> {
        if src.len() >= u32::MAX as usize {
            return None;
        }
        let mut nodes = Vec::with_capacity(src.len() / 8 + 4);
        parse_nodes(src.as_bytes(), &mut nodes)?;
        Some(Rc::new(JsonDoc { src, nodes }))
    }

    #[inline(always)]
    pub(crate) fn node(&self, i: u32) -> JNode {
        self.nodes[i as usize]
    }

    /// Raw source text of a node (strings: between the quotes).
    #[inline(always)]
    pub(crate) fn raw(&self, i: u32) -> &str {
        let n = self.node(i);
        &self.src[n.start as usize..n.end as usize]
    }

    /// Appends the decoded string of a `Str` node.
    pub(crate) fn write_str(&self, i: u32, out: &mut String) {
        let n = self.node(i);
        let raw = self.raw(i);
        if n.escaped {
            unescape_into(raw, out);
        } else {
            out.push_str(raw);
        }
    }

    /// The decoded string of a `Str` node.
    pub(crate) fn string(&self, i: u32) -> String {
        let mut s = String::new();
        self.write_str(i, &mut s);
        s
    }

    /// Whether a `Str` node equals `key`.
    pub(crate) fn str_eq(&self, i: u32, key: &str) -> bool {
        let n = self.node(i);
        if n.escaped {
            self.string(i) == key
        } else {
            self.raw(i) == key
        }
    }

    /// Children of an array, or `(key, value)` pairs of an object, as node indices.
    pub(crate) fn children(&self, i: u32) -> Children<'_> {
        let n = self.node(i);
        Children {
            doc: self,
            cur: i + 1,
            left: n.len,
            obj: n.kind == Kind::Obj,
        }
    }

    /// Value node of member `key` of object `i`.
    pub(crate) fn member(&self, i: u32, key: &str) -> Option<u32> {
        let nodes = &self.nodes[..];
        let n = nodes.get(i as usize)?;
        if n.kind != Kind::Obj {
            return None;
        }
        let src = self.src.as_bytes();
        let want = key.as_bytes();
        let Some(&first) = want.first() else {
            return self
                .children(i)
                .find(|&(k, _)| self.str_eq(k, key))
                .map(|(_, v)| v);
        };
        let wlen = want.len() as u32;
        let mut cur = i as usize + 1;
        let mut left = n.len;
        // Most keys differ in length or first byte; only those that do not are compared whole.
        while left > 0 {
            let k = nodes.get(cur)?;
            if k.escaped {
                if self.str_eq(cur as u32, key) {
                    return Some(cur as u32 + 1);
                }
            } else if k.end - k.start == wlen
                && src.get(k.start as usize) == Some(&first)
                && src
                    .get(k.start as usize..k.end as usize)
                    .is_some_and(|have| same_bytes(have, want))
            {
                return Some(cur as u32 + 1);
            }
            cur = nodes.get(cur + 1)?.next as usize;
            left -= 1;
        }
        None
    }

    /// [`Self::member`], trying first where the member was found in the previous object this
    /// access looked into (`hint`: offset of the key from its object, 0 for none). Templates
    /// read the same members of many same-shaped objects (`#foreach($item in $items)
    /// $item.price`), whose keys sit at the same offsets; a remembered position is used only
    /// after checking that the node there is a key of object `i` with the wanted name.
    #[inline(always)]
    pub(crate) fn member_hinted(&self, i: u32, key: &str, hint: &mut u32) -> Option<u32> {
        if *hint != 0 {
            let at = i.wrapping_add(*hint);
            if let Some(k) = self.nodes.get(at as usize) {
                if k.kind == Kind::Str
                    && k.len == i.wrapping_add(1)
                    && !k.escaped
                    && (k.end - k.start) as usize == key.len()
                    && self
                        .src
                        .as_bytes()
                        .get(k.start as usize..k.end as usize)
                        .is_some_and(|have| same_bytes(have, key.as_bytes()))
                {
                    return Some(at + 1);
                }
            }
        }
        let v = self.member(i, key)?;
        *hint = v - 1 - i;
        Some(v)
    }

    /// Element `idx` of array `i`.
    pub(crate) fn element(&self, i: u32, idx: usize) -> Option<u32> {
        self.children(i).nth(idx).map(|(_, v)| v)
    }

    /// Appends compact JSON for node `i` (numbers in Java form, as json-smart prints them).
    pub(crate) fn write_json(&self, i: u32, out: &mut String) {
        let n = self.node(i);
        match n.kind {
            Kind::Null => out.push_str("null"),
            Kind::True => out.push_str("true"),
            Kind::False => out.push_str("false"),
            Kind::Num => self.write_number(i, out),
            Kind::Str => {
                if n.escaped {
                    json_quote(&self.string(i), out);
                } else {
                    out.push('"');
                    out.push_str(self.raw(i));
                    out.push('"');
                }
            }
            Kind::Arr => {
                out.push('[');
                for (k, (_, v)) in self.children(i).enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    self.write_json(v, out);
                }
                out.push(']');
            }
            Kind::Obj => {
                out.push('{');
                for (k, (key, v)) in self.children(i).enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    self.write_json(key, out);
                    out.push(':');
                    self.write_json(v, out);
                }
                out.push('}');
            }
        }
    }

    /// Appends a number as Java prints the parsed value (`Integer`/`Long` or `Double`).
    pub(crate) fn write_number(&self, i: u32, out: &mut String) {
        let raw = self.raw(i);
        // The parser marked the numbers that print as written (integers that fit an `i64`
        // other than `-0`, plain decimals); the rest are printed from their parsed value.
        if self.node(i).plain {
            out.push_str(raw);
            return;
        }
        if raw.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
            match raw.parse::<i64>() {
                Ok(v) => {
                    let _ = write!(out, "{v}");
                }
                Err(_) => out.push_str(raw),
            }
        } else if is_plain_decimal(raw) {
            out.push_str(raw);
        } else {
            java_double(raw.parse::<f64>().unwrap_or(f64::NAN), out);
        }
    }
}

/// Equality of two byte strings. Member names are short: comparing them in line, as one or two
/// (overlapping) words, costs less than the call to `memcmp` that slice equality makes.
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=8 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        9..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// The four bytes of `s` at `at` (in bounds: see [`same_bytes`]).
#[inline(always)]
fn word4(s: &[u8], at: usize) -> Option<[u8; 4]> {
    s.get(at..at + 4)?.try_into().ok()
}

/// The eight bytes of `s` at `at` (in bounds: see [`same_bytes`]).
#[inline(always)]
fn word8(s: &[u8], at: usize) -> Option<[u8; 8]> {
    s.get(at..at + 8)?.try_into().ok()
}

/// Whether Java prints the double of `raw` as `raw` itself: a plain decimal in [0.001, 1e7) with
/// at most 15 significant digits and no trailing zero (such decimals round-trip exactly).
fn is_plain_decimal(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    let Some(dot) = digits.bytes().position(|c| c == b'.') else {
        return false;
    };
    let (int, frac) = (&digits[..dot], &digits[dot + 1..]);
    if int.is_empty()
        || int.len() > 7
        || frac.is_empty()
        || frac.ends_with('0')
        || !int.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
        || (int.len() > 1 && int.starts_with('0'))
    {
        return false;
    }
    let significant = if int == "0" {
        let lead = frac.len() - frac.trim_start_matches('0').len();
        if lead > 2 {
            return false;
        }
        frac.len() - lead
    } else {
        int.len() + frac.len()
    };
    significant <= 15
}

/// Iterator over the children of a container node.
pub(crate) struct Children<'d> {
    doc: &'d JsonDoc,
    cur: u32,
    left: u32,
    obj: bool,
}

impl Iterator for Children<'_> {
    /// `(key, value)`; for arrays the key is the value's own index.
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        if self.obj {
            let k = self.cur;
            let v = k + 1;
            self.cur = self.doc.node(v).next;
            Some((k, v))
        } else {
            let v = self.cur;
            self.cur = self.doc.node(v).next;
            Some((v, v))
        }
    }
}

/// Decodes JSON string escapes (`raw` was validated by the parser).
pub(crate) fn unescape_into(raw: &str, out: &mut String) {
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hi = hex4(&mut chars);
                let cp = match hi {
                    Some(h) if (0xD800..0xDC00).contains(&h) => {
                        let mut look = chars.clone();
                        if look.next() == Some('\\') && look.next() == Some('u') {
                            match hex4(&mut look) {
                                Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                    chars = look;
                                    0x10000 + ((h - 0xD800) << 10) + (lo - 0xDC00)
                                }
                                _ => 0xFFFD,
                            }
                        } else {
                            0xFFFD
                        }
                    }
                    Some(h) => h,
                    None => 0xFFFD,
                };
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + chars.next()?.to_digit(16)?;
    }
    Some(v)
}

/// Parses `b` into `nodes` (document order); `None` when `b` is not a single JSON value.
///
/// Iterative, with an explicit stack of open containers: a recursive descent returning
/// `Option` at every byte cost about three times as many instructions on request bodies, and
/// parsing the body is part of every render that reads `$input.path`/`$input.json`.
fn parse_nodes(b: &[u8], nodes: &mut Vec<JNode>) -> Option<()> {
    // The innermost open container (node index, members so far, whether it is an object)
    // lives in locals, the ones around it on `stack`; `depth` counts them all.
    let mut stack: Vec<(u32, u32, bool)> = Vec::with_capacity(16);
    let (mut top_i, mut top_len, mut top_obj) = (0u32, 0u32, false);
    let mut depth = 0usize;
    let mut keys = KeyCache::default();
    let mut runs = RunCache::default();
    let mut pos = skip_ws(b, 0);
    'value: loop {
        // A value starts at `pos`, inside `depth` open containers (at most `MAX_JSON_DEPTH`:
        // checked where a container opens).
        match *b.get(pos)? {
            b'"' => pos = string(b, pos, nodes, 0)?,
            c @ (b'{' | b'[') => {
                let obj = c == b'{';
                let i = nodes.len() as u32;
                nodes.push(JNode {
                    kind: if obj { Kind::Obj } else { Kind::Arr },
                    escaped: false,
                    plain: false,
                    start: pos as u32,
                    end: pos as u32,
                    next: i + 1,
                    len: 0,
                });
                let open = pos;
                if obj {
                    // The run from the brace to the first value (`{"sku": `) as a separator
                    // run ([`Run`]; it holds a key, so the object is not empty).
                    let run = *runs.slot(depth + 1, 0);
                    let (len, before) = (run.len as usize, run.start as usize);
                    if len > 0
                        && b.get(pos..pos + len)
                            .zip(b.get(before..before + len))
                            .is_some_and(|(here, there)| same_run(here, there))
                    {
                        if depth >= MAX_JSON_DEPTH {
                            return None;
                        }
                        if depth > 0 {
                            stack.push((top_i, top_len, top_obj));
                        }
                        depth += 1;
                        (top_i, top_len, top_obj) = (i, 0, true);
                        let start = pos + run.key_off as usize;
                        push_leaf(
                            nodes,
                            Kind::Str,
                            start,
                            start + run.key_len as usize,
                            false,
                            i + 1,
                        );
                        pos += len;
                        if b.get(pos).is_some_and(|&c| c <= b' ') {
                            pos = skip_ws(b, pos);
                        }
                        continue 'value;
                    }
                }
                pos = skip_ws(b, pos + 1);
                let close = if obj { b'}' } else { b']' };
                if b.get(pos) == Some(&close) {
                    pos += 1;
                    finish(nodes, i, 0, pos);
                } else {
                    // Its first value is one level deeper.
                    if depth >= MAX_JSON_DEPTH {
                        return None;
                    }
                    if depth > 0 {
                        stack.push((top_i, top_len, top_obj));
                    }
                    depth += 1;
                    (top_i, top_len, top_obj) = (i, 0, obj);
                    if obj {
                        pos = key(b, pos, nodes, i, keys.slot(depth, 0))?;
                        *runs.slot(depth, 0) = Run::after(open, pos, nodes.last());
                    }
                    continue 'value;
                }
            }
            b't' => pos = literal(b, pos, b"true", Kind::True, nodes)?,
            b'f' => pos = literal(b, pos, b"false", Kind::False, nodes)?,
            b'n' => pos = literal(b, pos, b"null", Kind::Null, nodes)?,
            b'-' | b'0'..=b'9' => pos = number(b, pos, nodes)?,
            _ => return None,
        }
        // A value ended at `pos`: go on with its container (closing as many as end here).
        loop {
            if depth == 0 {
                break 'value;
            }
            top_len += 1;
            // Usually the separator or closing bracket follows the value directly.
            let c = match b.get(pos) {
                Some(&c) if c > b' ' => c,
                _ => {
                    pos = skip_ws(b, pos);
                    *b.get(pos)?
                }
            };
            match c {
                b',' if top_obj => {
                    // Same-shaped objects repeat the bytes from the end of one member's value to
                    // the start of the next one's (`, "qty": `): when they are those of the last
                    // such run at this place (nesting depth and member index), they are taken
                    // without scanning them (see [`Run`]).
                    let run = runs.slot(depth, top_len);
                    let (len, before) = (run.len as usize, run.start as usize);
                    if len > 0
                        && b.get(pos..pos + len)
                            .zip(b.get(before..before + len))
                            .is_some_and(|(here, there)| same_run(here, there))
                    {
                        let start = pos + run.key_off as usize;
                        push_leaf(
                            nodes,
                            Kind::Str,
                            start,
                            start + run.key_len as usize,
                            false,
                            top_i + 1,
                        );
                        pos += len;
                        if b.get(pos).is_some_and(|&c| c <= b' ') {
                            pos = skip_ws(b, pos);
                        }
                        continue 'value;
                    }
                    let sep = pos;
                    // Most separators are followed by one space, then a key.
                    pos += 1;
                    if b.get(pos) == Some(&b' ') {
                        pos += 1;
                    }
                    if b.get(pos) != Some(&b'"') {
                        pos = skip_ws(b, pos);
                    }
                    pos = key(b, pos, nodes, top_i, keys.slot(depth, top_len))?;
                    *runs.slot(depth, top_len) = Run::after(sep, pos, nodes.last());
                    continue 'value;
                }
                b',' => {
                    // Most separators are followed by one space.
                    pos += 1;
                    if b.get(pos) == Some(&b' ') {
                        pos += 1;
                    }
                    pos = skip_ws(b, pos);
                    continue 'value;
                }
                c if c == if top_obj { b'}' } else { b']' } => {
                    pos += 1;
                    finish(nodes, top_i, top_len, pos);
                    depth -= 1;
                    if depth > 0 {
                        (top_i, top_len, top_obj) = stack.pop()?;
                    }
                }
                _ => return None,
            }
        }
    }
    (skip_ws(b, pos) == b.len()).then_some(())
}

#[inline(always)]
fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while let Some(&c) = b.get(pos) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        pos += 1;
    }
    pos
}

/// The last unescaped key seen at each (nesting depth, member index), as (start, length); a
/// length of 0 for none. Depths and indexes beyond the table share its last row and column
/// (a shared slot only misses more often: a remembered key is always checked byte for byte).
#[derive(Default)]
struct KeyCache([[(u32, u32); 8]; 8]);

impl KeyCache {
    #[inline(always)]
    fn slot(&mut self, depth: usize, member: u32) -> &mut (u32, u32) {
        let row = &mut self.0[depth.min(7)];
        &mut row[(member as usize).min(7)]
    }
}

/// Longest separator run ([`Run`]) remembered.
const MAX_RUN: usize = 32;

/// The bytes from the end of an object member's value to the start of the next member's value
/// (`, "qty": `: separator, key, colon and the whitespace around them), as the last such run at
/// a (nesting depth, member index): where it starts, its length (0 for none), and where its key
/// lies in it. Only runs whose key has no escape are remembered, so the same bytes after another
/// value at the same place are tokenized the same way: the same key node, ending at the same
/// offset (the value then starts after any further whitespace). Depths and indexes beyond the
/// table share its last row and column (a remembered run is always checked byte for byte).
#[derive(Default, Clone, Copy)]
struct Run {
    start: u32,
    len: u32,
    key_off: u32,
    key_len: u32,
}

impl Run {
    /// The run from `start` to `end` whose key node is `key` (none when it is escaped or the
    /// run is long).
    #[inline(always)]
    fn after(start: usize, end: usize, key: Option<&JNode>) -> Run {
        match key {
            Some(k) if !k.escaped && end - start <= MAX_RUN => Run {
                start: start as u32,
                len: (end - start) as u32,
                key_off: k.start - start as u32,
                key_len: k.end - k.start,
            },
            _ => Run::default(),
        }
    }
}

#[derive(Default)]
struct RunCache([[Run; 8]; 8]);

impl RunCache {
    #[inline(always)]
    fn slot(&mut self, depth: usize, member: u32) -> &mut Run {
        let row = &mut self.0[depth.min(7)];
        &mut row[(member as usize).min(7)]
    }
}

/// Equality of two runs of at most [`MAX_RUN`] bytes, as (overlapping) words in line.
#[inline(always)]
fn same_run(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..=16 => same_bytes(a, b),
        17..=32 => {
            word8(a, 0) == word8(b, 0)
                && word8(a, 8) == word8(b, 8)
                && word8(a, n - 16) == word8(b, n - 16)
                && word8(a, n - 8) == word8(b, n - 8)
        }
        _ => a == b,
    }
}

/// Closes container `i` that ended just before `end`.
#[inline(always)]
fn finish(nodes: &mut [JNode], i: u32, len: u32, end: usize) {
    let next = nodes.len() as u32;
    if let Some(n) = nodes.get_mut(i as usize) {
        n.next = next;
        n.len = len;
        n.end = end as u32;
    }
}

/// A key and colon at `pos` of a member of object `obj`; returns where its value starts.
#[inline(always)]
fn key(
    b: &[u8],
    pos: usize,
    nodes: &mut Vec<JNode>,
    obj: u32,
    last: &mut (u32, u32),
) -> Option<usize> {
    if b.get(pos) != Some(&b'"') {
        return None;
    }
    // Same-shaped objects repeat their keys: when this key's bytes are those of the last key at
    // the same place (nesting depth and member index), followed by a quote, it is that key. The
    // remembered key had no escape, quote or control byte, so scanning would end at the same
    // quote with the same node.
    let (start, len) = (pos + 1, last.1 as usize);
    let end = start + len;
    let before = last.0 as usize;
    let repeated = len > 0
        && b.get(end) == Some(&b'"')
        && b.get(start..end)
            .zip(b.get(before..before + len))
            .is_some_and(|(here, there)| same_bytes(here, there));
    let mut pos = if repeated {
        push_leaf(nodes, Kind::Str, start, end, false, obj + 1);
        end + 1
    } else {
        let after = string(b, pos, nodes, obj + 1)?;
        if let Some(k) = nodes.last() {
            *last = if k.escaped {
                (0, 0)
            } else {
                (k.start, k.end - k.start)
            };
        }
        after
    };
    // Most keys are followed by `: ` directly.
    if b.get(pos) != Some(&b':') {
        pos = skip_ws(b, pos);
        if b.get(pos) != Some(&b':') {
            return None;
        }
    }
    pos += 1;
    if b.get(pos) == Some(&b' ') {
        pos += 1;
    }
    Some(skip_ws(b, pos))
}

#[inline(always)]
fn push_leaf(nodes: &mut Vec<JNode>, kind: Kind, start: usize, end: usize, flag: bool, len: u32) {
    let next = nodes.len() as u32 + 1;
    nodes.push(JNode {
        kind,
        escaped: flag && kind == Kind::Str,
        plain: flag && kind == Kind::Num,
        start: start as u32,
        end: end as u32,
        next,
        len,
    });
}

fn literal(b: &[u8], pos: usize, word: &[u8], kind: Kind, nodes: &mut Vec<JNode>) -> Option<usize> {
    if b.get(pos..pos + word.len())? != word {
        return None;
    }
    push_leaf(nodes, kind, pos, pos + word.len(), false, 0);
    Some(pos + word.len())
}

fn digits(b: &[u8], mut pos: usize) -> usize {
    while b.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    pos
}

/// A number at `s`; marks it `plain` when Java prints its value as the source text (see
/// [`JsonDoc::write_number`]), so printing needs no second look at the digits.
fn number(b: &[u8], s: usize, nodes: &mut Vec<JNode>) -> Option<usize> {
    let neg = b.get(s) == Some(&b'-');
    let int_start = s + usize::from(neg);
    let mut pos = match *b.get(int_start)? {
        b'0' => int_start + 1,
        b'1'..=b'9' => digits(b, int_start + 1),
        _ => return None,
    };
    let int_len = pos - int_start;
    let zero = int_len == 1 && b[int_start] == b'0';
    let mut frac = None;
    if b.get(pos) == Some(&b'.') {
        let fs = pos + 1;
        pos = digits(b, fs);
        if pos == fs {
            return None;
        }
        frac = Some(fs..pos);
    }
    let mut exp = false;
    if matches!(b.get(pos), Some(b'e' | b'E')) {
        exp = true;
        pos += 1;
        if matches!(b.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        let ds = pos;
        pos = digits(b, ds);
        if pos == ds {
            return None;
        }
    }
    let plain = !exp
        && match frac {
            // An `Integer`/`Long` prints its digits (`-0` prints as `0`).
            None => int_len <= 18 && !(neg && zero),
            // A `Double` in [0.001, 1e7) with at most 15 significant digits and no trailing
            // zero prints as written (`is_plain_decimal`).
            Some(f) => {
                let frac = &b[f];
                int_len <= 7
                    && frac.last() != Some(&b'0')
                    && if zero {
                        let lead = frac.iter().take_while(|&&c| c == b'0').count();
                        lead <= 2 && frac.len() - lead <= 15
                    } else {
                        int_len + frac.len() <= 15
                    }
            }
        };
    push_leaf(nodes, Kind::Num, s, pos, plain, 0);
    Some(pos)
}

/// A string at `quote` (its opening quote), pushed with `len` (see [`JNode::len`]); returns
/// the position after the closing quote.
#[inline(always)]
fn string(b: &[u8], quote: usize, nodes: &mut Vec<JNode>, len: u32) -> Option<usize> {
    let s = quote + 1;
    let mut pos = s;
    let mut escaped = false;
    loop {
        // Skip plain bytes (not a quote, backslash or control character), eight at a time;
        // the lowest flagged byte of a word is exactly the first special byte, taken from the
        // word (no second load).
        let c = loop {
            match b.get(pos..pos + 8) {
                Some(chunk) => {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(chunk);
                    let mask = special_mask(u64::from_le_bytes(word));
                    if mask != 0 {
                        let k = (mask.trailing_zeros() / 8) as usize;
                        pos += k;
                        break word[k & 7];
                    }
                    pos += 8;
                }
                None => {
                    break loop {
                        let c = *b.get(pos)?;
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break c;
                        }
                        pos += 1;
                    }
                }
            }
        };
        match c {
            b'"' => break,
            b'\\' => {
                escaped = true;
                match *b.get(pos + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => pos += 2,
                    b'u' => {
                        let hex = b.get(pos + 2..pos + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        pos += 6;
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    push_leaf(nodes, Kind::Str, s, pos, escaped, len);
    Some(pos + 1)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in the bytes of `x` (little-endian) that are `"`, `\` or below 0x20. Bytes above
/// the first such byte may be flagged spuriously (borrows), so only the lowest flag is exact.
fn special_mask(x: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let below_space = x.wrapping_sub(LO * 0x20) & !x & HI;
    zero(x ^ (LO * u64::from(b'"'))) | zero(x ^ (LO * u64::from(b'\\'))) | below_space
}

#[cfg(test)]
mod tests {
    //! The iterative parser against the straightforward recursive-descent parser it replaced.

    use super::*;
    use proptest::prelude::*;

    const MAX_JSON_DEPTH: usize = super::MAX_JSON_DEPTH;

    struct JParser<'a> {
        b: &'a [u8],
        pos: usize,
        nodes: Vec<JNode>,
    }

    impl JParser<'_> {
        fn ws(&mut self) {
            while let Some(&c) = self.b.get(self.pos) {
                if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }

        fn push(&mut self, kind: Kind, start: usize, end: usize) -> usize {
            let i = self.nodes.len();
            self.nodes.push(JNode {
                kind,
                escaped: false,
                plain: false,
                start: start as u32,
                end: end as u32,
                next: (i + 1) as u32,
                len: 0,
            });
            i
        }

        fn value(&mut self, depth: usize) -> Option<()> {
            if depth > MAX_JSON_DEPTH {
                return None;
            }
            let start = self.pos;
            match *self.b.get(self.pos)? {
                b'{' => {
                    self.pos += 1;
                    let i = self.push(Kind::Obj, start, start);
                    let mut len = 0u32;
                    self.ws();
                    if self.b.get(self.pos) == Some(&b'}') {
                        self.pos += 1;
                    } else {
                        loop {
                            self.ws();
                            if self.b.get(self.pos) != Some(&b'"') {
                                return None;
                            }
                            self.string()?;
                            self.ws();
                            if self.b.get(self.pos) != Some(&b':') {
                                return None;
                            }
                            self.pos += 1;
                            self.ws();
                            self.value(depth + 1)?;
                            len += 1;
                            self.ws();
                            match self.b.get(self.pos) {
                                Some(b',') => self.pos += 1,
                                Some(b'}') => {
                                    self.pos += 1;
                                    break;
                                }
                                _ => return None,
                            }
                        }
                    }
                    self.finish(i, len);
                }
                b'[' => {
                    self.pos += 1;
                    let i = self.push(Kind::Arr, start, start);
                    let mut len = 0u32;
                    self.ws();
                    if self.b.get(self.pos) == Some(&b']') {
                        self.pos += 1;
                    } else {
                        loop {
                            self.ws();
                            self.value(depth + 1)?;
                            len += 1;
                            self.ws();
                            match self.b.get(self.pos) {
                                Some(b',') => self.pos += 1,
                                Some(b']') => {
                                    self.pos += 1;
                                    break;
                                }
                                _ => return None,
                            }
                        }
                    }
                    self.finish(i, len);
                }
                b'"' => self.string()?,
                b't' => self.literal(b"true", Kind::True)?,
                b'f' => self.literal(b"false", Kind::False)?,
                b'n' => self.literal(b"null", Kind::Null)?,
                b'-' | b'0'..=b'9' => self.number()?,
                _ => return None,
            }
            Some(())
        }

        fn finish(&mut self, i: usize, len: u32) {
            let next = self.nodes.len() as u32;
            let end = self.pos as u32;
            let n = &mut self.nodes[i];
            n.next = next;
            n.len = len;
            n.end = end;
        }

        fn literal(&mut self, word: &[u8], kind: Kind) -> Option<()> {
            if self.b.get(self.pos..self.pos + word.len())? != word {
                return None;
            }
            let s = self.pos;
            self.pos += word.len();
            self.push(kind, s, self.pos);
            Some(())
        }

        fn number(&mut self) -> Option<()> {
            let s = self.pos;
            let digits = |p: &mut Self| {
                let st = p.pos;
                while p.b.get(p.pos).is_some_and(u8::is_ascii_digit) {
                    p.pos += 1;
                }
                p.pos > st
            };
            if self.b.get(self.pos) == Some(&b'-') {
                self.pos += 1;
            }
            if self.b.get(self.pos) == Some(&b'0') {
                self.pos += 1;
            } else if !digits(self) {
                return None;
            }
            if self.b.get(self.pos) == Some(&b'.') {
                self.pos += 1;
                if !digits(self) {
                    return None;
                }
            }
            if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
                self.pos += 1;
                if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                if !digits(self) {
                    return None;
                }
            }
            self.push(Kind::Num, s, self.pos);
            Some(())
        }

        /// Byte by byte, as a reference should be (the parser skips eight bytes at a time).
        fn string(&mut self) -> Option<()> {
            let b = self.b;
            let s = self.pos + 1;
            let mut pos = s;
            let mut escaped = false;
            loop {
                match *b.get(pos)? {
                    b'"' => break,
                    b'\\' => {
                        escaped = true;
                        pos += match *b.get(pos + 1)? {
                            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                            b'u' if b.get(pos + 2..pos + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
                            _ => return None,
                        };
                    }
                    c if c < 0x20 => return None,
                    _ => pos += 1,
                }
            }
            let next = (self.nodes.len() + 1) as u32;
            self.nodes.push(JNode {
                kind: Kind::Str,
                escaped,
                plain: false,
                start: s as u32,
                end: pos as u32,
                next,
                len: 0,
            });
            self.pos = pos + 1;
            Some(())
        }
    }

    fn reference(src: &str) -> Option<Vec<JNode>> {
        let mut p = JParser {
            b: src.as_bytes(),
            pos: 0,
            nodes: Vec::new(),
        };
        p.ws();
        p.value(0)?;
        p.ws();
        (p.pos == p.b.len()).then_some(p.nodes)
    }

    /// How numbers printed before the parser computed `plain`.
    fn reference_number(raw: &str) -> String {
        let mut out = String::new();
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        if !digits.is_empty()
            && digits.len() <= 18
            && digits.bytes().all(|c| c.is_ascii_digit())
            && !(digits.len() < raw.len() && digits == "0")
        {
            out.push_str(raw);
        } else if raw.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
            match raw.parse::<i64>() {
                Ok(v) => out.push_str(&v.to_string()),
                Err(_) => out.push_str(raw),
            }
        } else if is_plain_decimal(raw) {
            out.push_str(raw);
        } else {
            java_double(raw.parse::<f64>().unwrap_or(f64::NAN), &mut out);
        }
        out
    }

    fn check(src: &str) {
        let want = reference(src);
        let got = JsonDoc::parse(src.into());
        match (&want, &got) {
            (None, None) => {}
            (Some(w), Some(g)) => {
                assert_eq!(w.len(), g.nodes.len(), "{src:?}");
                for (k, (a, b)) in w.iter().zip(&g.nodes).enumerate() {
                    assert_eq!(
                        (a.kind, a.escaped, a.start, a.end, a.next),
                        (b.kind, b.escaped, b.start, b.end, b.next),
                        "node {k} of {src:?}"
                    );
                    if matches!(b.kind, Kind::Arr | Kind::Obj) {
                        assert_eq!(a.len, b.len, "node {k} of {src:?}");
                    }
                    if b.kind == Kind::Obj {
                        for (key, _) in g.children(k as u32) {
                            assert_eq!(g.node(key).len, k as u32 + 1, "key {key} of {src:?}");
                        }
                    }
                    if b.kind == Kind::Num {
                        let mut out = String::new();
                        g.write_number(k as u32, &mut out);
                        assert_eq!(out, reference_number(g.raw(k as u32)), "{src:?}");
                    }
                }
            }
            _ => panic!(
                "{src:?}: reference {:?}, new {:?}",
                want.is_some(),
                got.is_some()
            ),
        }
    }

    #[test]
    fn compares_bytes() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmnop",
        ];
        for a in words {
            for b in words {
                assert_eq!(same_bytes(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
            }
            let long = format!("{a}{}", "x".repeat(17));
            for k in 0..long.len() {
                let mut other = long.clone().into_bytes();
                other[k] = b'_';
                assert!(!same_bytes(long.as_bytes(), &other), "{long} at {k}");
                assert!(
                    !same_bytes(&long.as_bytes()[..=k], &other[..=k]),
                    "{long} to {k}"
                );
                assert!(
                    same_bytes(&long.as_bytes()[..k], &other[..k]),
                    "{long} to {k}"
                );
            }
        }
    }

    #[test]
    fn parses_as_the_recursive_parser() {
        for src in [
            "",
            " ",
            "{}",
            "[]",
            " { } ",
            "[1,2",
            "{\"a\":1,}",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":[1,{\"b\":null}],\"c\":\"x\\\"y\"}",
            "[true,false,null,tru]",
            "-0",
            "-0.0",
            "0.001",
            "0.0001",
            "1234567.5",
            "12345678.5",
            "1.10",
            "123456789012345678",
            "1234567890123456789",
            "12345678901234567890",
            "1e7",
            "1E+2",
            "1e",
            "01",
            "-",
            "\"\\u00e9\\ud83d\\ude00\"",
            "\"\\x\"",
            "\"a\u{1}\"",
            "\"abcdefghijklmnop\"",
            "[[[[[]]]]]",
            // Separator runs (`, "b": `) repeated, then followed by other bytes.
            "[{\"a\":1, \"b\": 2},{\"a\":1, \"b\": 2},{\"a\":1, \"b\":  2},{\"a\":1, \"b\": \t2}]",
            r#"[{"a":1, "b": 2},{"a":1, "bb": 2},{"a":1, "b" : 2},{"a":1, "b":2}]"#,
            r#"[{"a":1, "b": 2},{"a":1, "b\u0062": 2},{"a":1, "b": 2},{"a":1, "\u0062": 2}]"#,
            r#"[{"a":1, "b": 2},{"a":1, "b": },{"a":1, "b": 2}]"#,
            r#"[{"a":1, "b": 2},{"a":1, "b": 2}, {"a":1, "b": 2"#,
            r#"[{"a":1, "b": 2},{"a":1, "b":"#,
            r#"{"a": {"x": 1, "y": 2}, "b": {"x": 1, "y": 2}, "c": [1, 2]}"#,
            r#"[{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9},{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9}]"#,
            r#"[{"a":1, "a_very_long_member_name_over_32_bytes": 2},{"a":1, "a_very_long_member_name_over_32_bytes": 2}]"#,
            r#"[{"a":1, "bcdefghijklmnopqrstu": 2},{"a":1, "bcdefghijklmnopqrstu": 2},{"a":1, "bcdefghijklmnopqrstv": 2}]"#,
        ] {
            check(src);
        }
        check(&("[".repeat(512) + &"]".repeat(512)));
        check(&("[".repeat(513) + &"]".repeat(513)));
        check(&("[".repeat(512) + "1" + &"]".repeat(512)));
        check(&("[".repeat(513) + "1" + &"]".repeat(513)));
    }

    proptest! {
        #[test]
        fn random_text_parses_as_the_recursive_parser(
            src in "[ \\t\\n{}\\[\\]:,\"\\\\a-f0-9.eE+\\-tnulrs/]{0,40}"
        ) {
            check(&src);
        }

        #[test]
        fn same_shaped_objects_parse_as_the_recursive_parser(
            members in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["a", "b", "ab", "b\\u0061", "a\\\"", "sku", "x_y_z_w_v_u_t_s_r_q_p_o_n_m_l_k"]),
                    proptest::sample::select(vec!["", " ", "  ", "\n", "\t", " \n  "]),
                    proptest::sample::select(vec!["", " ", "  ", "\n", "\t", " \n  "]),
                    proptest::sample::select(vec!["1", "\"v\"", "[1, 2]", "{\"a\": 1, \"b\": 2}", "null", "-0"]),
                ),
                1..40,
            ),
            width in 1usize..5,
            cut in 0usize..2000,
        ) {
            // Objects of `width` members drawn in turn from `members`: many repeat the runs of
            // the one before them, with some whitespace, key or value changed.
            let objs: Vec<String> = members
                .chunks(width)
                .map(|c| {
                    let fields: Vec<String> = c
                        .iter()
                        .map(|(k, before, after, v)| format!("\"{k}\"{before}:{after}{v}"))
                        .collect();
                    format!("{{{}}}", fields.join(", "))
                })
                .collect();
            let text = format!("[{}]", objs.join(", "));
            check(&text);
            let cut = text.char_indices().nth(cut).map_or(text.len(), |(p, _)| p);
            check(&text[..cut]);
        }

        #[test]
        fn documents_parse_as_the_recursive_parser(
            v in proptest::arbitrary::any::<Vec<(String, f64, i64, bool)>>(),
            cut in 0usize..400,
        ) {
            let doc: Vec<serde_json::Value> = v
                .iter()
                .map(|(s, f, i, b)| serde_json::json!({"s": s, "f": f, "i": i, "b": [b, null]}))
                .collect();
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            check(&text);
            let cut = text.char_indices().nth(cut).map_or(text.len(), |(p, _)| p);
            check(&text[..cut]);
        }
    }
}
