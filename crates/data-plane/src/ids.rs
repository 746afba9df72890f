//! Request ids: `$context.requestId` (a UUID, sent as `x-amzn-RequestId`) and
//! `$context.extendedRequestId` (14 characters and `=`, sent as `x-amz-apigw-id`), as AWS
//! shapes them.
//!
//! Two ids per request made through `rand`'s thread RNG (ChaCha, one draw per character) were
//! a tenth of a MOCK request's instructions. The ids only need to be unique and unpredictable
//! enough for logs, not secret, so a per-thread wyrand generator seeded from the OS makes them.

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = Cell::new(rand::random());
}

/// The next 64 random bits of this thread's generator (wyrand).
fn next() -> u64 {
    STATE.with(|s| {
        let x = s.get().wrapping_add(0xa076_1d64_78bd_642f);
        s.set(x);
        let t = u128::from(x).wrapping_mul(u128::from(x ^ 0xe703_7ed1_a0b4_28db));
        ((t >> 64) as u64) ^ (t as u64)
    })
}

/// A version-4 UUID in lower-case hyphenated form.
pub fn request_id() -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&next().to_le_bytes());
    bytes[8..].copy_from_slice(&next().to_le_bytes());
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    // `to_owned`, not `to_string`: the latter goes through the formatter for a `&mut str`.
    id.hyphenated().encode_lower(&mut buf).to_owned()
}

/// An id of the form AWS sends in `x-amz-apigw-id`: 14 letters or digits and `=`.
pub fn extended_request_id() -> String {
    const A: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::with_capacity(15);
    for r in [next(), next()] {
        // Seven characters from each draw: 7 × 9 bits, reduced modulo 62 (the bias is
        // immaterial for an id).
        for i in 0..7 {
            s.push(A[((r >> (i * 9)) & 0x1ff) as usize % 62] as char);
        }
    }
    s.push('=');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_uniqueness() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = request_id();
            let parsed = uuid::Uuid::parse_str(&id).unwrap();
            assert_eq!(parsed.get_version_num(), 4);
            assert_eq!(id, id.to_lowercase());
            assert!(seen.insert(id));
            let ext = extended_request_id();
            assert_eq!(ext.len(), 15);
            assert!(ext.ends_with('='));
            assert!(ext[..14].bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(seen.insert(ext));
        }
    }
}
