//! The header names of a request as the client spelled them.

/// A request's header names as the client spelled them, in the order sent: recorded by the
/// server (hyper keeps only lower-case names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderNames(Names);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Names {
    /// One name per line.
    Lines(String),
    /// The raw HTTP/1.1 request head, read when a name is asked for. The server's fast path
    /// keeps the head it parsed (its header values point into it anyway) instead of copying
    /// the names out for every request, when few requests ever need them.
    Head(bytes::Bytes),
}

impl HeaderNames {
    /// Names given one per line.
    pub fn from_lines(names: String) -> Self {
        Self(Names::Lines(names))
    }

    /// The names of a raw request head (request line, header lines, blank line) that httparse
    /// accepted: lines end in CRLF or LF, and none is folded.
    pub fn from_head(head: bytes::Bytes) -> Self {
        Self(Names::Head(head))
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        match &self.0 {
            Names::Lines(text) => text.split('\n').filter(|n| !n.is_empty()).collect(),
            Names::Head(head) => head
                .split(|b| *b == b'\n')
                .skip(1)
                .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
                .take_while(|line| !line.is_empty())
                .map(|line| {
                    let name = line.split(|b| *b == b':').next().unwrap_or_default();
                    // Names are tokens (ASCII), as httparse checked.
                    std::str::from_utf8(name).unwrap_or_default()
                })
                .collect(),
        }
    }
}
