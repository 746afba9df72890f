//! Hex text, the encoding of the opaque paging tokens of IAM (`Marker`) and CloudWatch Logs
//! (`nextToken`): both services' tokens are hex-encoded UTF-8 here, so one codec serves both.

/// `text`'s UTF-8 bytes as lower-case hex pairs.
pub fn encode(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The text whose bytes `hex` spells; `None` when it is not hex pairs (an odd length fails:
/// its last pair is incomplete) or not UTF-8.
pub fn decode(hex: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    bytes.and_then(|b| String::from_utf8(b).ok())
}
