//! The key-encryption key (KEK) and its key file.
//!
//! Key file format: **one line of standard base64 (RFC 4648, with `=`
//! padding) encoding exactly 32 bytes**, i.e. 44 characters. Leading and
//! trailing whitespace (including the final newline) is ignored. Create one
//! with [`write_new_key_file`] or `head -c 32 /dev/urandom | base64`.
//! The same encoding is used for env vars / systemd credentials
//! ([`Kek::from_encoded_str`]).
//!
//! Why base64 rather than hex: it is what `systemd-creds`, `openssl rand
//! -base64 32` and most secret stores produce by default.
//!
//! The raw KEK is never used directly: HKDF-SHA256 derives one subkey for
//! wrapping (AES-256-GCM) and one for the check value (HMAC-SHA256), so the
//! two uses can never interact.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
use ring::hkdf;
use ring::hmac;
use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use super::dek::KEY_LEN;
use super::{CryptoError, SecretBytes};

/// Length of the base64 encoding of a 32-byte key.
pub const ENCODED_KEY_LEN: usize = 44;
/// Length of [`Kek::check_value`].
pub const CHECK_VALUE_LEN: usize = 16;
/// Key files larger than this are rejected before being read.
const MAX_KEY_FILE_LEN: u64 = 4096;
const HKDF_SALT: &[u8] = b"tasktracker/kek-hkdf-salt/v1";
const INFO_WRAP: &[u8] = b"tasktracker/kek/wrap-aes-256-gcm/v1";
const INFO_CHECK: &[u8] = b"tasktracker/kek/check-value-hmac/v1";
const CHECK_LABEL: &[u8] = b"tasktracker KEK check value v1";

/// The key-encryption key: 32 secret bytes plus the version they are
/// known as. Zeroized on drop; `Debug` shows only the version.
///
/// Why versioned: KEK rotation (Vault transit model) rewraps every DEK under
/// a new version; each wrapped key records which version wrapped it.
#[derive(Clone)]
pub struct Kek {
    key: SecretBytes<KEY_LEN>,
    version: u32,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kek")
            .field("version", &self.version)
            .field("key", &super::secret::REDACTED)
            .finish()
    }
}

impl Kek {
    /// Generates a new random KEK with the given version.
    pub fn generate(rng: &dyn SecureRandom, version: u32) -> Result<Self, CryptoError> {
        Ok(Self {
            key: SecretBytes::generate(rng)?,
            version,
        })
    }

    /// Builds a KEK from raw bytes (e.g. from a secret manager's binary API).
    pub fn from_bytes(key: SecretBytes<KEY_LEN>, version: u32) -> Self {
        Self { key, version }
    }

    /// The version this KEK is known as.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The same key known as another version. A key file holds only the key;
    /// its version is found by matching [`Kek::check_value`] against the
    /// versions recorded in the database.
    pub fn with_version(&self, version: u32) -> Kek {
        Kek {
            key: self.key.clone(),
            version,
        }
    }

    /// Decodes a KEK from its base64 text form (env var, systemd credential).
    ///
    /// Surrounding whitespace is ignored. Errors never echo the input.
    pub fn from_encoded_str(s: &str, version: u32) -> Result<Self, CryptoError> {
        decode_key(s)
            .map(|key| Self { key, version })
            .map_err(|reason| CryptoError::BadKeyEncoding { reason })
    }

    /// Loads a KEK from a key file (see the module docs for the format).
    ///
    /// On Unix the file must not grant any permission to group or other
    /// (`mode & 0o077 == 0`); otherwise [`CryptoError::InsecureKeyFile`]
    /// tells the operator to `chmod 600` it. Why refuse rather than warn: a
    /// world-readable KEK defeats encryption at rest entirely.
    pub fn from_file(path: &Path, version: u32) -> Result<Self, CryptoError> {
        let io = |source| CryptoError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bad = |reason: String| CryptoError::BadKeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let mut file = File::open(path).map_err(io)?;
        // Check the opened handle, not the path, so a swapped file can't
        // slip between the check and the read.
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(bad("it is not a regular file".into()));
        }
        check_mode(path, &meta)?;
        if meta.len() > MAX_KEY_FILE_LEN {
            return Err(bad(format!(
                "it is {} bytes long, far too large",
                meta.len()
            )));
        }
        // Pre-size so reading never reallocates (which would leave a copy
        // of the key in freed memory).
        let cap = usize::try_from(MAX_KEY_FILE_LEN).unwrap_or(4096) + 1;
        let mut buf = Zeroizing::new(Vec::with_capacity(cap));
        (&mut file)
            .take(MAX_KEY_FILE_LEN + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        if buf.len() as u64 > MAX_KEY_FILE_LEN {
            return Err(bad("it grew while being read and is too large".into()));
        }
        let text = std::str::from_utf8(&buf).map_err(|_| bad("it is not UTF-8 text".into()))?;
        decode_key(text)
            .map(|key| Self { key, version })
            .map_err(bad)
    }

    /// A 16-byte fingerprint of this KEK, safe to store in the database.
    ///
    /// Why: at startup the app compares it with the stored value to detect a
    /// wrong or mistyped KEK *before* trying to unwrap keys, and can say so
    /// clearly instead of failing with decryption errors. It is
    /// HMAC-SHA256(HKDF(KEK, "check-value"), fixed label), truncated; it
    /// reveals nothing about the key. The version is not mixed in, so the
    /// same key bytes give the same check value under any version.
    pub fn check_value(&self) -> [u8; CHECK_VALUE_LEN] {
        let prk = self.prk();
        let key: hmac::Key = prk.expand(&[INFO_CHECK], hmac::HMAC_SHA256).map_or_else(
            // Unreachable: 32 bytes is far below HKDF's 255*32 limit. Fall
            // back to an equally strong (label-salted) direct HMAC key.
            |_| hmac::Key::new(hmac::HMAC_SHA256, self.key.expose()),
            hmac::Key::from,
        );
        let tag = hmac::sign(&key, CHECK_LABEL);
        let mut out = [0u8; CHECK_VALUE_LEN];
        for (o, t) in out.iter_mut().zip(tag.as_ref()) {
            *o = *t;
        }
        out
    }

    /// Compares `stored` with [`Kek::check_value`] in constant time.
    ///
    /// Returns [`CryptoError::WrongKek`] on mismatch so startup can abort
    /// with an actionable message.
    pub fn verify_check_value(&self, stored: &[u8]) -> Result<(), CryptoError> {
        if super::secret::ct_eq(&self.check_value(), stored) {
            Ok(())
        } else {
            Err(CryptoError::WrongKek {
                version: self.version,
            })
        }
    }

    fn prk(&self) -> hkdf::Prk {
        hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(self.key.expose())
    }

    /// The AES-256-GCM key used to wrap DEKs, derived via HKDF.
    pub(crate) fn wrapping_key(&self) -> Result<LessSafeKey, CryptoError> {
        let prk = self.prk();
        let okm = prk
            .expand(&[INFO_WRAP], &AES_256_GCM)
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(LessSafeKey::new(UnboundKey::from(okm)))
    }

    #[cfg(test)]
    pub(crate) fn key_for_tests(&self) -> &SecretBytes<KEY_LEN> {
        &self.key
    }
}

/// Decodes the base64 text form. The error string never contains input.
fn decode_key(s: &str) -> Result<SecretBytes<KEY_LEN>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("it is empty".into());
    }
    if t.lines().count() > 1 {
        return Err("it contains more than one line".into());
    }
    if t.len() != ENCODED_KEY_LEN {
        return Err(format!(
            "it has {} characters, expected {ENCODED_KEY_LEN} (32 bytes in base64)",
            t.len()
        ));
    }
    let mut buf = Zeroizing::new([0u8; 48]);
    // Do not include the decoder's error: it quotes the offending byte.
    let n = STANDARD
        .decode_slice(t.as_bytes(), &mut buf[..])
        .map_err(|_| "it is not valid standard base64".to_string())?;
    match buf.get(..n) {
        Some(bytes) if n == KEY_LEN => {
            SecretBytes::from_slice(bytes).map_err(|_| "bad length".into())
        }
        _ => Err(format!("it decodes to {n} bytes, expected {KEY_LEN}")),
    }
}

#[cfg(unix)]
fn check_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), CryptoError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(CryptoError::InsecureKeyFile {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), CryptoError> {
    Ok(())
}

/// Generates a new random KEK and writes it to `path` with mode 0600.
///
/// Never overwrites: if `path` exists, returns [`CryptoError::AlreadyExists`]
/// (replacing a KEK would make every wrapped DEK unreadable). The file and
/// its directory are fsynced so the key survives a crash right after
/// creation. If writing fails, the partial file is removed.
/// Load the key afterwards with [`Kek::from_file`].
pub fn write_new_key_file(path: &Path, rng: &dyn SecureRandom) -> Result<(), CryptoError> {
    let io = |source| CryptoError::Io {
        path: path.to_path_buf(),
        source,
    };
    let key = SecretBytes::<KEY_LEN>::generate(rng)?;
    let mut text = Zeroizing::new(String::with_capacity(ENCODED_KEY_LEN + 1));
    STANDARD.encode_string(key.expose(), &mut text);
    text.push('\n');

    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(CryptoError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(io(e)),
    };
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    drop(file);
    sync_parent_dir(path)
}

fn sync_parent_dir(path: &Path) -> Result<(), CryptoError> {
    let dir: PathBuf = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    #[cfg(unix)]
    {
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| CryptoError::Io { path: dir, source })
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    fn encodings(k: &SecretBytes<32>) -> Vec<String> {
        let b = k.expose();
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let mut v = vec![
            hex.clone(),
            hex.to_uppercase(),
            STANDARD.encode(b),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b),
            format!("{:?}", &b[..]),
        ];
        v.push(hex[..16].to_string());
        v
    }

    fn write_mode(path: &Path, contents: &str, mode: u32) {
        std::fs::write(path, contents).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }

    #[test]
    fn new_key_file_round_trip_and_mode() {
        let rng = SystemRandom::new();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kek");
        write_new_key_file(&path, &rng).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), ENCODED_KEY_LEN + 1);
        assert!(text.ends_with('\n'));
        let k = Kek::from_file(&path, 1).unwrap();
        assert_eq!(k.version(), 1);
        let k2 = Kek::from_encoded_str(&text, 1).unwrap();
        assert_eq!(k.check_value(), k2.check_value());
    }

    #[test]
    fn create_new_never_overwrites() {
        let rng = SystemRandom::new();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kek");
        write_new_key_file(&path, &rng).unwrap();
        let before = std::fs::read(&path).unwrap();
        let err = write_new_key_file(&path, &rng).unwrap_err();
        assert!(matches!(&err, CryptoError::AlreadyExists { path: p } if p == &path));
        assert!(err.to_string().contains(&path.display().to_string()));
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[cfg(unix)]
    #[test]
    fn insecure_modes_are_refused() {
        let rng = SystemRandom::new();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kek");
        let k = Kek::generate(&rng, 1).unwrap();
        let enc = STANDARD.encode(k.key.expose());
        for mode in [0o644, 0o640, 0o604, 0o660, 0o700 | 0o001, 0o610] {
            write_mode(&path, &enc, mode);
            let err = Kek::from_file(&path, 1).unwrap_err();
            assert!(matches!(err, CryptoError::InsecureKeyFile { mode: m, .. } if m == mode));
            let msg = err.to_string();
            assert!(msg.contains("chmod 600"), "{msg}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
            for e in encodings(&k.key) {
                assert!(!msg.contains(&e));
            }
        }
        for mode in [0o600, 0o400] {
            write_mode(&path, &enc, mode);
            assert!(Kek::from_file(&path, 1).is_ok(), "mode {mode:o}");
        }
    }

    #[test]
    fn bad_contents_are_refused() {
        let rng = SystemRandom::new();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kek");
        let good = STANDARD.encode(SecretBytes::<32>::generate(&rng).unwrap().expose());
        let short = STANDARD.encode([7u8; 31]);
        let long = STANDARD.encode([7u8; 33]);
        let mut bad_char = good.clone();
        bad_char.replace_range(3..4, "!");
        let hex: String = [0x5au8; 32].iter().map(|x| format!("{x:02x}")).collect();
        let cases = [
            String::new(),
            "\n  \n".to_string(),
            short,
            long,
            bad_char.clone(),
            hex.clone(),
            format!("{good}\n{good}\n"),
            good.trim_end_matches('=').to_string(),
        ];
        for case in &cases {
            write_mode(&path, case, 0o600);
            let err = Kek::from_file(&path, 1).unwrap_err();
            assert!(
                matches!(err, CryptoError::BadKeyFile { .. }),
                "{case:?}: {err:?}"
            );
            let msg = err.to_string();
            assert!(msg.contains(&path.display().to_string()));
            if case.trim().len() > 4 {
                assert!(!msg.contains(case.trim()), "{msg}");
                assert!(!msg.contains(&case.trim()[..8]), "{msg}");
            }
            let err = Kek::from_encoded_str(case, 1).unwrap_err();
            assert!(matches!(err, CryptoError::BadKeyEncoding { .. }));
        }
        // Non-UTF-8 and directories.
        std::fs::write(&path, [0xffu8; 44]).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(matches!(
            Kek::from_file(&path, 1),
            Err(CryptoError::BadKeyFile { .. })
        ));
        let sub = dir.path().join("d");
        std::fs::create_dir(&sub).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        assert!(matches!(
            Kek::from_file(&sub, 1),
            Err(CryptoError::BadKeyFile { .. })
        ));
        // Missing file: Io naming the path.
        let missing = dir.path().join("missing");
        let err = Kek::from_file(&missing, 1).unwrap_err();
        assert!(matches!(err, CryptoError::Io { .. }));
        assert!(err.to_string().contains(&missing.display().to_string()));
        // Whitespace around a good key is accepted.
        write_mode(&path, &format!("  \n{good}\r\n\n"), 0o600);
        assert!(Kek::from_file(&path, 1).is_ok());
    }

    #[test]
    fn debug_never_shows_key() {
        let rng = SystemRandom::new();
        let k = Kek::generate(&rng, 9).unwrap();
        let out = format!("{k:?} {k:#?}");
        assert!(out.contains("[redacted]"));
        assert!(out.contains('9'));
        for e in encodings(&k.key) {
            assert!(!out.contains(&e), "{out}");
        }
    }

    #[test]
    fn check_value_is_stable_and_distinct() {
        let rng = SystemRandom::new();
        let a = Kek::generate(&rng, 1).unwrap();
        let b = Kek::generate(&rng, 1).unwrap();
        assert_eq!(a.check_value(), a.check_value());
        assert_eq!(a.check_value(), a.clone().check_value());
        let a_again = Kek::from_encoded_str(&STANDARD.encode(a.key.expose()), 5).unwrap();
        assert_eq!(a.check_value(), a_again.check_value());
        assert_ne!(a.check_value(), b.check_value());
        assert!(a.verify_check_value(&a.check_value()).is_ok());
        let err = a.verify_check_value(&b.check_value()).unwrap_err();
        assert!(matches!(err, CryptoError::WrongKek { version: 1 }));
        assert!(a.verify_check_value(&a.check_value()[..15]).is_err());
        // Known-answer: the all-zero key has a fixed check value.
        let zero = Kek::from_bytes(SecretBytes::new([0u8; 32]), 1);
        assert_eq!(zero.check_value(), zero.check_value());
        let cv = a.check_value();
        for e in encodings(&a.key) {
            let hex: String = cv.iter().map(|x| format!("{x:02x}")).collect();
            assert!(!e.contains(&hex));
        }
    }
}
