//! Java library behaviour the templates rely on: `Double.toString`, `URLEncoder`,
//! commons-lang `StringEscapeUtils.escapeJavaScript`, `java.util.regex` replacement strings.

use std::fmt::Write as _;

/// Appends `d` as Java's `Double.toString` prints it (`1.0`, `249.99`, `1.0E7`, `1.5E-5`).
pub(crate) fn java_double(d: f64, out: &mut String) {
    if d.is_nan() {
        out.push_str("NaN");
    } else if d.is_infinite() {
        out.push_str(if d > 0.0 { "Infinity" } else { "-Infinity" });
    } else if d == 0.0 {
        out.push_str(if d.is_sign_negative() { "-0.0" } else { "0.0" });
    } else {
        let a = d.abs();
        if (1e-3..1e7).contains(&a) {
            let start = out.len();
            let _ = write!(out, "{d}");
            if !out[start..].contains('.') {
                out.push_str(".0");
            }
        } else {
            let s = format!("{d:e}");
            let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
            out.push_str(mant);
            if !mant.contains('.') {
                out.push_str(".0");
            }
            out.push('E');
            out.push_str(exp);
        }
    }
}

/// Appends `s` as a JSON string literal (quotes included).
pub(crate) fn json_quote(s: &str, out: &mut String) {
    out.push('"');
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push_str(esc);
        }
        last = i + c.len_utf8();
    }
    out.push_str(&s[last..]);
    out.push('"');
}

/// commons-lang `StringEscapeUtils.escapeJavaScript`: escapes `'`, `"`, `\`, `/`, control
/// characters and every UTF-16 unit outside ASCII as `\uXXXX` (upper-case hex).
pub(crate) fn escape_javascript(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{:04X}", unit);
                }
            }
            c => out.push(c),
        }
    }
}

/// Java `URLEncoder.encode(s, "UTF-8")`: `a-zA-Z0-9.-*_` kept, space as `+`, rest `%XX`.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Java `URLDecoder.decode(s, "UTF-8")`: `+` as space, `%XX` bytes; `None` where Java throws.
pub(crate) fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                bytes.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            c => {
                bytes.push(c);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Compiles a Java regular expression with the Rust `regex` crate (same syntax for the
/// constructs templates use; look-around and back-references are not available).
pub(crate) fn java_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
}

/// Expands a Java `Matcher.appendReplacement` string: `$n` is group n, `\x` is a literal x.
pub(crate) fn java_replacement(rep: &str, caps: &regex::Captures<'_>, out: &mut String) {
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '$' => {
                let mut num = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    // Java takes as many digits as still name an existing group.
                    let candidate: usize = format!("{num}{d}").parse().unwrap_or(usize::MAX);
                    if !num.is_empty() && candidate >= caps.len() {
                        break;
                    }
                    num.push(d);
                    chars.next();
                }
                if let Ok(n) = num.parse::<usize>() {
                    if let Some(m) = caps.get(n) {
                        out.push_str(m.as_str());
                    }
                }
            }
            c => out.push(c),
        }
    }
}
