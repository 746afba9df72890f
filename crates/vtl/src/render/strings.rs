//! Java `String` methods on strings (`$s.substring(1)`, `replaceAll`, `split`, …), with Java's
//! UTF-16 indexes.

use std::sync::Arc;

use crate::ast::{Pattern, Reference};
use crate::util;
use crate::value::Value;

use super::{RResult, Renderer};

/// Java `String` index (UTF-16 units) to byte offset; `None` when out of range.
fn utf16_to_byte(s: &str, idx: i64) -> Option<usize> {
    if idx < 0 {
        return None;
    }
    let idx = idx as usize;
    if s.is_ascii() {
        return (idx <= s.len()).then_some(idx);
    }
    let mut units = 0;
    for (b, c) in s.char_indices() {
        if units >= idx {
            return Some(b);
        }
        units += c.len_utf16();
    }
    (units >= idx).then_some(s.len())
}

fn utf16_len(s: &str) -> i64 {
    if s.is_ascii() {
        s.len() as i64
    } else {
        s.encode_utf16().count() as i64
    }
}

fn byte_to_utf16(s: &str, b: usize) -> i64 {
    utf16_len(&s[..b])
}

/// Java `String.trim()`: strips characters up to U+0020 at both ends.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

fn java_compare(a: &str, b: &str) -> i64 {
    let (mut x, mut y) = (a.encode_utf16(), b.encode_utf16());
    loop {
        match (x.next(), y.next()) {
            (Some(p), Some(q)) if p != q => return i64::from(p) - i64::from(q),
            (Some(_), Some(_)) => {}
            (None, None) => return 0,
            (Some(_), None) | (None, Some(_)) => {
                return utf16_len(a) - utf16_len(b);
            }
        }
    }
}

impl Renderer<'_> {
    pub(super) fn string_call(
        &mut self,
        s: &Arc<str>,
        name: &str,
        args: &[Value],
        regex: Option<&Pattern>,
        r: &Reference,
    ) -> RResult<Value> {
        let arg_s = |k: usize| args.get(k).and_then(Value::as_str);
        let arg_i = |k: usize| args.get(k).and_then(Value::as_int);
        // The regex precompiled at parse time is borrowed (cloning a `Regex` builds a new cache
        // pool); other patterns are compiled here.
        let regex_for = |this: &Self,
                         pat: &str,
                         anchored: bool|
         -> RResult<std::borrow::Cow<'_, regex::Regex>> {
            if let Some(p) = regex {
                return Ok(std::borrow::Cow::Borrowed(&p.re));
            }
            let p = if anchored {
                format!("^(?:{pat})$")
            } else {
                pat.to_owned()
            };
            util::java_regex(&p)
                .map(std::borrow::Cow::Owned)
                .or_else(|e| this.method_err(r.pos, format!("bad regex: {e}")))
        };
        Ok(match (name, args.len()) {
            ("length" | "size", 0) => Value::Int(utf16_len(s)),
            ("isEmpty", 0) => Value::Bool(s.is_empty()),
            ("trim", 0) => Value::str(java_trim(s)),
            ("toLowerCase", 0) => Value::str(s.to_lowercase()),
            ("toUpperCase", 0) => Value::str(s.to_uppercase()),
            ("contains", 1) => arg_s(0).map_or(Value::Null, |x| Value::Bool(s.contains(&*x))),
            ("startsWith", 1) => arg_s(0).map_or(Value::Null, |x| Value::Bool(s.starts_with(&*x))),
            ("startsWith", 2) => match (arg_s(0), arg_i(1)) {
                (Some(x), Some(off)) => {
                    Value::Bool(utf16_to_byte(s, off).is_some_and(|b| s[b..].starts_with(&*x)))
                }
                _ => Value::Null,
            },
            ("endsWith", 1) => arg_s(0).map_or(Value::Null, |x| Value::Bool(s.ends_with(&*x))),
            ("equalsIgnoreCase", 1) => Value::Bool(arg_s(0).is_some_and(|x| {
                x.chars()
                    .flat_map(char::to_lowercase)
                    .eq(s.chars().flat_map(char::to_lowercase))
            })),
            ("indexOf" | "lastIndexOf", 1 | 2) => {
                let Some(x) = arg_s(0) else {
                    return Ok(Value::Null);
                };
                let last = name == "lastIndexOf";
                let found = match arg_i(1) {
                    None if args.len() == 2 => return Ok(Value::Null),
                    None => {
                        if last {
                            s.rfind(&*x)
                        } else {
                            s.find(&*x)
                        }
                    }
                    Some(from) => {
                        let from = from.clamp(0, utf16_len(s));
                        let b = utf16_to_byte(s, from).unwrap_or(s.len());
                        if last {
                            let end = (b + x.len()).min(s.len());
                            let end = (end..=s.len())
                                .find(|&e| s.is_char_boundary(e))
                                .unwrap_or(s.len());
                            s[..end].rfind(&*x)
                        } else {
                            s[b..].find(&*x).map(|i| i + b)
                        }
                    }
                };
                Value::Int(found.map_or(-1, |b| byte_to_utf16(s, b)))
            }
            ("substring", 1 | 2) => {
                let len = utf16_len(s);
                let (Some(b), e) = (arg_i(0), arg_i(1)) else {
                    return Ok(Value::Null);
                };
                let e = if args.len() == 2 {
                    match e {
                        Some(e) => e,
                        None => return Ok(Value::Null),
                    }
                } else {
                    len
                };
                if b < 0 || e > len || b > e {
                    return self.method_err(
                        r.pos,
                        format!("substring: begin {b}, end {e}, length {len}"),
                    );
                }
                match (utf16_to_byte(s, b), utf16_to_byte(s, e)) {
                    (Some(x), Some(y)) if x <= y => Value::str(&s[x..y]),
                    _ => Value::str(""),
                }
            }
            ("charAt", 1) => {
                let Some(i) = arg_i(0) else {
                    return Ok(Value::Null);
                };
                match utf16_to_byte(s, i).and_then(|b| s[b..].chars().next()) {
                    Some(c) if i < utf16_len(s) => Value::str(c.to_string()),
                    _ => return self.method_err(r.pos, format!("charAt: index {i} out of range")),
                }
            }
            ("concat", 1) => match arg_s(0) {
                Some(x) => {
                    self.check_len(s.len() + x.len())?;
                    Value::str(format!("{s}{x}"))
                }
                None => Value::Null,
            },
            ("replace", 2) => match (arg_s(0), arg_s(1)) {
                (Some(a), Some(b)) => {
                    let out = if a.is_empty() {
                        let mut o = String::from(&*b);
                        for c in s.chars() {
                            o.push(c);
                            o.push_str(&b);
                        }
                        o
                    } else {
                        s.replace(&*a, &b)
                    };
                    self.check_len(out.len())?;
                    Value::str(out)
                }
                _ => Value::Null,
            },
            ("replaceAll" | "replaceFirst", 2) => {
                let (Some(pat), Some(rep)) = (arg_s(0), arg_s(1)) else {
                    return Ok(Value::Null);
                };
                let limit = if name == "replaceFirst" { 1 } else { 0 };
                let mut last = 0;
                // A pattern without metacharacters is searched as text: the same matches,
                // without a regex search (cache pool, prefilter) per call.
                // (Precomputed at parse time for a literal pattern argument.)
                let lit = match regex {
                    Some(p) => p.literal.as_deref().map(std::borrow::Cow::Borrowed),
                    None => util::regex_literal(&pat).map(std::borrow::Cow::Owned),
                };
                if let (Some(lit), false) = (lit, rep.contains(['$', '\\'])) {
                    // Built in the renderer's reusable buffer, then copied once into the value.
                    let mut out = std::mem::take(&mut self.scratch);
                    out.clear();
                    for (n, start) in util::LiteralMatches::new(s, &lit).enumerate() {
                        if limit > 0 && n >= limit {
                            break;
                        }
                        out.push_str(&s[last..start]);
                        out.push_str(&rep);
                        last = start + lit.len();
                        self.check_len(out.len())?;
                        self.step()?;
                    }
                    out.push_str(&s[last..]);
                    self.check_len(out.len())?;
                    let v = Value::str(out.as_str());
                    self.scratch = out;
                    return Ok(v);
                }
                let mut out = String::with_capacity(s.len());
                let re = regex_for(self, &pat, false)?;
                if !rep.contains(['$', '\\']) {
                    // A literal replacement needs no capture groups.
                    for (n, m) in re.find_iter(s).enumerate() {
                        if limit > 0 && n >= limit {
                            break;
                        }
                        out.push_str(&s[last..m.start()]);
                        out.push_str(&rep);
                        last = m.end();
                        self.check_len(out.len())?;
                        self.step()?;
                    }
                    out.push_str(&s[last..]);
                    self.check_len(out.len())?;
                    return Ok(Value::str(out));
                }
                for (n, caps) in re.captures_iter(s).enumerate() {
                    if limit > 0 && n >= limit {
                        break;
                    }
                    let Some(m) = caps.get(0) else { continue };
                    out.push_str(&s[last..m.start()]);
                    util::java_replacement(&rep, &caps, &mut out);
                    last = m.end();
                    self.check_len(out.len())?;
                    self.step()?;
                }
                out.push_str(&s[last..]);
                self.check_len(out.len())?;
                Value::str(out)
            }
            ("matches", 1) => {
                let Some(pat) = arg_s(0) else {
                    return Ok(Value::Null);
                };
                let re = regex_for(self, &pat, true)?;
                Value::Bool(re.is_match(s))
            }
            ("split", 1 | 2) => {
                let Some(pat) = arg_s(0) else {
                    return Ok(Value::Null);
                };
                let limit = if args.len() == 2 {
                    match arg_i(1) {
                        Some(l) => l,
                        None => return Ok(Value::Null),
                    }
                } else {
                    0
                };
                let re = regex_for(self, &pat, false)?;
                let mut parts: Vec<Value> = Vec::new();
                let mut last = 0;
                let mut matched = false;
                for m in re.find_iter(s) {
                    if m.end() == 0 {
                        continue;
                    }
                    if limit > 0 && parts.len() as i64 >= limit - 1 {
                        break;
                    }
                    matched = true;
                    parts.push(Value::str(&s[last..m.start()]));
                    last = m.end();
                    self.step()?;
                }
                parts.push(Value::str(&s[last..]));
                if matched && limit == 0 {
                    while parts.len() > 1
                        && parts
                            .last()
                            .and_then(Value::as_str)
                            .is_some_and(|x| x.is_empty())
                    {
                        parts.pop();
                    }
                    if parts.len() == 1 && parts[0].as_str().is_some_and(|x| x.is_empty()) {
                        parts.clear();
                    }
                }
                Value::new_list(parts, false)
            }
            ("compareTo", 1) => match arg_s(0) {
                Some(x) => Value::Int(java_compare(s, &x)),
                None => Value::Null,
            },
            _ => Value::Null,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_indexes() {
        assert_eq!(utf16_len("a😀b"), 4);
        assert_eq!(utf16_to_byte("a😀b", 3), Some(5));
        assert_eq!(java_compare("a", "b"), -1);
        assert_eq!(java_trim("\t x \n"), "x");
    }
}
