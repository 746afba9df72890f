//! Identifiers as AWS makes them.
//!
//! Rest APIs, root resources and API keys get 10 lower-case alphanumerics (`0qzs2sy7bh`);
//! child resources, deployments, usage plans and the like get 6 (`2jf6xt`). API key values are
//! 40 mixed-case alphanumerics, as the values AWS generates.

use rand::Rng;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn pick(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

/// A 10-character id: rest APIs, root resources, API keys.
pub fn long_id() -> String {
    pick(LOWER_ALNUM, 10)
}

/// A 6-character id: child resources, deployments, usage plans, authorizers, models.
pub fn short_id() -> String {
    pick(LOWER_ALNUM, 6)
}

/// A generated API key value: 40 alphanumerics.
pub fn api_key_value() -> String {
    pick(ALNUM, 40)
}

/// An IAM unique id: its kind's prefix (`AROA` a role, `ANPA` a managed policy) and 17
/// upper-case letters and digits, as IAM's are.
pub fn iam_unique_id(prefix: &str) -> String {
    format!("{prefix}{}", pick(UPPER_ALNUM, 17))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = long_id();
        assert_eq!(id.len(), 10);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_eq!(short_id().len(), 6);
        let v = api_key_value();
        assert_eq!(v.len(), 40);
        assert!(v.bytes().all(|b| b.is_ascii_alphanumeric()));
        let role = iam_unique_id("AROA");
        assert_eq!(role.len(), 21);
        assert!(role.starts_with("AROA"));
        assert!(role
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }
}
