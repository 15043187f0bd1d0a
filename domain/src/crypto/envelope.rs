//! The self-describing ciphertext format for values stored in the database.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! offset 0   1 byte   format version (= 1)
//! offset 1   8 bytes  key id          (which DEK)
//! offset 9   4 bytes  key version     (which version of that DEK)
//! offset 13 12 bytes  nonce           (random, from SystemRandom)
//! offset 25  n bytes  AES-256-GCM ciphertext
//! offset 25+n 16 bytes GCM tag
//! ```
//!
//! Why self-describing: during DEK rotation a column holds values under
//! several key versions at once; the header tells the reader which key to
//! fetch ([`Header::parse`]) before anything is decrypted. The header bytes
//! are part of the AAD, so they cannot be altered without [`open`] failing.
//!
//! Why the AAD binds table/column/row ([`Aad`]): without it, an attacker with
//! write access to the database could copy a ciphertext from one row (or
//! column) into another and have it decrypt there.
//!
//! Nonces are random 96-bit values; per NIST SP 800-38D a single DEK version
//! should seal at most 2^32 values, far above what one person's key sees.

use std::fmt;

use ring::aead::{
    self, AES_256_GCM, LessSafeKey, MAX_TAG_LEN as TAG_LEN, NONCE_LEN, Nonce, UnboundKey,
};
use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use super::{CryptoError, Dek, SecretVec, put_field};

/// The only ciphertext format version this build writes and reads.
pub const FORMAT_V1: u8 = 1;
/// Length of the header: format (1) + key id (8) + key version (4).
pub const HEADER_LEN: usize = 1 + 8 + 4;
/// Length of the smallest valid ciphertext (empty plaintext).
pub const MIN_CIPHERTEXT_LEN: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;
/// Domain-separation label mixed into every envelope AAD.
const AAD_LABEL: &[u8] = b"tasktracker/envelope-aad/v1";

/// Identifies one version of one DEK.
///
/// Why a named pair: key ids and versions travel together everywhere (the
/// header, the key table, error messages), and mixing them up is easy with
/// two bare integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyRef {
    /// Row id of the key in the key table.
    pub key_id: u64,
    /// Version of that key (incremented on rotation).
    pub version: u32,
}

impl KeyRef {
    /// Builds a reference to version `version` of key `key_id`.
    pub fn new(key_id: u64, version: u32) -> Self {
        Self { key_id, version }
    }
}

impl fmt::Display for KeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "id {} version {}", self.key_id, self.version)
    }
}

/// The parsed, *unauthenticated* header of a ciphertext.
///
/// Why it exists: the caller must know which DEK (and version) to load before
/// it can call [`open`]. The values are only trustworthy once [`open`] has
/// succeeded, because they are authenticated as part of the AAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Format version (always [`FORMAT_V1`] for a successful parse).
    pub format: u8,
    /// Which DEK sealed the value.
    pub key_id: u64,
    /// Which version of that DEK.
    pub key_version: u32,
}

impl Header {
    /// Reads the header of `ciphertext` without decrypting anything.
    ///
    /// Fails with [`CryptoError::UnsupportedFormat`] for an unknown format byte
    /// and [`CryptoError::Truncated`] if the input is shorter than the
    /// smallest valid ciphertext.
    pub fn parse(ciphertext: &[u8]) -> Result<Self, CryptoError> {
        let truncated = || CryptoError::Truncated {
            len: ciphertext.len(),
            min: MIN_CIPHERTEXT_LEN,
        };
        let (&format, rest) = ciphertext.split_first().ok_or_else(truncated)?;
        if format != FORMAT_V1 {
            return Err(CryptoError::UnsupportedFormat(format));
        }
        if ciphertext.len() < MIN_CIPHERTEXT_LEN {
            return Err(truncated());
        }
        let (id, rest) = rest.split_first_chunk::<8>().ok_or_else(truncated)?;
        let (ver, _) = rest.split_first_chunk::<4>().ok_or_else(truncated)?;
        Ok(Self {
            format,
            key_id: u64::from_be_bytes(*id),
            key_version: u32::from_be_bytes(*ver),
        })
    }

    /// The key this value claims to be sealed under.
    pub fn key_ref(&self) -> KeyRef {
        KeyRef::new(self.key_id, self.key_version)
    }

    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let (f, rest) = out.split_at_mut(1);
        let (id, ver) = rest.split_at_mut(8);
        f.copy_from_slice(&[self.format]);
        id.copy_from_slice(&self.key_id.to_be_bytes());
        ver.copy_from_slice(&self.key_version.to_be_bytes());
        out
    }
}

/// Associated data naming where a value lives: table, column, row identity.
///
/// Why: a ciphertext sealed for `messages.text` of row 42 will only open with
/// exactly that `Aad`, so values cannot be swapped between rows, columns or
/// tables. Fields are length-prefixed, so the encoding is unambiguous.
/// The AAD is not secret and is not stored; the caller reconstructs it from
/// the row it is reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aad(Vec<u8>);

impl Aad {
    /// Builds the AAD for `table.column` of the row identified by `row`.
    ///
    /// `row` must be stable for the life of the value (e.g. the primary key's
    /// big-endian bytes, or a UUID), because changing it makes the value
    /// unreadable.
    pub fn new(table: &str, column: &str, row: &[u8]) -> Self {
        let mut out =
            Vec::with_capacity(AAD_LABEL.len() + 3 * 8 + table.len() + column.len() + row.len());
        put_field(&mut out, AAD_LABEL);
        put_field(&mut out, table.as_bytes());
        put_field(&mut out, column.as_bytes());
        put_field(&mut out, row);
        Self(out)
    }

    /// The encoded bytes (without the ciphertext header).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Header bytes followed by the encoded AAD: what GCM authenticates.
    fn with_header(&self, header: &[u8; HEADER_LEN]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.0.len());
        out.extend_from_slice(header);
        out.extend_from_slice(&self.0);
        out
    }
}

fn aead_key(dek: &Dek) -> Result<LessSafeKey, CryptoError> {
    // Only fails for a wrong key length, which the type rules out; map it
    // rather than panic.
    let key = UnboundKey::new(&AES_256_GCM, dek.expose()).map_err(|_| CryptoError::Decrypt)?;
    Ok(LessSafeKey::new(key))
}

/// Encrypts `plaintext` under `dek` (known as `key_id`/`key_version`) for the
/// place described by `aad`, with a fresh random nonce.
///
/// Why the key id and version are parameters: they are written into the
/// header so that a reader can find the key later; the caller knows which
/// key slot the DEK came from. Returns the complete envelope.
pub fn seal(
    dek: &Dek,
    key_id: u64,
    key_version: u32,
    aad: &Aad,
    plaintext: &[u8],
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    let header = Header {
        format: FORMAT_V1,
        key_id,
        key_version,
    }
    .encode();
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce).map_err(|_| CryptoError::Rng)?;
    let key = aead_key(dek)?;

    let mut out = Vec::with_capacity(MIN_CIPHERTEXT_LEN.saturating_add(plaintext.len()));
    out.extend_from_slice(&header);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let body = out
        .get_mut(HEADER_LEN + NONCE_LEN..)
        .ok_or(CryptoError::TooLarge {
            len: plaintext.len(),
        })?;
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(aad.with_header(&header)),
            body,
        )
        .map_err(|_| CryptoError::TooLarge {
            len: plaintext.len(),
        })?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Decrypts and authenticates an envelope produced by [`seal`].
///
/// Fails with [`CryptoError::Decrypt`] if a single bit of the envelope was
/// changed, if `dek` is not the key named in the header, or if `aad` differs
/// from the one used when sealing. Never returns unauthenticated bytes.
/// The plaintext is returned in a [`SecretVec`] so it is wiped after use.
pub fn open(dek: &Dek, aad: &Aad, ciphertext: &[u8]) -> Result<SecretVec, CryptoError> {
    let header = Header::parse(ciphertext)?;
    let (nonce, body) = ciphertext
        .get(HEADER_LEN..)
        .and_then(|rest| rest.split_first_chunk::<NONCE_LEN>())
        .ok_or(CryptoError::Truncated {
            len: ciphertext.len(),
            min: MIN_CIPHERTEXT_LEN,
        })?;
    let key = aead_key(dek)?;
    let mut buf = Zeroizing::new(body.to_vec());
    let plain_len = key
        .open_in_place(
            Nonce::assume_unique_for_key(*nonce),
            aead::Aad::from(aad.with_header(&header.encode())),
            &mut buf,
        )
        .map_err(|_| CryptoError::Decrypt)?
        .len();
    buf.truncate(plain_len);
    Ok(SecretVec::new(std::mem::take(&mut *buf)))
}

/// Like [`open`], but first checks that the header names `expected`.
///
/// Why: when the caller already knows which key it loaded, a mismatch is a
/// bug or a moved value, and [`CryptoError::KeyMismatch`] says so more
/// precisely than a generic [`CryptoError::Decrypt`].
pub fn open_expecting(
    dek: &Dek,
    expected: KeyRef,
    aad: &Aad,
    ciphertext: &[u8],
) -> Result<SecretVec, CryptoError> {
    let found = Header::parse(ciphertext)?.key_ref();
    if found != expected {
        return Err(CryptoError::KeyMismatch { expected, found });
    }
    open(dek, aad, ciphertext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    fn setup() -> (SystemRandom, Dek, Aad) {
        let rng = SystemRandom::new();
        let dek = Dek::generate(&rng).unwrap();
        (rng, dek, Aad::new("messages", "text", &42u64.to_be_bytes()))
    }

    #[test]
    fn round_trips() {
        let (rng, dek, aad) = setup();
        for len in [0usize, 1, 200, 4096, 1 << 20] {
            let pt: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let ct = seal(&dek, 7, 3, &aad, &pt, &rng).unwrap();
            assert_eq!(ct.len(), MIN_CIPHERTEXT_LEN + len);
            if len >= 16 {
                assert!(!ct.windows(16).any(|w| w == &pt[..16]), "plaintext visible");
            }
            let out = open(&dek, &aad, &ct).unwrap();
            assert_eq!(out.expose(), &pt[..]);
        }
    }

    #[test]
    fn nonces_are_fresh() {
        let (rng, dek, aad) = setup();
        let a = seal(&dek, 1, 1, &aad, b"same", &rng).unwrap();
        let b = seal(&dek, 1, 1, &aad, b"same", &rng).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn every_bit_flip_is_rejected() {
        let (rng, dek, aad) = setup();
        let ct = seal(&dek, 7, 3, &aad, b"hello, world", &rng).unwrap();
        for i in 0..ct.len() {
            for bit in 0..8 {
                let mut bad = ct.clone();
                bad[i] ^= 1 << bit;
                let r = open(&dek, &aad, &bad);
                match (i, r) {
                    (0, Err(CryptoError::UnsupportedFormat(_))) => {}
                    (_, Err(CryptoError::Decrypt)) if i > 0 => {}
                    (_, other) => panic!("flip at byte {i} bit {bit}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn every_truncation_is_a_typed_error() {
        let (rng, dek, aad) = setup();
        let ct = seal(&dek, 7, 3, &aad, b"some message text", &rng).unwrap();
        for len in 0..ct.len() {
            match open(&dek, &aad, &ct[..len]) {
                Err(CryptoError::Truncated { len: l, min }) => {
                    assert!(len < MIN_CIPHERTEXT_LEN);
                    assert_eq!((l, min), (len, MIN_CIPHERTEXT_LEN));
                }
                Err(CryptoError::Decrypt) => assert!(len >= MIN_CIPHERTEXT_LEN),
                other => panic!("truncated to {len}: {other:?}"),
            }
        }
        // Appending bytes is also detected.
        let mut long = ct.clone();
        long.push(0);
        assert!(matches!(open(&dek, &aad, &long), Err(CryptoError::Decrypt)));
    }

    #[test]
    fn aad_swap_is_rejected() {
        let (rng, dek, aad) = setup();
        let ct = seal(&dek, 7, 3, &aad, b"secret", &rng).unwrap();
        let others = [
            Aad::new("profiles", "text", &42u64.to_be_bytes()),
            Aad::new("messages", "title", &42u64.to_be_bytes()),
            Aad::new("messages", "text", &43u64.to_be_bytes()),
            Aad::new("messagest", "ext", &42u64.to_be_bytes()),
            Aad::new("messages", "", &[]),
        ];
        for other in &others {
            assert_ne!(other, &aad);
            assert!(matches!(open(&dek, other, &ct), Err(CryptoError::Decrypt)));
        }
    }

    #[test]
    fn aad_encoding_is_unambiguous() {
        assert_ne!(Aad::new("ab", "c", b"r"), Aad::new("a", "bc", b"r"));
        assert_ne!(Aad::new("a", "b", b""), Aad::new("a", "", b"b"));
    }

    #[test]
    fn wrong_dek_is_rejected() {
        let (rng, dek, aad) = setup();
        let other = Dek::generate(&rng).unwrap();
        let ct = seal(&dek, 7, 3, &aad, b"secret", &rng).unwrap();
        assert!(matches!(open(&other, &aad, &ct), Err(CryptoError::Decrypt)));
    }

    #[test]
    fn header_parse_and_binding() {
        let (rng, dek, aad) = setup();
        let ct = seal(&dek, 0x0102_0304_0506_0708, 0xA0B0_C0D0, &aad, b"x", &rng).unwrap();
        let h = Header::parse(&ct).unwrap();
        assert_eq!(
            h,
            Header {
                format: 1,
                key_id: 0x0102_0304_0506_0708,
                key_version: 0xA0B0_C0D0
            }
        );
        assert_eq!(
            &ct[..HEADER_LEN],
            &[1, 1, 2, 3, 4, 5, 6, 7, 8, 0xA0, 0xB0, 0xC0, 0xD0]
        );
        assert_eq!(h.key_ref(), KeyRef::new(0x0102_0304_0506_0708, 0xA0B0_C0D0));

        // Rewriting the header to point at another key version fails to open.
        let mut moved = ct.clone();
        moved[12] ^= 1;
        assert_eq!(Header::parse(&moved).unwrap().key_version, 0xA0B0_C0D1);
        assert!(matches!(
            open(&dek, &aad, &moved),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn unsupported_format() {
        let (rng, dek, aad) = setup();
        let mut ct = seal(&dek, 1, 1, &aad, b"x", &rng).unwrap();
        for f in [0u8, 2, 0xFF] {
            ct[0] = f;
            assert!(matches!(Header::parse(&ct), Err(CryptoError::UnsupportedFormat(b)) if b == f));
            assert!(
                matches!(open(&dek, &aad, &ct), Err(CryptoError::UnsupportedFormat(b)) if b == f)
            );
        }
        // A short input with a bad format byte reports the format first.
        assert!(matches!(
            Header::parse(&[9]),
            Err(CryptoError::UnsupportedFormat(9))
        ));
        assert!(matches!(
            Header::parse(&[]),
            Err(CryptoError::Truncated { len: 0, .. })
        ));
    }

    #[test]
    fn open_expecting_reports_key_mismatch() {
        let (rng, dek, aad) = setup();
        let ct = seal(&dek, 5, 2, &aad, b"x", &rng).unwrap();
        let err = open_expecting(&dek, KeyRef::new(5, 3), &aad, &ct).unwrap_err();
        match &err {
            CryptoError::KeyMismatch { expected, found } => {
                assert_eq!(*expected, KeyRef::new(5, 3));
                assert_eq!(*found, KeyRef::new(5, 2));
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("Header::parse"));
        assert_eq!(
            open_expecting(&dek, KeyRef::new(5, 2), &aad, &ct)
                .unwrap()
                .expose(),
            b"x"
        );
    }

    #[test]
    fn garbage_never_panics() {
        let (rng, dek, aad) = setup();
        let mut state = 0x1234_5678u32;
        for len in 0..200 {
            let mut g: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (state >> 24) as u8
                })
                .collect();
            if len > 0 && len % 2 == 0 {
                g[0] = FORMAT_V1;
            }
            assert!(open(&dek, &aad, &g).is_err());
        }
        let _ = rng;
    }
}
