//! Random bytes from the operating system.

/// `N` bytes from the operating system's cryptographic random source.
///
/// Panics if the source fails: that happens only on a broken system (no `/dev/urandom`, a
/// seccomp filter refusing `getrandom`), where carrying on with weak randomness would be worse
/// than stopping. `rand`'s `OsRng` makes the same choice.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).expect("the operating system's random source failed");
    buf
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_draws_differ() {
        assert_ne!(super::bytes::<32>(), super::bytes::<32>());
    }
}
