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
    /// Source span (strings: without the quotes).
    pub start: u32,
    pub end: u32,
    /// Index of the first node after this subtree.
    pub next: u32,
    /// Number of elements or members.
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
        let mut p = JParser {
            b: src.as_bytes(),
            pos: 0,
            nodes: Vec::with_capacity(src.len() / 8 + 4),
        };
        p.ws();
        p.value(0)?;
        p.ws();
        if p.pos != p.b.len() {
            return None;
        }
        let nodes = p.nodes;
        Some(Rc::new(JsonDoc { src, nodes }))
    }

    pub(crate) fn node(&self, i: u32) -> JNode {
        self.nodes[i as usize]
    }

    /// Raw source text of a node (strings: between the quotes).
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
        let n = self.nodes.get(i as usize)?;
        if n.kind != Kind::Obj {
            return None;
        }
        let src = self.src.as_bytes();
        let want = key.as_bytes();
        let mut cur = i as usize + 1;
        for _ in 0..n.len {
            let k = &self.nodes[cur];
            let hit = if k.escaped {
                self.str_eq(cur as u32, key)
            } else {
                (k.end - k.start) as usize == want.len()
                    && src.get(k.start as usize) == want.first()
                    && &src[k.start as usize..k.end as usize] == want
            };
            if hit {
                return Some(cur as u32 + 1);
            }
            cur = self.nodes[cur + 1].next as usize;
        }
        None
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
        // Fast path: an integer literal that fits an `i64` prints as written (the parser only
        // accepts canonical JSON numbers, so there are no leading zeros; `-0` prints as `0`).
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        if !digits.is_empty()
            && digits.len() <= 18
            && digits.bytes().all(|c| c.is_ascii_digit())
            && !(digits.len() < raw.len() && digits == "0")
        {
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

    fn string(&mut self) -> Option<()> {
        let b = self.b;
        let s = self.pos + 1;
        let mut pos = s;
        let mut escaped = false;
        loop {
            // Skip plain bytes (not a quote, backslash or control character), eight at a time;
            // the lowest flagged byte of a word is exactly the first special byte.
            loop {
                match b.get(pos..pos + 8) {
                    Some(chunk) => {
                        let mut word = [0u8; 8];
                        word.copy_from_slice(chunk);
                        let mask = special_mask(u64::from_le_bytes(word));
                        if mask != 0 {
                            pos += (mask.trailing_zeros() / 8) as usize;
                            break;
                        }
                        pos += 8;
                    }
                    None => {
                        while let Some(&c) = b.get(pos) {
                            if c == b'"' || c == b'\\' || c < 0x20 {
                                break;
                            }
                            pos += 1;
                        }
                        break;
                    }
                }
            }
            match *b.get(pos)? {
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
        let next = (self.nodes.len() + 1) as u32;
        self.nodes.push(JNode {
            kind: Kind::Str,
            escaped,
            start: s as u32,
            end: pos as u32,
            next,
            len: 0,
        });
        self.pos = pos + 1;
        Some(())
    }
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
