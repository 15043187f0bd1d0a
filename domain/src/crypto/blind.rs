//! Blind indexes: deterministic lookup tokens for values we must not store
//! in clear.
//!
//! Why: the bot must find a person's rows by Telegram user id (or @handle),
//! but the design forbids storing the plain id of someone who opted out or
//! was forgotten. HMAC-SHA256 under a dedicated key gives an equality-only
//! token: the database can index it, but without the key it cannot be
//! reversed or even brute-forced over the (small) space of user ids.
//!
//! The key is separate from every DEK and from the KEK, so that rotating or
//! shredding those never changes existing index values. Store it wrapped by
//! the KEK with [`super::KeyPurpose::BlindIndex`].

use ring::hkdf;
use ring::hmac;
use ring::rand::SecureRandom;

use super::dek::KEY_LEN;
use super::{CryptoError, SecretBytes, put_field};

/// Output length of every blind index.
pub const INDEX_LEN: usize = 32;
const DOMAIN: &[u8] = b"tasktracker/blind-index/v1";
const KIND_USER: u8 = 1;
const KIND_STR: u8 = 2;
const SEED_SALT: &[u8] = b"tasktracker/blind-index-key-from-seed/v1";
const SEED_INFO: &[u8] = b"blind-index-hmac-sha256";

/// The HMAC key for blind indexes; zeroized on drop, redacted in `Debug`.
#[derive(Clone, Debug)]
pub struct BlindIndexKey(SecretBytes<KEY_LEN>);

impl BlindIndexKey {
    /// Generates a new random key (then wrap it with [`super::Kek::wrap_bytes`]).
    ///
    /// Changing this key invalidates every stored index, so generate it once
    /// per deployment.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        SecretBytes::generate(rng).map(Self)
    }

    /// Derives the key from a 32-byte secret seed with HKDF-SHA256.
    ///
    /// Why: lets a deployment provision the index key like the KEK (one
    /// secret outside the database) instead of storing it wrapped. Do not
    /// pass the KEK itself: KEK rotation would then change every index.
    pub fn derive_from_seed(seed: &SecretBytes<KEY_LEN>) -> Self {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, SEED_SALT).extract(seed.expose());
        let mut out = [0u8; KEY_LEN];
        // Expanding 32 bytes cannot fail (limit is 255 * 32); if it somehow
        // did, fall back to the PRK-keyed HMAC of the info string.
        let ok = prk
            .expand(&[SEED_INFO], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut out));
        if ok.is_err() {
            let key = hmac::Key::new(hmac::HMAC_SHA256, seed.expose());
            fill(&mut out, hmac::sign(&key, SEED_INFO).as_ref());
        }
        Self(SecretBytes::new(out))
    }

    /// Rebuilds the key from its bytes (e.g. after [`super::Kek::unwrap_bytes`]).
    pub fn from_bytes(bytes: SecretBytes<KEY_LEN>) -> Self {
        Self(bytes)
    }

    /// The key bytes, for wrapping with [`super::Kek::wrap_bytes`].
    pub fn to_bytes(&self) -> SecretBytes<KEY_LEN> {
        self.0.clone()
    }

    /// Blind index of a Telegram user id.
    ///
    /// HMAC-SHA256(key, domain || kind=user || id as 8 big-endian bytes).
    /// The kind byte keeps it disjoint from every [`Self::index_str`] value.
    pub fn index_user(&self, telegram_user_id: i64) -> [u8; INDEX_LEN] {
        let mut ctx = self.context();
        ctx.update(&[KIND_USER]);
        ctx.update(&telegram_user_id.to_be_bytes());
        finish(ctx)
    }

    /// Blind index of a string `value` of kind `kind` (e.g. `"handle"`).
    ///
    /// No normalisation is applied: callers must canonicalise first (e.g.
    /// strip `@` and lowercase handles), or equal values will not match.
    /// `kind` and `value` are length-prefixed so no two pairs collide.
    pub fn index_str(&self, kind: &str, value: &str) -> [u8; INDEX_LEN] {
        let mut msg = Vec::with_capacity(16 + kind.len() + value.len());
        put_field(&mut msg, kind.as_bytes());
        put_field(&mut msg, value.as_bytes());
        let mut ctx = self.context();
        ctx.update(&[KIND_STR]);
        ctx.update(&msg);
        finish(ctx)
    }

    fn context(&self) -> hmac::Context {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.expose());
        let mut ctx = hmac::Context::with_key(&key);
        let mut domain = Vec::with_capacity(8 + DOMAIN.len());
        put_field(&mut domain, DOMAIN);
        ctx.update(&domain);
        ctx
    }
}

fn fill(out: &mut [u8], src: &[u8]) {
    for (o, s) in out.iter_mut().zip(src) {
        *o = *s;
    }
}

fn finish(ctx: hmac::Context) -> [u8; INDEX_LEN] {
    let mut out = [0u8; INDEX_LEN];
    fill(&mut out, ctx.sign().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    #[test]
    fn deterministic_and_keyed() {
        let rng = SystemRandom::new();
        let k = BlindIndexKey::generate(&rng).unwrap();
        let k2 = BlindIndexKey::generate(&rng).unwrap();
        assert_eq!(k.index_user(123), k.index_user(123));
        assert_ne!(k.index_user(123), k.index_user(124));
        assert_ne!(k.index_user(123), k.index_user(-123));
        assert_ne!(k.index_user(123), k2.index_user(123));
        assert_eq!(
            k.index_str("handle", "alice"),
            k.index_str("handle", "alice")
        );
        assert_ne!(
            k.index_str("handle", "alice"),
            k.index_str("handle", "Alice")
        );
        assert_ne!(
            k.index_str("handle", "alice"),
            k.index_str("email", "alice")
        );
        assert_ne!(k.index_str("ab", "c"), k.index_str("a", "bc"));
        assert_ne!(k.index_str("", ""), k.index_user(0));
    }

    #[test]
    fn matches_plain_hmac() {
        let k = BlindIndexKey::from_bytes(SecretBytes::new([7u8; 32]));
        let key = hmac::Key::new(hmac::HMAC_SHA256, &[7u8; 32]);
        let mut msg = Vec::new();
        put_field(&mut msg, DOMAIN);
        msg.push(KIND_USER);
        msg.extend_from_slice(&42i64.to_be_bytes());
        assert_eq!(&k.index_user(42)[..], hmac::sign(&key, &msg).as_ref());
    }

    #[test]
    fn seed_derivation_and_bytes_round_trip() {
        let rng = SystemRandom::new();
        let seed = SecretBytes::<32>::generate(&rng).unwrap();
        let a = BlindIndexKey::derive_from_seed(&seed);
        let b = BlindIndexKey::derive_from_seed(&seed);
        assert_eq!(a.index_user(1), b.index_user(1));
        assert!(
            !a.to_bytes().ct_eq(&seed),
            "derived key must differ from the seed"
        );
        let c = BlindIndexKey::from_bytes(a.to_bytes());
        assert_eq!(a.index_str("h", "x"), c.index_str("h", "x"));
        let other = BlindIndexKey::derive_from_seed(&SecretBytes::generate(&rng).unwrap());
        assert_ne!(a.index_user(1), other.index_user(1));
    }

    #[test]
    fn wraps_under_kek() {
        use super::super::{Kek, KeyPurpose, WrapContext};
        let rng = SystemRandom::new();
        let kek = Kek::generate(&rng, 1).unwrap();
        let k = BlindIndexKey::generate(&rng).unwrap();
        let ctx = WrapContext::new(KeyPurpose::BlindIndex, 1, 1);
        let w = kek.wrap_bytes(&k.to_bytes(), &ctx, &rng).unwrap();
        let back = BlindIndexKey::from_bytes(kek.unwrap_bytes(&w, &ctx).unwrap());
        assert_eq!(back.index_user(99), k.index_user(99));
    }

    #[test]
    fn debug_never_shows_key() {
        let k = BlindIndexKey::from_bytes(SecretBytes::new([0x5c; 32]));
        let out = format!("{k:?} {k:#?}");
        assert!(out.contains("[redacted]"));
        assert!(!out.contains("5c5c") && !out.contains("92") && !out.contains("XF"));
    }
}
