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
    // Runs of characters that need no escape are found eight bytes at a time
    // ([`next_js_escaped`]) and copied in one go. Everything escaped is ASCII except the
    // non-ASCII characters themselves, which are decoded where they start.
    let bytes = s.as_bytes();
    let mut last = 0;
    let mut i = 0;
    loop {
        i = next_js_escaped(bytes, i);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        let esc = match b {
            b'\'' => "\\'",
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'/' => "\\/",
            0x08 => "\\b",
            b'\n' => "\\n",
            b'\t' => "\\t",
            0x0c => "\\f",
            b'\r' => "\\r",
            _ => "",
        };
        out.push_str(s.get(last..i).unwrap_or_default());
        if esc.is_empty() {
            // A control character or the first byte of a non-ASCII character.
            let c = s
                .get(i..)
                .and_then(|rest| rest.chars().next())
                .unwrap_or('\u{fffd}');
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                let _ = write!(out, "\\u{:04X}", unit);
            }
            i += c.len_utf8();
        } else {
            out.push_str(esc);
            i += 1;
        }
        last = i;
    }
    out.push_str(s.get(last..).unwrap_or_default());
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The word of the eight bytes of `b` at `at`, if there are eight.
#[inline(always)]
fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// High bit set in the bytes of `x` (little-endian) that are zero. Bytes above the first zero
/// byte may be flagged spuriously (borrows), so only the lowest flag is exact.
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// Offset of the first byte of `b` from `i` on that [`escape_javascript`] does not copy as
/// it is (`b.len()` for none), eight bytes at a time: the lowest flag of each test is exact,
/// and spurious flags lie only above a true one, so the lowest flag of all is the first such
/// byte.
#[inline(always)]
fn next_js_escaped(b: &[u8], mut i: usize) -> usize {
    while let Some(x) = word_at(b, i) {
        let below_space = x.wrapping_sub(LO * 0x20) & !x & HI;
        let mask = (x & HI)
            | below_space
            | zero_bytes(x ^ (LO * u64::from(b'\'')))
            | zero_bytes(x ^ (LO * u64::from(b'"')))
            | zero_bytes(x ^ (LO * u64::from(b'\\')))
            | zero_bytes(x ^ (LO * u64::from(b'/')));
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if JS_ESCAPED[usize::from(c)] {
            break;
        }
        i += 1;
    }
    i
}

/// Offset of the first `byte` of `b` from `i` on, eight bytes at a time.
#[inline(always)]
fn find_byte(b: &[u8], mut i: usize, byte: u8) -> Option<usize> {
    let pat = LO * u64::from(byte);
    while let Some(x) = word_at(b, i) {
        let mask = zero_bytes(x ^ pat);
        if mask != 0 {
            return Some(i + (mask.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| c == byte).map(|k| i + k)
}

/// Bytes [`escape_javascript`] does not copy as they are: `'`, `"`, `\`, `/`, control
/// characters and the bytes of non-ASCII characters.
static JS_ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x20 || b >= 0x80 || matches!(b as u8, b'\'' | b'"' | b'\\' | b'/');
        b += 1;
    }
    t
};

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

/// The text a Java regular expression matches when it is a plain literal: no metacharacters,
/// and `\` only before ASCII punctuation (a literal in Java and in the `regex` crate; `<` and
/// `>` excepted, which `regex` reads as word boundaries). Such patterns can be searched as text.
pub(crate) fn regex_literal(pattern: &str) -> Option<String> {
    if pattern.is_empty() || pattern.len() > 256 {
        return None;
    }
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if n.is_ascii_punctuation() && n != '<' && n != '>' => out.push(n),
                _ => return None,
            },
            '.' | '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => {
                return None
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// Start offsets of the non-overlapping occurrences of `needle` in `hay`, leftmost first (as
/// `str::match_indices`). Short haystacks, the usual case in templates, are scanned directly:
/// setting up the two-way searcher of `match_indices` costs more than the whole scan.
pub(crate) struct LiteralMatches<'a> {
    hay: &'a str,
    needle: &'a str,
    pos: usize,
    inner: Option<std::str::MatchIndices<'a, &'a str>>,
}

impl<'a> LiteralMatches<'a> {
    /// `needle` must not be empty.
    pub(crate) fn new(hay: &'a str, needle: &'a str) -> Self {
        // Beyond this the naive scan's worst case (length × needle length) could matter.
        const SHORT: usize = 512;
        let inner = (hay.len() > SHORT).then(|| hay.match_indices(needle));
        Self {
            hay,
            needle,
            pos: 0,
            inner,
        }
    }
}

impl Iterator for LiteralMatches<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if let Some(inner) = &mut self.inner {
            return inner.next().map(|(i, _)| i);
        }
        let (hay, needle) = (self.hay.as_bytes(), self.needle.as_bytes());
        let (&first, rest) = needle.split_first()?;
        // A match of valid UTF-8 starts at a character boundary (its first byte is not a
        // continuation byte), so byte offsets are string offsets. Candidates are found by their
        // first byte; the rest is compared in line (`same_bytes`), not through `memcmp`.
        let last_start = hay.len().checked_sub(needle.len())?;
        let starts = hay.get(..=last_start)?;
        loop {
            let at = find_byte(starts, self.pos, first)?;
            let tail = hay.get(at + 1..at + needle.len()).unwrap_or_default();
            if crate::json::same_bytes(tail, rest) {
                self.pos = at + needle.len();
                return Some(at);
            }
            self.pos = at + 1;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The character-by-character `escape_javascript` the byte scan replaced.
    fn escape_javascript_by_char(s: &str) -> String {
        let mut out = String::new();
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
        out
    }

    proptest::proptest! {
        #[test]
        fn escapes_javascript_as_by_char(s in "[ -~\\x00-\\x1f\\x7f\u{80}-\u{7ff}é😀'\"/\\\\]{0,24}") {
            let mut out = String::new();
            escape_javascript(&s, &mut out);
            proptest::prop_assert_eq!(out, escape_javascript_by_char(&s));
        }
    }

    proptest::proptest! {
        #[test]
        fn literal_matches_as_match_indices(
            hay in "[ab\\\\'é]{0,40}",
            needle in "[ab\\\\'é]{1,4}",
            copies in 1usize..30,
        ) {
            let hay = hay.repeat(copies);
            let scanned: Vec<_> = LiteralMatches::new(&hay, &needle).collect();
            let by_text: Vec<_> = hay.match_indices(needle.as_str()).map(|(i, _)| i).collect();
            proptest::prop_assert_eq!(scanned, by_text);
        }
    }

    #[test]
    fn literal_patterns_match_as_the_regex_does() {
        let text = "a\\'b.c'd\\\\e-f$g a\\' aaa é";
        for pat in [
            "\\\\'", "'", "\\.", "a", "\\-f\\$", "\\\\\\\\", "\\'", "é", "a\\'b", "aa",
        ] {
            let lit = regex_literal(pat).unwrap_or_else(|| panic!("{pat} is a literal"));
            let re = java_regex(pat).expect("compiles");
            let by_regex: Vec<_> = re.find_iter(text).map(|m| m.range()).collect();
            let by_text: Vec<_> = text
                .match_indices(lit.as_str())
                .map(|(i, m)| i..i + m.len())
                .collect();
            assert_eq!(by_regex, by_text, "{pat}");
            let scanned: Vec<_> = LiteralMatches::new(text, &lit)
                .map(|i| i..i + lit.len())
                .collect();
            assert_eq!(scanned, by_text, "{pat}");
            let long = text.repeat(40);
            let scanned: Vec<_> = LiteralMatches::new(&long, &lit).collect();
            let by_text: Vec<_> = long.match_indices(lit.as_str()).map(|(i, _)| i).collect();
            assert_eq!(scanned, by_text, "{pat}");
        }
        for pat in [
            "", ".", "a*", "\\d", "\\<", "(?i)a", "[a]", "a|b", "\\Qa\\E", "\\",
        ] {
            assert_eq!(regex_literal(pat), None, "{pat}");
        }
    }

    #[test]
    fn escapes_javascript_as_commons_lang() {
        let mut out = String::new();
        escape_javascript("It's \"x\"/\\ \u{8}\n\t\u{c}\r\u{1}\u{7f}é😀end", &mut out);
        assert_eq!(
            out,
            "It\\'s \\\"x\\\"\\/\\\\ \\b\\n\\t\\f\\r\\u0001\u{7f}\\u00E9\\uD83D\\uDE00end"
        );
    }
}
