//! Encryption at rest, built only on `ring`.
//!
//! Why this module exists: chat messages and profile data are stored
//! encrypted so that a leaked database or backup reveals nothing, and so that
//! deleting one person's key makes all of their data unreadable everywhere
//! (crypto-shredding). The layering follows the design document:
//!
//! * [`Kek`] — the key-encryption key. 32 random bytes kept *outside* the
//!   database (0600 file, systemd credential, or env var in development).
//!   It only ever wraps other keys.
//! * [`Dek`] — data-encryption keys. They live in the database, wrapped by the
//!   KEK ([`Kek::wrap`]) with AAD that pins each wrapped key to its slot
//!   ([`WrapContext`]).
//! * [`envelope`] — the self-describing ciphertext format for stored values
//!   ([`seal`], [`open`], [`Header::parse`]), with AAD that pins each value to
//!   its table, column and row ([`Aad`]).
//! * [`BlindIndexKey`] — HMAC-SHA256 lookup tokens so that rows can be found
//!   by Telegram user id without storing the id in clear.
//! * [`secret`] — containers that zeroize on drop and never print their bytes.
//!
//! Nothing here panics on any input, and no function returns unauthenticated
//! plaintext: every failure is a typed [`CryptoError`] whose message says what
//! the operator can do next.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod blind;
pub mod dek;
pub mod envelope;
pub mod error;
pub mod kek;
pub mod secret;

pub use blind::BlindIndexKey;
pub use dek::{Dek, KeyPurpose, WrapContext, rewrap, wrapped_kek_version};
pub use envelope::{Aad, Header, KeyRef, open, open_expecting, seal};
pub use error::CryptoError;
pub use kek::{Kek, write_new_key_file};
pub use secret::{SecretBytes, SecretVec};

/// Encodes `bytes` as a big-endian u64 length followed by the bytes.
///
/// Why: every AAD and HMAC input in this module is a concatenation of several
/// variable-length fields; length prefixes make the encoding injective, so
/// `("ab", "c")` and `("a", "bc")` can never produce the same bytes.
pub(crate) fn put_field(out: &mut Vec<u8>, bytes: &[u8]) {
    // usize -> u64 is lossless on every platform Rust supports; saturating
    // keeps this total without a panic path.
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Known-answer tests pinning every on-disk format. The vectors were
/// cross-checked with Python's `hmac`/`hashlib` and `cryptography` AESGCM, so
/// a change here means stored data or indexes would stop matching.
#[cfg(test)]
mod kat_tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn check_value_kat() {
        let kek = Kek::from_bytes(SecretBytes::new([0u8; 32]), 1);
        assert_eq!(
            kek.check_value().to_vec(),
            unhex("cf6d24d98623c18a94159ef0aea325ef")
        );
    }

    #[test]
    fn envelope_kat() {
        let dek = Dek::from_bytes(SecretBytes::new([1u8; 32]));
        let ct = unhex(
            "01000000000000000700000002bec5427f092f2db77336ea64b1b422273c5f14f738b6cb540f6fd8ff761ea105a2",
        );
        let pt = open(&dek, &Aad::new("messages", "text", b"row-1"), &ct).unwrap();
        assert_eq!(pt.expose(), b"hello");
    }

    #[test]
    fn wrapped_key_kat() {
        let kek = Kek::from_bytes(SecretBytes::new([0u8; 32]), 1);
        let w = unhex(
            "010000000170382017debfed3368cc727135fab6f662c8a7fba698af9e3175326eb6b8e30a5b584e95f\
             5f765e7274618f711968a2eae0067d170a67dce53d7b0e9",
        );
        let dek = kek
            .unwrap(&w, &WrapContext::new(KeyPurpose::Person, 7, 2))
            .unwrap();
        assert_eq!(dek.expose(), &[1u8; 32]);
    }

    #[test]
    fn blind_index_kat() {
        let bi = BlindIndexKey::from_bytes(SecretBytes::new([2u8; 32]));
        assert_eq!(
            bi.index_user(123_456_789).to_vec(),
            unhex("944de237e8ec50975ad25287da91e6059ed33eb993dbb8884d2f746b0e61fe46")
        );
        assert_eq!(
            bi.index_str("handle", "alice").to_vec(),
            unhex("94d3e4a62a0372c4df9791eaa67956b48387c981ac2129313498cc821cef61bf")
        );
    }
}
