//! Random values for the fakes: session ids, VIEWSTATE, captcha ids and codes, tokens.
//!
//! From the operating system (getrandom); should that ever fail, a time-seeded xorshift
//! keeps the fake serving (these values guard nothing real).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    if getrandom::getrandom(buf).is_ok() {
        return;
    }
    static STATE: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut x = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed) ^ nanos | 1;
    for b in buf {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = (x >> 24) as u8;
    }
}

pub fn bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    fill(&mut buf);
    buf
}

/// `n` characters drawn uniformly from `alphabet` (ASCII).
pub fn string_from(alphabet: &[u8], n: usize) -> String {
    // Rejection sampling keeps the draw uniform for alphabets that do not divide 256.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in bytes(n * 2) {
            if (b as usize) < limit && out.len() < n {
                out.push(char::from(alphabet[b as usize % alphabet.len()]));
            }
        }
    }
    out
}

/// Lower-case hexadecimal, `n` characters.
pub fn hex(n: usize) -> String {
    string_from(b"0123456789abcdef", n)
}

/// A number in `low..=high`.
pub fn between(low: u32, high: u32) -> u32 {
    let mut b = [0u8; 4];
    fill(&mut b);
    low + u32::from_le_bytes(b) % (high - low + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_use_only_the_alphabet_and_differ() {
        let a = string_from(b"AB", 64);
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c == 'A' || c == 'B'));
        assert_ne!(hex(32), hex(32));
        for _ in 0..100 {
            assert!((5..=6).contains(&between(5, 6)));
        }
    }
}
