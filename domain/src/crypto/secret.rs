//! Containers for secret bytes.
//!
//! Why: key material must not outlive its use in freed memory, and must never
//! end up in a log line through a stray `{:?}`. These types zeroize on drop
//! and print only `[redacted]`.

use std::fmt;

use ring::rand::SecureRandom;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::CryptoError;

/// What every secret type prints instead of its contents.
pub const REDACTED: &str = "[redacted]";

/// A fixed-size secret (a key), zeroized on drop and redacted when printed.
///
/// Why a const-generic array rather than a `Vec`: keys have a known size, and
/// an array never reallocates, so no stale copy is left behind in the heap.
/// Equality is deliberately not implemented; use [`SecretBytes::ct_eq`],
/// which does not leak the position of the first difference through timing.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes<const N: usize>([u8; N]);

impl<const N: usize> SecretBytes<N> {
    /// Takes ownership of `bytes`.
    ///
    /// The caller should zeroize any other copy it still holds.
    pub fn new(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// Fills a new secret from a cryptographically secure RNG.
    ///
    /// Why take the RNG as a parameter: `ring::rand::SystemRandom` is the only
    /// production choice, but passing it in keeps construction explicit and
    /// lets a single instance be shared.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        let mut s = Self([0u8; N]);
        rng.fill(&mut s.0).map_err(|_| CryptoError::Rng)?;
        Ok(s)
    }

    /// Copies a secret out of a slice, failing (without echoing the bytes) if
    /// the length is not `N`.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != N {
            return Err(CryptoError::Malformed {
                what: "secret",
                len: bytes.len(),
                expected: N,
            });
        }
        let mut s = Self([0u8; N]);
        s.0.copy_from_slice(bytes);
        Ok(s)
    }

    /// Borrows the secret bytes.
    ///
    /// Named `expose` so that every place key material leaves its container
    /// is easy to find in review.
    pub fn expose(&self) -> &[u8; N] {
        &self.0
    }

    /// Compares two secrets in time independent of their contents.
    pub fn ct_eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl<const N: usize> fmt::Debug for SecretBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes<{N}>({REDACTED})")
    }
}

impl<const N: usize> fmt::Display for SecretBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A variable-length secret (typically decrypted plaintext), zeroized on drop
/// (whole capacity) and redacted when printed.
///
/// Why: decrypted message text is as sensitive as the key that protected it;
/// this keeps it out of logs and wipes the buffer when the caller is done.
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretVec(Vec<u8>);

impl SecretVec {
    /// Takes ownership of `bytes`; they are wiped when this value is dropped.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Borrows the secret bytes. Named `expose` so uses are easy to audit.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes held (not secret: ciphertext length reveals it anyway).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if no bytes are held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Gives up protection and returns the plain `Vec`.
    ///
    /// Why it exists: at some point plaintext must be handed to code that
    /// wants a `String` (rendering, Telegram API). After this call the caller
    /// owns the responsibility for the bytes.
    pub fn into_unprotected_vec(mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }

    /// Compares two secrets in time independent of their contents (the
    /// lengths are not hidden).
    pub fn ct_eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl From<Vec<u8>> for SecretVec {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl fmt::Debug for SecretVec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretVec({REDACTED}, {} bytes)", self.0.len())
    }
}

impl fmt::Display for SecretVec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Constant-time equality of two byte strings (lengths are not hidden).
///
/// Why hand-rolled: `ring::constant_time::verify_slices_are_equal` is
/// deprecated in ring 0.17 ("to be removed"), and `ring::hmac::verify` only
/// applies to full HMAC tags. This accumulates the XOR of every byte pair
/// without early exit; `black_box` discourages the optimiser from adding one.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut acc = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        acc = std::hint::black_box(acc | (x ^ y));
    }
    acc == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = SecretBytes::<32>::new([0xAB; 32]);
        for out in [format!("{s:?}"), format!("{s}"), format!("{s:#?}")] {
            assert!(out.contains(REDACTED));
            assert!(!out.to_lowercase().contains("abab"));
            assert!(!out.contains("171"));
        }
        let v = SecretVec::new(b"hunter2 hunter2".to_vec());
        for out in [format!("{v:?}"), format!("{v}")] {
            assert!(out.contains(REDACTED));
            assert!(!out.contains("hunter2"));
        }
    }

    #[test]
    fn ct_eq_works() {
        let rng = SystemRandom::new();
        let a = SecretBytes::<32>::generate(&rng).unwrap();
        let b = SecretBytes::<32>::generate(&rng).unwrap();
        assert!(a.ct_eq(&a.clone()));
        assert!(!a.ct_eq(&b));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
        assert!(SecretVec::new(vec![1, 2]).ct_eq(&SecretVec::new(vec![1, 2])));
    }

    #[test]
    fn from_slice_checks_length() {
        assert!(SecretBytes::<32>::from_slice(&[0u8; 31]).is_err());
        assert!(SecretBytes::<32>::from_slice(&[0u8; 33]).is_err());
        assert_eq!(
            SecretBytes::<4>::from_slice(&[1, 2, 3, 4])
                .unwrap()
                .expose(),
            &[1, 2, 3, 4]
        );
    }

    #[test]
    fn into_unprotected_vec_returns_bytes() {
        let v = SecretVec::from(vec![9u8, 8, 7]);
        assert_eq!(v.len(), 3);
        assert!(!v.is_empty());
        assert_eq!(v.into_unprotected_vec(), vec![9, 8, 7]);
    }
}
