//! The single error type of the crypto module.
//!
//! Why one enum: callers (repositories, the startup code, the CLI) need to
//! tell "corrupt data" from "wrong key" from "misconfigured key file" and react
//! differently, and every message must tell the operator what to do next.
//! No variant ever carries key material or plaintext.

use std::path::PathBuf;

use super::envelope::KeyRef;

/// Everything that can go wrong in the crypto module.
///
/// Messages are written for an operator reading a log: they name the file,
/// key or version involved and suggest the fix, but never include secret bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The first byte of a ciphertext or wrapped key is not a format this
    /// build understands.
    #[error(
        "unsupported format version {0} (this build understands version 1); \
         the value was written by a newer tasktracker or is not a tasktracker ciphertext"
    )]
    UnsupportedFormat(u8),

    /// The input is shorter than the fixed header + nonce + tag.
    #[error(
        "ciphertext is truncated: {len} bytes, but at least {min} are required; \
         the stored value is corrupt and must be restored from a backup"
    )]
    Truncated {
        /// Length of the input that was given.
        len: usize,
        /// Minimum length of a well-formed input.
        min: usize,
    },

    /// The input has a length no well-formed value can have (e.g. a wrapped
    /// key that is too long).
    #[error("malformed {what}: {len} bytes, expected {expected}; the stored value is corrupt")]
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// Length of the input that was given.
        len: usize,
        /// The only valid length.
        expected: usize,
    },

    /// Authentication tag check failed.
    #[error(
        "decryption failed: the ciphertext was tampered with, the wrong key was used, \
         or the AAD (table/column/row or key slot) differs from the one used when sealing; \
         check that the right key version is loaded and the value was read from the row it was written to"
    )]
    Decrypt,

    /// The ciphertext header names a different key than the one supplied.
    #[error(
        "ciphertext was sealed under key {found}, but key {expected} was supplied; \
         read the header with Header::parse and fetch that key"
    )]
    KeyMismatch {
        /// The key the caller supplied.
        expected: KeyRef,
        /// The key named in the ciphertext header.
        found: KeyRef,
    },

    /// A wrapped key was made with a different KEK version.
    #[error(
        "wrapped key was made with KEK version {found}, but KEK version {expected} was supplied; \
         load KEK version {found} (or finish the KEK rotation that rewraps this key)"
    )]
    KekVersionMismatch {
        /// Version of the KEK the caller supplied.
        expected: u32,
        /// Version recorded in the wrapped key.
        found: u32,
    },

    /// The loaded KEK does not match the check value stored with the data.
    #[error(
        "KEK version {version} does not match the check value stored in the database; \
         the configured key file/credential holds the wrong key — restore the original KEK"
    )]
    WrongKek {
        /// Version of the KEK that was checked.
        version: u32,
    },

    /// A key file exists but its contents are not a valid key.
    #[error(
        "key file {path} is unusable: {reason}; it must contain exactly one line of standard \
         base64 encoding 32 bytes (e.g. `head -c 32 /dev/urandom | base64 > FILE`)"
    )]
    BadKeyFile {
        /// The offending file.
        path: PathBuf,
        /// What is wrong (never includes file contents).
        reason: String,
    },

    /// A key given as a string (env var, credential) is not a valid key.
    #[error(
        "KEK string is unusable: {reason}; it must be standard base64 encoding exactly 32 bytes \
         (44 characters ending in '=')"
    )]
    BadKeyEncoding {
        /// What is wrong (never includes the string itself).
        reason: String,
    },

    /// A key file is readable by group or other users.
    #[error(
        "key file {path} has mode {mode:04o}, which grants access to group/other users; \
         run `chmod 600 {path}` (and make sure the service user owns it), then restart"
    )]
    InsecureKeyFile {
        /// The offending file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// Refused to create a key file because one already exists.
    #[error(
        "key file {path} already exists; refusing to overwrite it because data encrypted \
         under that key would become unreadable — move it away first if you really mean to replace it"
    )]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },

    /// An I/O error while reading or writing a key file.
    #[error(
        "I/O error on {path}: {source}; check that the path exists and the service user may access it"
    )]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The operating system's random number generator failed.
    #[error(
        "the system random number generator failed; the host's entropy source is broken, refusing to continue"
    )]
    Rng,

    /// The plaintext is too large for one AES-GCM message.
    #[error("value too large to encrypt in one piece ({len} bytes); split it into smaller values")]
    TooLarge {
        /// Length of the plaintext.
        len: usize,
    },
}
