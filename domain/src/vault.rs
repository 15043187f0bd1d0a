//! The key vault: the KEK in memory, data keys unwrapped on demand, sealing
//! and opening of stored values, and blind indexes.
//!
//! Key hierarchy (see `crate::crypto` for the formats):
//! - the **KEK** lives outside the database (a 0600 file, a systemd
//!   credential, or an environment variable in development). A key file holds
//!   only the key; its *version* is found by matching its check value against
//!   `kek_versions`, so a wrong key is recognised before anything is read.
//! - **data keys** live in the database wrapped by the KEK: one system key
//!   (chat titles, provider API keys, queued payloads), one blind-index key,
//!   and one key per person (their profile and messages). Deleting a person's
//!   key makes every copy of their data unreadable: [`VaultError::Erased`].
//!
//! The vault holds no database handle: every call takes the connection or
//! transaction it should run in, so sealing happens inside the transaction
//! that writes the row.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ring::rand::SystemRandom;

use crate::Secret;
use crate::crypto::{
    self, Aad, BlindIndexKey, CryptoError, Dek, Header, Kek, KeyRef, SecretVec, WrapContext,
};
use crate::store::keys::{self, KeyPurpose};
use crate::store::{Conn, Db, StoreError, Tx};

/// Where the KEK comes from.
#[derive(Debug, Clone)]
pub enum KekSource {
    /// A key file (mode 0600), or a systemd credential file.
    File(PathBuf),
    /// The base64 key itself, from an environment variable. Development only.
    Inline(Secret),
}

/// What went wrong in the vault. Messages say what the operator can do.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No key file, and the database already holds encrypted data.
    #[error(
        "the encryption key file {path} does not exist, and this database holds encrypted data: \
         restore the key file (from your backup of it); without it the data cannot be read"
    )]
    MissingKey {
        /// The expected key file.
        path: PathBuf,
    },
    /// No key file, and creating one was not allowed.
    #[error(
        "the encryption key file {path} does not exist: create one with \
         `tasktracker keys init --out {path}`"
    )]
    NoKeyFile {
        /// The expected key file.
        path: PathBuf,
    },
    /// The key matches no KEK version this database knows.
    #[error(
        "the encryption key does not belong to this database (it matches none of its {known} \
         key version(s)): check encryption.key_file; nothing was changed"
    )]
    WrongKey {
        /// How many KEK versions the database knows.
        known: usize,
    },
    /// The key is an old version, retired by a rotation.
    #[error(
        "the encryption key is KEK version {version}, which a rotation retired: use the newest \
         key file (the one given to `tasktracker keys rotate-kek`)"
    )]
    RetiredKey {
        /// The retired version.
        version: u32,
    },
    /// The value's key was deleted: the data was erased (crypto-shredding).
    #[error("the value was erased: its key no longer exists")]
    Erased,
    /// The value was sealed with a key version that was retired.
    #[error("key {key_id} version {version} was retired and can no longer decrypt")]
    RetiredVersion {
        /// Data key id.
        key_id: i64,
        /// Its retired version.
        version: u32,
    },
    /// The key tables are not in the state the vault needs.
    #[error("the key tables are inconsistent: {0}")]
    Inconsistent(String),
    /// A cryptographic failure (wrong AAD, tampering, bad key file…).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A database failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Options of [`Vault::unlock`].
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Where the KEK is.
    pub source: KekSource,
    /// Create the key file when it is missing and the database holds no
    /// encrypted data (the default SQLite setup's first run).
    pub create_if_missing: bool,
}

impl OpenOptions {
    /// The options the configuration asks for. A first run may create the
    /// key file only on the default setup: SQLite, and a key file nobody named.
    pub fn from_config(loaded: &crate::config::Loaded, backend: crate::store::Backend) -> Self {
        let enc = &loaded.config.encryption;
        match &enc.key {
            Some(key) => OpenOptions {
                source: KekSource::Inline(key.clone()),
                create_if_missing: false,
            },
            None => OpenOptions {
                source: KekSource::File(enc.key_file.clone()),
                create_if_missing: backend == crate::store::Backend::Sqlite
                    && loaded.key_file_is_default(),
            },
        }
    }
}

/// The opened vault. Cheap to share (`Arc<Vault>`); safe to use from many tasks.
pub struct Vault {
    source: KekSource,
    kek: RwLock<Kek>,
    rng: SystemRandom,
    blind: BlindIndexKey,
    system_key: i64,
    deks: RwLock<HashMap<(i64, u32), Arc<Dek>>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("kek_version", &self.kek_version())
            .field("system_key", &self.system_key)
            .finish_non_exhaustive()
    }
}

/// The stored purpose names the wrapping context's purpose: both say what a
/// key protects, one for the key table and one for the wrap's binding.
impl From<KeyPurpose> for crypto::KeyPurpose {
    fn from(p: KeyPurpose) -> Self {
        match p {
            KeyPurpose::System => crypto::KeyPurpose::System,
            KeyPurpose::Person => crypto::KeyPurpose::Person,
            KeyPurpose::BlindIndex => crypto::KeyPurpose::BlindIndex,
        }
    }
}

/// Versions are `u32` in ciphertext headers and `i32` in the key tables;
/// stored versions are never negative.
pub(crate) fn u32_of(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn i32_of(v: u32) -> Result<i32, VaultError> {
    i32::try_from(v).map_err(|_| VaultError::Inconsistent(format!("version {v} out of range")))
}

/// Key ids are `i64` rows and `u64` in ciphertext headers; ids are positive.
pub(crate) fn u64_of(id: i64) -> u64 {
    u64::try_from(id).unwrap_or(0)
}

/// Reads the KEK material from its source, with a placeholder version.
fn load_kek(source: &KekSource) -> Result<Option<Kek>, VaultError> {
    match source {
        KekSource::Inline(secret) => Ok(Some(Kek::from_encoded_str(secret.expose(), 0)?)),
        KekSource::File(path) if !path.exists() => Ok(None),
        KekSource::File(path) => Ok(Some(Kek::from_file(path, 0)?)),
    }
}

/// Creates a new key file, never overwriting one; creates its directory
/// (mode 0700) when missing.
pub fn create_key_file(path: &Path) -> Result<(), VaultError> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        create_private_dir(dir).map_err(|source| CryptoError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    crypto::write_new_key_file(path, &SystemRandom::new())?;
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Which recorded KEK version `kek` is.
enum Match {
    Active(u32),
    Retired(u32),
    None { known: usize },
}

fn match_kek(kek: &Kek, records: &[keys::KekRecord]) -> Match {
    let cv = kek.check_value();
    match records
        .iter()
        .find(|r| crypto::secret::ct_eq(&cv, &r.check_value))
    {
        Some(r) if r.retired_at.is_some() => Match::Retired(u32_of(r.version)),
        Some(r) => Match::Active(u32_of(r.version)),
        None => Match::None {
            known: records.len(),
        },
    }
}

impl Vault {
    /// Opens the vault: loads the KEK, checks it against the database, and on
    /// a database without keys creates the first KEK record, the system key
    /// and the blind-index key. A missing or wrong key changes nothing.
    pub async fn unlock(db: &Db, opts: &OpenOptions) -> Result<Vault, VaultError> {
        let records = keys::kek_versions(db).await?;
        let kek = match load_kek(&opts.source)? {
            Some(k) => k,
            None => {
                let KekSource::File(path) = &opts.source else {
                    return Err(VaultError::Inconsistent("no key source".into()));
                };
                if !records.is_empty() {
                    return Err(VaultError::MissingKey { path: path.clone() });
                }
                if !opts.create_if_missing {
                    return Err(VaultError::NoKeyFile { path: path.clone() });
                }
                create_key_file(path)?;
                tracing::info!(path = %path.display(), "created a new encryption key file; back it up");
                load_kek(&opts.source)?
                    .ok_or_else(|| VaultError::NoKeyFile { path: path.clone() })?
            }
        };
        let kek = match match_kek(&kek, &records) {
            Match::Active(v) => kek.with_version(v),
            Match::Retired(version) => return Err(VaultError::RetiredKey { version }),
            Match::None { known } if known > 0 => return Err(VaultError::WrongKey { known }),
            Match::None { .. } => Self::initialise(db, kek).await?,
        };
        let system = keys::list_data_keys(db, KeyPurpose::System).await?;
        let blind = keys::list_data_keys(db, KeyPurpose::BlindIndex).await?;
        let (Some(system), Some(blind_key), 1, 1) =
            (system.first(), blind.first(), system.len(), blind.len())
        else {
            return Err(VaultError::Inconsistent(format!(
                "expected one system key and one blind-index key, found {} and {}",
                system.len(),
                blind.len()
            )));
        };
        let wrapped = keys::get_version(db, blind_key.id, blind_key.current_version)
            .await?
            .ok_or_else(|| VaultError::Inconsistent("the blind-index key has no version".into()))?;
        let ctx = WrapContext::new(
            crypto::KeyPurpose::BlindIndex,
            u64_of(blind_key.id),
            u32_of(blind_key.current_version),
        );
        let blind_bytes = kek.unwrap_bytes(&wrapped.wrapped, &ctx)?;
        Ok(Vault {
            source: opts.source.clone(),
            kek: RwLock::new(kek),
            rng: SystemRandom::new(),
            blind: BlindIndexKey::from_bytes(blind_bytes),
            system_key: system.id,
            deks: RwLock::new(HashMap::new()),
        })
    }

    /// First run on an empty database: records KEK version 1 and creates the
    /// system and blind-index keys, in one transaction. When another process
    /// won the race, its KEK record decides.
    async fn initialise(db: &Db, kek: Kek) -> Result<Kek, VaultError> {
        let tx = db.begin_write().await?;
        let records = keys::kek_versions(&tx).await?;
        if !records.is_empty() {
            drop(tx);
            return match match_kek(&kek, &records) {
                Match::Active(v) => Ok(kek.with_version(v)),
                Match::Retired(version) => Err(VaultError::RetiredKey { version }),
                Match::None { known } => Err(VaultError::WrongKey { known }),
            };
        }
        let kek = kek.with_version(1);
        let rng = SystemRandom::new();
        keys::add_kek_version(&tx, 1, &kek.check_value()).await?;
        let system = keys::create_data_key_row(&tx, KeyPurpose::System).await?;
        let dek = Dek::generate(&rng)?;
        let ctx = WrapContext::new(crypto::KeyPurpose::System, u64_of(system.id), 1);
        keys::add_version(&tx, system.id, 1, 1, kek.wrap(&dek, &ctx, &rng)?).await?;
        let blind = keys::create_data_key_row(&tx, KeyPurpose::BlindIndex).await?;
        let bkey = BlindIndexKey::generate(&rng)?;
        let ctx = WrapContext::new(crypto::KeyPurpose::BlindIndex, u64_of(blind.id), 1);
        keys::add_version(
            &tx,
            blind.id,
            1,
            1,
            kek.wrap_bytes(&bkey.to_bytes(), &ctx, &rng)?,
        )
        .await?;
        tx.commit().await?;
        tracing::info!("initialised encryption keys (KEK version 1)");
        Ok(kek)
    }

    /// The KEK version in use.
    pub fn kek_version(&self) -> u32 {
        self.kek.read().map(|k| k.version()).unwrap_or(0)
    }

    fn kek(&self) -> Kek {
        match self.kek.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// 16 random bytes, e.g. a value's own AAD binding (see
    /// [`aad::outbox_payload_nonce`]).
    pub fn random_nonce(&self) -> Result<[u8; 16], VaultError> {
        use ring::rand::SecureRandom;
        let mut n = [0u8; 16];
        self.rng
            .fill(&mut n)
            .map_err(|_| VaultError::from(CryptoError::Rng))?;
        Ok(n)
    }

    /// The id of the system data key.
    pub fn system_key(&self) -> i64 {
        self.system_key
    }

    /// The blind index of a Telegram user id.
    pub fn user_index(&self, telegram_user_id: i64) -> Vec<u8> {
        self.blind.index_user(telegram_user_id).to_vec()
    }

    /// The blind index of an @handle (case-insensitive, with or without `@`).
    pub fn handle_index(&self, handle: &str) -> Vec<u8> {
        let h = handle.trim().trim_start_matches('@').to_lowercase();
        self.blind.index_str("handle", &h).to_vec()
    }

    /// Creates a new data key for one person, in the caller's transaction.
    pub async fn create_person_key(&self, tx: &Tx) -> Result<i64, VaultError> {
        let kek = self.current_kek(tx).await?;
        let key = keys::create_data_key_row(tx, KeyPurpose::Person).await?;
        let dek = Dek::generate(&self.rng)?;
        let ctx = WrapContext::new(crypto::KeyPurpose::Person, u64_of(key.id), 1);
        keys::add_version(
            tx,
            key.id,
            1,
            i32_of(kek.version())?,
            kek.wrap(&dek, &ctx, &self.rng)?,
        )
        .await?;
        self.cache(key.id, 1, dek);
        Ok(key.id)
    }

    /// The KEK to wrap new keys with: refuses to wrap under a retired version
    /// (after `keys rotate-kek`, until the new key file is in place).
    async fn current_kek(&self, c: &impl Conn) -> Result<Kek, VaultError> {
        let kek = self.kek();
        let records = keys::kek_versions(c).await?;
        let newest = records
            .iter()
            .filter(|r| r.retired_at.is_none())
            .map(|r| u32_of(r.version))
            .max();
        if newest == Some(kek.version()) {
            return Ok(kek);
        }
        self.reload_kek(&records)
    }

    /// The KEK to rotate from: the newest active version, which this vault
    /// must hold.
    pub(crate) async fn kek_for_rotation(&self, c: &impl Conn) -> Result<Kek, VaultError> {
        self.current_kek(c).await
    }

    /// Re-reads the KEK from its source (after a rotation put a new key file
    /// in place) and switches to it when it is the newest active version.
    fn reload_kek(&self, records: &[keys::KekRecord]) -> Result<Kek, VaultError> {
        let Some(fresh) = load_kek(&self.source)? else {
            return Err(VaultError::RetiredKey {
                version: self.kek_version(),
            });
        };
        match match_kek(&fresh, records) {
            Match::Active(v) => {
                let kek = fresh.with_version(v);
                if let Ok(mut slot) = self.kek.write() {
                    *slot = kek.clone();
                }
                tracing::info!(kek_version = v, "switched to the rotated encryption key");
                Ok(kek)
            }
            Match::Retired(version) => Err(VaultError::RetiredKey { version }),
            Match::None { known } => Err(VaultError::WrongKey { known }),
        }
    }

    fn cache(&self, key_id: i64, version: u32, dek: Dek) -> Arc<Dek> {
        let dek = Arc::new(dek);
        if let Ok(mut map) = self.deks.write() {
            map.insert((key_id, version), dek.clone());
        }
        dek
    }

    /// Forgets a key's unwrapped versions (after it was deleted or retired).
    pub fn evict(&self, key_id: i64) {
        if let Ok(mut map) = self.deks.write() {
            map.retain(|(id, _), _| *id != key_id);
        }
    }

    /// The unwrapped data key `key_id` at `version`.
    async fn dek(&self, c: &impl Conn, key_id: i64, version: u32) -> Result<Arc<Dek>, VaultError> {
        if let Some(d) = self
            .deks
            .read()
            .ok()
            .and_then(|m| m.get(&(key_id, version)).cloned())
        {
            return Ok(d);
        }
        let Some(key) = keys::get_data_key(c, key_id).await? else {
            return Err(VaultError::Erased);
        };
        let v = i32_of(version)?;
        if v < key.min_decrypt_version {
            return Err(VaultError::RetiredVersion { key_id, version });
        }
        let wrapped = keys::get_version(c, key_id, v)
            .await?
            .ok_or(VaultError::RetiredVersion { key_id, version })?;
        let ctx = WrapContext::new(key.purpose.into(), u64_of(key_id), version);
        let mut kek = self.kek();
        if u32_of(wrapped.kek_version) != kek.version() {
            // A rotation rewrapped the keys under a newer KEK.
            kek = self.reload_kek(&keys::kek_versions(c).await?)?;
        }
        Ok(self.cache(key_id, version, kek.unwrap(&wrapped.wrapped, &ctx)?))
    }

    /// Seals `plaintext` under the current version of data key `key_id`,
    /// bound to `aad`. Reads the key's current version in `c`, so a rotation
    /// committed by another process is followed at once.
    pub async fn seal(
        &self,
        c: &impl Conn,
        key_id: i64,
        aad: &Aad,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let Some(current) = keys::current_version(c, key_id).await? else {
            return Err(VaultError::Erased);
        };
        let version = u32_of(current);
        let dek = self.dek(c, key_id, version).await?;
        Ok(crypto::seal(
            &dek,
            u64_of(key_id),
            version,
            aad,
            plaintext,
            &self.rng,
        )?)
    }

    /// Seals under the system key.
    pub async fn seal_system(
        &self,
        c: &impl Conn,
        aad: &Aad,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        self.seal(c, self.system_key, aad, plaintext).await
    }

    /// Opens a value sealed by [`Vault::seal`]. A deleted key gives
    /// [`VaultError::Erased`]; a wrong `aad` or tampering a crypto error.
    pub async fn open(
        &self,
        c: &impl Conn,
        aad: &Aad,
        ciphertext: &[u8],
    ) -> Result<SecretVec, VaultError> {
        let header = Header::parse(ciphertext)?;
        let key_id =
            i64::try_from(header.key_id).map_err(|_| VaultError::Crypto(CryptoError::Decrypt))?;
        let dek = self.dek(c, key_id, header.key_version).await?;
        Ok(crypto::open_expecting(
            &dek,
            KeyRef::new(header.key_id, header.key_version),
            aad,
            ciphertext,
        )?)
    }

    /// Opens a value that holds UTF-8 text.
    pub async fn open_text(
        &self,
        c: &impl Conn,
        aad: &Aad,
        ciphertext: &[u8],
    ) -> Result<String, VaultError> {
        let plain = self.open(c, aad, ciphertext).await?;
        String::from_utf8(plain.expose().to_vec())
            .map_err(|_| VaultError::Crypto(CryptoError::Decrypt))
    }
}

/// Which data key and associated data each encrypted column uses: the row
/// identity binds every value to its place, so values cannot be swapped
/// between rows or columns.
pub mod aad {
    use crate::crypto::Aad;

    fn ids(values: &[i64]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    /// `messages.text_ct`: the person's key; the chat and Telegram message id.
    pub fn message_text(chat_id: i64, message_id: i64) -> Aad {
        Aad::new("messages", "text", &ids(&[chat_id, message_id]))
    }

    /// `people.name_ct`: the person's key; their blind index.
    pub fn person_name(user_index: &[u8]) -> Aad {
        Aad::new("people", "name", user_index)
    }

    /// `people.username_ct`: the person's key; their blind index.
    pub fn person_username(user_index: &[u8]) -> Aad {
        Aad::new("people", "username", user_index)
    }

    /// `chats.title_ct`: the system key; the chat id.
    pub fn chat_title(chat_id: i64) -> Aad {
        Aad::new("chats", "title", &ids(&[chat_id]))
    }

    /// `tasks.title_ct`: the key of the source message's author; the chat
    /// and the source message's row id.
    pub fn task_title(chat_id: i64, message_row_id: i64) -> Aad {
        Aad::new("tasks", "title", &ids(&[chat_id, message_row_id]))
    }

    /// `tasks.description_ct`: as the title.
    pub fn task_description(chat_id: i64, message_row_id: i64) -> Aad {
        Aad::new("tasks", "description", &ids(&[chat_id, message_row_id]))
    }

    /// `task_assignees.handle_ct`: the system key; the task and position.
    pub fn assignee_handle(task_id: i64, position: i64) -> Aad {
        Aad::new("task_assignees", "handle", &ids(&[task_id, position]))
    }

    /// `providers.api_key_ct`: the system key; the provider's name (unique).
    /// Renaming a provider means sealing its key again under the new name.
    pub fn provider_api_key(name: &str) -> Aad {
        Aad::new("providers", "api_key", name.as_bytes())
    }

    /// `inbox.payload`: the system key; the update id.
    pub fn inbox_payload(update_id: i64) -> Aad {
        Aad::new("inbox", "payload", &ids(&[update_id]))
    }

    /// `outbox.payload` of rows written before `payload_nonce` existed: the
    /// key of the person it quotes, else the system key; the outbox row id.
    pub fn outbox_payload(id: i64) -> Aad {
        Aad::new("outbox", "payload", &ids(&[id]))
    }

    /// `outbox.payload` of a row with a `payload_nonce`: as above, bound to
    /// that nonce (random, unique per row) instead of the id, so that it
    /// can be sealed before the row is written.
    pub fn outbox_payload_nonce(nonce: &[u8]) -> Aad {
        Aad::new("outbox", "payload-nonce", nonce)
    }

    /// The AAD of an outbox payload: by its nonce if it has one, else by
    /// its row id.
    pub fn outbox_payload_of(id: i64, nonce: Option<&[u8]>) -> Aad {
        match nonce {
            Some(n) => outbox_payload_nonce(n),
            None => outbox_payload(id),
        }
    }
}
