//! Reading the header values that frame HTTP/1.1 messages, shared by the server, the
//! connection tap and the client so that all three judge a message's framing alike.

/// The comma-separated elements of a header value, trimmed (`Connection`,
/// `Transfer-Encoding`, `Content-Length` lists).
pub fn elements(value: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    value.split(|b| *b == b',').map(<[u8]>::trim_ascii)
}

/// Whether a `Transfer-Encoding` value's last coding is `chunked` (RFC 9112 §6.3: only then
/// is the body chunked); `None` when the value names no coding.
pub fn chunked_last(value: &[u8]) -> Option<bool> {
    elements(value)
        .rfind(|t| !t.is_empty())
        .map(|t| t.eq_ignore_ascii_case(b"chunked"))
}

/// A `Content-Length` number: ASCII digits only (hyper's rule), no overflow.
pub fn content_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_last_chunked_coding_frames_a_body_as_chunked() {
        assert_eq!(chunked_last(b"chunked"), Some(true));
        assert_eq!(chunked_last(b"gzip, Chunked"), Some(true));
        assert_eq!(chunked_last(b"chunked, gzip"), Some(false));
        assert_eq!(chunked_last(b"xchunked"), Some(false));
        assert_eq!(chunked_last(b"gzip, chunked ,"), Some(true));
        assert_eq!(chunked_last(b" , "), None);
    }

    #[test]
    fn content_lengths_are_plain_digits() {
        assert_eq!(content_length(b"0"), Some(0));
        assert_eq!(content_length(b"0012"), Some(12));
        for bad in [
            &b""[..],
            b"+1",
            b"-1",
            b" 1",
            b"1 ",
            b"0x10",
            b"99999999999999999999999",
        ] {
            assert_eq!(content_length(bad), None, "{bad:?}");
        }
    }
}
