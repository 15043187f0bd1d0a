//! Data-encryption keys and their wrapping under the KEK.
//!
//! Wrapped key layout (65 bytes, integers big-endian):
//!
//! ```text
//! offset 0   1 byte   wrap format version (= 1)
//! offset 1   4 bytes  KEK version that wrapped it
//! offset 5  12 bytes  nonce (random)
//! offset 17 32 bytes  AES-256-GCM ciphertext of the key
//! offset 49 16 bytes  GCM tag
//! ```
//!
//! Why wrap: DEKs must live in the database next to the data (one per person,
//! one for the system) so that deleting a row shreds that person's data, yet a
//! database dump alone must not reveal them. Wrapping under a KEK kept outside
//! the database gives both. The AAD ([`WrapContext`] plus the header) pins a
//! wrapped key to its slot: it cannot be copied onto another person's key row
//! or another version and still unwrap.

use ring::aead::{self, MAX_TAG_LEN as TAG_LEN, NONCE_LEN, Nonce};
use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use super::{CryptoError, Kek, SecretBytes, put_field};

/// Length of every symmetric key in this module (AES-256, HMAC-SHA256).
pub const KEY_LEN: usize = 32;
/// The only wrapped-key format version this build writes and reads.
pub const WRAP_FORMAT_V1: u8 = 1;
const WRAP_HEADER_LEN: usize = 1 + 4;
/// Exact length of a wrapped key.
pub const WRAPPED_LEN: usize = WRAP_HEADER_LEN + NONCE_LEN + KEY_LEN + TAG_LEN;
const WRAP_AAD_LABEL: &[u8] = b"tasktracker/wrap-aad/v1";

/// A data-encryption key: 32 bytes for AES-256-GCM, zeroized on drop.
///
/// Why a distinct type rather than bare [`SecretBytes`]: it prevents passing
/// a KEK or blind-index key where a DEK is expected.
#[derive(Clone, Debug)]
pub struct Dek(SecretBytes<KEY_LEN>);

impl Dek {
    /// Creates a fresh random DEK (for a new person, or a new key version).
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        SecretBytes::generate(rng).map(Self)
    }

    /// Wraps existing key bytes as a DEK (e.g. after [`Kek::unwrap_bytes`]).
    pub fn from_bytes(bytes: SecretBytes<KEY_LEN>) -> Self {
        Self(bytes)
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        self.0.expose()
    }
}

/// What a wrapped key is for; part of the wrapping AAD.
///
/// Why: a system DEK, a person's DEK and the blind-index key are
/// interchangeable 32-byte strings; binding the purpose stops a wrapped key
/// from being unwrapped in a role it was not made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyPurpose {
    /// The system DEK (provider API keys, chat titles).
    System,
    /// A person's DEK (their profile and message text).
    Person,
    /// The blind-index HMAC key.
    BlindIndex,
}

impl KeyPurpose {
    /// Stable label encoded into the AAD. Never change an existing label:
    /// keys wrapped under it would stop unwrapping.
    pub fn label(self) -> &'static str {
        match self {
            Self::System => "system-dek",
            Self::Person => "person-dek",
            Self::BlindIndex => "blind-index-key",
        }
    }
}

/// Identity of the key slot a wrapped key belongs to; used as AAD.
///
/// Why: the KEK version is taken from the [`Kek`] itself and also bound, so
/// the full binding is (purpose, key id, key version, KEK version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WrapContext {
    /// What the key is for.
    pub purpose: KeyPurpose,
    /// Row id of the key in the key table.
    pub key_id: u64,
    /// Version of the key.
    pub key_version: u32,
}

impl WrapContext {
    /// Describes the slot `key_id`/`key_version` holding a key for `purpose`.
    pub fn new(purpose: KeyPurpose, key_id: u64, key_version: u32) -> Self {
        Self {
            purpose,
            key_id,
            key_version,
        }
    }

    fn aad(&self, header: &[u8; WRAP_HEADER_LEN]) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        put_field(&mut out, WRAP_AAD_LABEL);
        out.extend_from_slice(header);
        put_field(&mut out, self.purpose.label().as_bytes());
        out.extend_from_slice(&self.key_id.to_be_bytes());
        out.extend_from_slice(&self.key_version.to_be_bytes());
        out
    }
}

fn wrap_header(kek_version: u32) -> [u8; WRAP_HEADER_LEN] {
    let v = kek_version.to_be_bytes();
    [WRAP_FORMAT_V1, v[0], v[1], v[2], v[3]]
}

/// Parses a wrapped key's header and returns the KEK version that wrapped it.
///
/// Why: during KEK rotation several KEK versions are loaded; this tells the
/// caller which one to use, without attempting decryption.
pub fn wrapped_kek_version(wrapped: &[u8]) -> Result<u32, CryptoError> {
    let (&format, rest) = wrapped.split_first().ok_or(CryptoError::Truncated {
        len: 0,
        min: WRAPPED_LEN,
    })?;
    if format != WRAP_FORMAT_V1 {
        return Err(CryptoError::UnsupportedFormat(format));
    }
    if wrapped.len() < WRAPPED_LEN {
        return Err(CryptoError::Truncated {
            len: wrapped.len(),
            min: WRAPPED_LEN,
        });
    }
    if wrapped.len() > WRAPPED_LEN {
        return Err(CryptoError::Malformed {
            what: "wrapped key",
            len: wrapped.len(),
            expected: WRAPPED_LEN,
        });
    }
    let (v, _) = rest
        .split_first_chunk::<4>()
        .ok_or(CryptoError::Truncated {
            len: wrapped.len(),
            min: WRAPPED_LEN,
        })?;
    Ok(u32::from_be_bytes(*v))
}

impl Kek {
    /// Encrypts `dek` under this KEK for the slot described by `ctx`.
    ///
    /// Store the result in the key table; the slot's identity need not be
    /// stored inside it because the caller supplies `ctx` again on unwrap.
    pub fn wrap(
        &self,
        dek: &Dek,
        ctx: &WrapContext,
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, CryptoError> {
        self.wrap_bytes(&dek.0, ctx, rng)
    }

    /// Decrypts a wrapped DEK, verifying it belongs to the slot `ctx`.
    ///
    /// Errors: [`CryptoError::KekVersionMismatch`] if it was wrapped by another
    /// KEK version, [`CryptoError::Decrypt`] for a wrong KEK, wrong slot or
    /// tampering.
    pub fn unwrap(&self, wrapped: &[u8], ctx: &WrapContext) -> Result<Dek, CryptoError> {
        self.unwrap_bytes(wrapped, ctx).map(Dek)
    }

    /// Wraps any 32-byte secret (e.g. [`super::BlindIndexKey::to_bytes`]).
    pub fn wrap_bytes(
        &self,
        key: &SecretBytes<KEY_LEN>,
        ctx: &WrapContext,
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, CryptoError> {
        let header = wrap_header(self.version());
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce).map_err(|_| CryptoError::Rng)?;
        let wkey = self.wrapping_key()?;

        let mut body = Zeroizing::new(*key.expose());
        let tag = wkey
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(ctx.aad(&header)),
                &mut body[..],
            )
            .map_err(|_| CryptoError::TooLarge { len: KEY_LEN })?;
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.extend_from_slice(&header);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&body[..]);
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Unwraps any 32-byte secret wrapped by [`Kek::wrap_bytes`].
    pub fn unwrap_bytes(
        &self,
        wrapped: &[u8],
        ctx: &WrapContext,
    ) -> Result<SecretBytes<KEY_LEN>, CryptoError> {
        let found = wrapped_kek_version(wrapped)?;
        if found != self.version() {
            return Err(CryptoError::KekVersionMismatch {
                expected: self.version(),
                found,
            });
        }
        let truncated = CryptoError::Truncated {
            len: wrapped.len(),
            min: WRAPPED_LEN,
        };
        let (nonce, body) = wrapped
            .get(WRAP_HEADER_LEN..)
            .and_then(|r| r.split_first_chunk::<NONCE_LEN>())
            .ok_or(truncated)?;
        let wkey = self.wrapping_key()?;
        let mut buf = Zeroizing::new([0u8; KEY_LEN + TAG_LEN]);
        if body.len() != buf.len() {
            return Err(CryptoError::Malformed {
                what: "wrapped key",
                len: wrapped.len(),
                expected: WRAPPED_LEN,
            });
        }
        buf.copy_from_slice(body);
        let plain = wkey
            .open_in_place(
                Nonce::assume_unique_for_key(*nonce),
                aead::Aad::from(ctx.aad(&wrap_header(found))),
                &mut buf[..],
            )
            .map_err(|_| CryptoError::Decrypt)?;
        SecretBytes::from_slice(plain)
    }
}

/// Re-wraps a key from the old KEK to the new one (KEK rotation).
///
/// Why a helper: KEK rotation touches only the key table, never the data;
/// this keeps the unwrapped key inside one zeroizing scope.
pub fn rewrap(
    from: &Kek,
    to: &Kek,
    wrapped: &[u8],
    ctx: &WrapContext,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    let key = from.unwrap_bytes(wrapped, ctx)?;
    to.wrap_bytes(&key, ctx, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    fn kek(rng: &SystemRandom, version: u32) -> Kek {
        Kek::generate(rng, version).unwrap()
    }

    #[test]
    fn wrap_round_trip() {
        let rng = SystemRandom::new();
        let k = kek(&rng, 1);
        let dek = Dek::generate(&rng).unwrap();
        let ctx = WrapContext::new(KeyPurpose::Person, 10, 1);
        let w = k.wrap(&dek, &ctx, &rng).unwrap();
        assert_eq!(w.len(), WRAPPED_LEN);
        assert!(!w.windows(8).any(|x| x == &dek.expose()[..8]));
        assert_eq!(wrapped_kek_version(&w).unwrap(), 1);
        let back = k.unwrap(&w, &ctx).unwrap();
        assert!(back.0.ct_eq(&dek.0));
    }

    #[test]
    fn wrong_kek_is_rejected() {
        let rng = SystemRandom::new();
        let (k1, k2) = (kek(&rng, 1), kek(&rng, 1));
        let dek = Dek::generate(&rng).unwrap();
        let ctx = WrapContext::new(KeyPurpose::Person, 10, 1);
        let w = k1.wrap(&dek, &ctx, &rng).unwrap();
        assert!(matches!(k2.unwrap(&w, &ctx), Err(CryptoError::Decrypt)));
        // Same key bytes, other version: reported as a version mismatch.
        let k1v2 = Kek::from_bytes(k1.key_for_tests().clone(), 2);
        assert!(matches!(
            k1v2.unwrap(&w, &ctx),
            Err(CryptoError::KekVersionMismatch {
                expected: 2,
                found: 1
            })
        ));
    }

    #[test]
    fn wrong_context_is_rejected() {
        let rng = SystemRandom::new();
        let k = kek(&rng, 3);
        let dek = Dek::generate(&rng).unwrap();
        let ctx = WrapContext::new(KeyPurpose::Person, 10, 1);
        let w = k.wrap(&dek, &ctx, &rng).unwrap();
        for other in [
            WrapContext::new(KeyPurpose::Person, 11, 1),
            WrapContext::new(KeyPurpose::Person, 10, 2),
            WrapContext::new(KeyPurpose::System, 10, 1),
            WrapContext::new(KeyPurpose::BlindIndex, 10, 1),
        ] {
            assert!(matches!(k.unwrap(&w, &other), Err(CryptoError::Decrypt)));
        }
        // Forging the KEK version in the header is caught by the AAD.
        let k4 = Kek::from_bytes(k.key_for_tests().clone(), 4);
        let mut forged = w.clone();
        forged[4] = 4;
        assert!(matches!(
            k4.unwrap(&forged, &ctx),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn malformed_wrapped_keys() {
        let rng = SystemRandom::new();
        let k = kek(&rng, 1);
        let ctx = WrapContext::new(KeyPurpose::System, 1, 1);
        let w = k.wrap(&Dek::generate(&rng).unwrap(), &ctx, &rng).unwrap();
        for len in 0..w.len() {
            let r = k.unwrap(&w[..len], &ctx);
            assert!(
                matches!(r, Err(CryptoError::Truncated { .. })),
                "len {len}: {r:?}"
            );
        }
        let mut long = w.clone();
        long.push(0);
        assert!(matches!(
            k.unwrap(&long, &ctx),
            Err(CryptoError::Malformed { .. })
        ));
        let mut badfmt = w.clone();
        badfmt[0] = 2;
        assert!(matches!(
            k.unwrap(&badfmt, &ctx),
            Err(CryptoError::UnsupportedFormat(2))
        ));
        for i in 5..w.len() {
            let mut bad = w.clone();
            bad[i] ^= 0x80;
            assert!(
                matches!(k.unwrap(&bad, &ctx), Err(CryptoError::Decrypt)),
                "byte {i}"
            );
        }
    }

    #[test]
    fn debug_never_shows_key() {
        use base64::Engine;
        let rng = SystemRandom::new();
        let dek = Dek::generate(&rng).unwrap();
        let b = dek.expose();
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(b);
        let out = format!("{dek:?} {dek:#?}");
        assert!(out.contains("[redacted]"));
        for needle in [
            &hex[..],
            &hex.to_uppercase()[..],
            &b64[..],
            &b64[..12],
            &format!("{:?}", &b[..4])[1..],
        ] {
            assert!(!out.contains(needle), "{out}");
        }
    }

    #[test]
    fn rewrap_moves_to_new_kek() {
        let rng = SystemRandom::new();
        let (old, new) = (kek(&rng, 1), kek(&rng, 2));
        let dek = Dek::generate(&rng).unwrap();
        let ctx = WrapContext::new(KeyPurpose::Person, 5, 7);
        let w1 = old.wrap(&dek, &ctx, &rng).unwrap();
        let w2 = rewrap(&old, &new, &w1, &ctx, &rng).unwrap();
        assert_eq!(wrapped_kek_version(&w2).unwrap(), 2);
        assert!(new.unwrap(&w2, &ctx).unwrap().0.ct_eq(&dek.0));
    }
}
