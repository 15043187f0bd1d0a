//! Key rotation and key status, after HashiCorp Vault's transit model:
//! - a new **KEK** version rewraps only the data keys, in one transaction;
//! - a new **data key** version is used for new writes at once, and old
//!   values are re-encrypted in batches ([`rewrap_values`]), each batch a short
//!   transaction, safe while the bot writes;
//! - a **minimum decryption version** retires old versions once no value uses
//!   them ([`retire_versions`]).
//!
//! Every rotation writes an audit entry.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use sea_orm::sea_query::{Alias, Cond, Expr, Order, Query};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use crate::crypto::{self, Aad, Dek, Header, Kek, WrapContext};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::keys::{self, DataKey, KeyPurpose};
use crate::store::{Conn, Db, StoreError};
use crate::vault::{Vault, VaultError, aad, u32_of, u64_of};

/// An encrypted column: where it is, how its rows are keyed, and which row
/// values its associated data binds.
struct EncryptedColumn {
    table: &'static str,
    column: &'static str,
    /// Primary key columns, in keyset order (one or two integers).
    pk: &'static [&'static str],
    /// Other columns the associated data needs.
    extra: &'static [&'static str],
    aad: fn(&QueryResult) -> Result<Aad, DbErr>,
}

fn int(r: &QueryResult, col: &str) -> Result<i64, DbErr> {
    r.try_get::<i64>("", col)
        .or_else(|_| r.try_get::<i32>("", col).map(i64::from))
}

fn int_or_zero(r: &QueryResult, col: &str) -> Result<i64, DbErr> {
    Ok(r.try_get::<Option<i64>>("", col)
        .or_else(|_| r.try_get::<Option<i32>>("", col).map(|v| v.map(i64::from)))?
        .unwrap_or(0))
}

/// Every encrypted column in the schema. A migration that adds one adds it
/// here too, or rotation would leave its values on old key versions.
const COLUMNS: &[EncryptedColumn] = &[
    EncryptedColumn {
        table: "messages",
        column: "text_ct",
        pk: &["id"],
        extra: &["chat_id", "message_id"],
        aad: |r| Ok(aad::message_text(int(r, "chat_id")?, int(r, "message_id")?)),
    },
    EncryptedColumn {
        table: "people",
        column: "name_ct",
        pk: &["id"],
        extra: &["user_index"],
        aad: |r| Ok(aad::person_name(&r.try_get::<Vec<u8>>("", "user_index")?)),
    },
    EncryptedColumn {
        table: "people",
        column: "username_ct",
        pk: &["id"],
        extra: &["user_index"],
        aad: |r| {
            Ok(aad::person_username(
                &r.try_get::<Vec<u8>>("", "user_index")?,
            ))
        },
    },
    EncryptedColumn {
        table: "chats",
        column: "title_ct",
        pk: &["id"],
        extra: &[],
        aad: |r| Ok(aad::chat_title(int(r, "id")?)),
    },
    EncryptedColumn {
        table: "tasks",
        column: "title_ct",
        pk: &["id"],
        extra: &["chat_id", "message_id"],
        aad: |r| {
            Ok(aad::task_title(
                int(r, "chat_id")?,
                int_or_zero(r, "message_id")?,
            ))
        },
    },
    EncryptedColumn {
        table: "tasks",
        column: "description_ct",
        pk: &["id"],
        extra: &["chat_id", "message_id"],
        aad: |r| {
            Ok(aad::task_description(
                int(r, "chat_id")?,
                int_or_zero(r, "message_id")?,
            ))
        },
    },
    EncryptedColumn {
        table: "task_assignees",
        column: "handle_ct",
        pk: &["task_id", "position"],
        extra: &[],
        aad: |r| {
            Ok(aad::assignee_handle(
                int(r, "task_id")?,
                int(r, "position")?,
            ))
        },
    },
    EncryptedColumn {
        table: "providers",
        column: "api_key_ct",
        pk: &["id"],
        extra: &["name"],
        aad: |r| Ok(aad::provider_api_key(&r.try_get::<String>("", "name")?)),
    },
    EncryptedColumn {
        table: "inbox",
        column: "payload",
        pk: &["update_id"],
        extra: &[],
        aad: |r| Ok(aad::inbox_payload(int(r, "update_id")?)),
    },
    EncryptedColumn {
        table: "outbox",
        column: "payload",
        pk: &["id"],
        extra: &["payload_nonce"],
        aad: |r| {
            let nonce = r.try_get::<Option<Vec<u8>>>("", "payload_nonce")?;
            Ok(aad::outbox_payload_of(int(r, "id")?, nonce.as_deref()))
        },
    },
];

/// Values read per query and re-encrypted per transaction by default.
pub const DEFAULT_BATCH: u64 = 500;

/// One page of an encrypted column, after the keyset position `after`.
async fn page(
    c: &impl ConnectionTrait,
    col: &EncryptedColumn,
    after: Option<&[i64]>,
    limit: u64,
) -> Result<Vec<QueryResult>, DbErr> {
    // Scoped: ExprTrait's blanket methods (min, max…) shadow Ord's elsewhere.
    use sea_orm::sea_query::ExprTrait;
    let mut q = Query::select();
    q.from(Alias::new(col.table));
    for name in col.pk.iter().chain(col.extra).chain([&col.column]) {
        q.column(Alias::new(*name));
    }
    q.and_where(Expr::col(Alias::new(col.column)).is_not_null());
    if let Some(after) = after {
        let cond = match (col.pk, after) {
            ([a], [x]) => Cond::all().add(Expr::col(Alias::new(*a)).gt(*x)),
            ([a, b], [x, y]) => Cond::any().add(Expr::col(Alias::new(*a)).gt(*x)).add(
                Cond::all()
                    .add(Expr::col(Alias::new(*a)).eq(*x))
                    .add(Expr::col(Alias::new(*b)).gt(*y)),
            ),
            _ => return Err(DbErr::Custom("unsupported key shape".into())),
        };
        q.cond_where(cond);
    }
    for name in col.pk {
        q.order_by(Alias::new(*name), Order::Asc);
    }
    q.limit(limit);
    c.query_all(&q).await
}

fn key_of(r: &QueryResult, col: &EncryptedColumn) -> Result<Vec<i64>, DbErr> {
    col.pk.iter().map(|name| int(r, name)).collect()
}

/// How many values each key version protects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyStatus {
    /// KEK versions: (version, retired, data-key versions it wraps).
    pub keks: Vec<(u32, bool, u64)>,
    /// Data keys by purpose: how many keys.
    pub keys: BTreeMap<String, u64>,
    /// Values by (purpose, key version).
    pub values: BTreeMap<(String, u32), u64>,
    /// Values whose header cannot be read (not ciphertext, or damaged).
    pub unreadable: u64,
    /// Values whose key no longer exists (erased people).
    pub erased: u64,
}

/// Counts key versions and the values under each. Reads every encrypted
/// value's header (not the value), page by page.
pub async fn status(db: &Db) -> Result<KeyStatus, VaultError> {
    let mut st = KeyStatus::default();
    for r in keys::kek_versions(db).await? {
        let n = keys::count_wrapped_by(db, r.version).await?;
        st.keks.push((
            u32::try_from(r.version).unwrap_or(0),
            r.retired_at.is_some(),
            n,
        ));
    }
    let mut purposes: HashMap<i64, KeyPurpose> = HashMap::new();
    for p in KeyPurpose::ALL {
        let list = keys::list_data_keys(db, *p).await?;
        st.keys.insert(p.as_str().to_owned(), list.len() as u64);
        purposes.extend(list.iter().map(|k| (k.id, k.purpose)));
    }
    let c = db.inner();
    for col in COLUMNS {
        let mut after: Option<Vec<i64>> = None;
        loop {
            let rows = page(c, col, after.as_deref(), DEFAULT_BATCH)
                .await
                .map_err(StoreError::from)?;
            let Some(last) = rows.last() else { break };
            after = Some(key_of(last, col).map_err(StoreError::from)?);
            for r in &rows {
                let ct: Vec<u8> = r.try_get("", col.column).map_err(StoreError::from)?;
                match Header::parse(&ct) {
                    Err(_) => st.unreadable += 1,
                    Ok(h) => match i64::try_from(h.key_id)
                        .ok()
                        .and_then(|id| purposes.get(&id))
                    {
                        Some(p) => {
                            *st.values
                                .entry((p.as_str().to_owned(), h.key_version))
                                .or_default() += 1;
                        }
                        None => st.erased += 1,
                    },
                }
            }
        }
    }
    Ok(st)
}

/// What [`rotate_kek`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KekRotation {
    /// The retired version.
    pub from: u32,
    /// The new version.
    pub to: u32,
    /// Data-key versions rewrapped.
    pub rewrapped: u64,
}

/// Rewraps every data key under the KEK in `new_key_file`, in one
/// transaction, and retires the current KEK version. The data is not touched.
pub async fn rotate_kek(
    db: &Db,
    vault: &Vault,
    new_key_file: &Path,
    actor: &str,
) -> Result<KekRotation, VaultError> {
    let fresh = Kek::from_file(new_key_file, 0)?;
    let rng = SystemRandom::new();
    let tx = db.begin_write().await?;
    let records = keys::kek_versions(&tx).await?;
    let cv = fresh.check_value();
    if let Some(r) = records
        .iter()
        .find(|r| crypto::secret::ct_eq(&cv, &r.check_value))
    {
        return Err(VaultError::Inconsistent(format!(
            "{} is already KEK version {}; generate a new key with `tasktracker keys init --out FILE`",
            new_key_file.display(),
            r.version
        )));
    }
    let current = vault.kek_for_rotation(&tx).await?;
    let next = records.iter().map(|r| r.version).max().unwrap_or(0) + 1;
    let next_u = u32_of(next);
    let fresh = fresh.with_version(next_u);
    keys::add_kek_version(&tx, next, &cv).await?;

    let mut purposes: HashMap<i64, KeyPurpose> = HashMap::new();
    for p in KeyPurpose::ALL {
        purposes.extend(
            keys::list_data_keys(&tx, *p)
                .await?
                .iter()
                .map(|k| (k.id, k.purpose)),
        );
    }
    let from = current.version();
    let mut rewrapped = 0;
    for v in keys::versions_wrapped_by(&tx, i32::try_from(from).unwrap_or(0)).await? {
        let purpose = purposes
            .get(&v.key_id)
            .copied()
            .ok_or_else(|| VaultError::Inconsistent(format!("data key {} has no row", v.key_id)))?;
        let ctx = WrapContext::new(purpose.into(), u64_of(v.key_id), u32_of(v.version));
        let wrapped = crypto::rewrap(&current, &fresh, &v.wrapped, &ctx, &rng)?;
        keys::rewrap_version(&tx, v.key_id, v.version, next, wrapped).await?;
        rewrapped += 1;
    }
    for r in &records {
        if r.retired_at.is_none() && keys::count_wrapped_by(&tx, r.version).await? > 0 {
            return Err(VaultError::Inconsistent(format!(
                "data keys are still wrapped by KEK version {}, which this key cannot unwrap",
                r.version
            )));
        }
    }
    keys::retire_kek_version(&tx, i32::try_from(from).unwrap_or(0)).await?;
    audit::append(
        &tx,
        NewAuditEntry {
            actor: actor.to_owned(),
            action: "keys.rotate_kek".into(),
            subject: Some(format!("kek:{next}")),
            details: serde_json::json!({ "from": from, "to": next, "rewrapped": rewrapped }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(KekRotation {
        from,
        to: next_u,
        rewrapped,
    })
}

/// Which data keys [`rotate_dek`] rotates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DekScope {
    /// The system key.
    System,
    /// Every person's key.
    People,
    /// Both.
    All,
}

/// Starts a new version of the data keys in `scope`, used for new writes at
/// once. Old values stay readable until [`rewrap_values`] moved them and
/// [`retire_versions`] retired the old versions. Returns the keys rotated.
pub async fn rotate_dek(
    db: &Db,
    vault: &Vault,
    scope: DekScope,
    actor: &str,
) -> Result<u64, VaultError> {
    let rng = SystemRandom::new();
    let tx = db.begin_write().await?;
    let kek = vault.kek_for_rotation(&tx).await?;
    let mut targets: Vec<DataKey> = Vec::new();
    if matches!(scope, DekScope::System | DekScope::All) {
        targets.extend(keys::list_data_keys(&tx, KeyPurpose::System).await?);
    }
    if matches!(scope, DekScope::People | DekScope::All) {
        targets.extend(keys::list_data_keys(&tx, KeyPurpose::Person).await?);
    }
    for key in &targets {
        let version = key.current_version + 1;
        let dek = Dek::generate(&rng)?;
        let ctx = WrapContext::new(key.purpose.into(), u64_of(key.id), u32_of(version));
        keys::add_version(
            &tx,
            key.id,
            version,
            i32::try_from(kek.version()).unwrap_or(0),
            kek.wrap(&dek, &ctx, &rng)?,
        )
        .await?;
    }
    let n = targets.len() as u64;
    audit::append(
        &tx,
        NewAuditEntry {
            actor: actor.to_owned(),
            action: "keys.rotate_dek".into(),
            subject: Some(format!("scope:{scope:?}").to_lowercase()),
            details: serde_json::json!({ "keys": n }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Progress of [`rewrap_values`], reported after every batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewrapProgress {
    /// The column being processed (`table.column`).
    pub column: String,
    /// Values read so far, all columns.
    pub scanned: u64,
    /// Values re-encrypted so far.
    pub rewritten: u64,
    /// Values skipped: erased, unreadable, or changed by a writer meanwhile
    /// (a concurrent write already used the current version).
    pub skipped: u64,
}

/// Re-encrypts every value whose key version is below its key's current
/// version, in batches of `batch` values, each batch one short transaction.
/// A value changed concurrently is left alone: its writer used the current
/// version already. Resumable: running it again finds nothing left to do.
pub async fn rewrap_values(
    db: &Db,
    vault: &Vault,
    batch: u64,
    actor: &str,
    mut progress: impl FnMut(&RewrapProgress),
) -> Result<RewrapProgress, VaultError> {
    let batch = batch.clamp(1, 10_000);
    let mut p = RewrapProgress::default();
    for col in COLUMNS {
        p.column = format!("{}.{}", col.table, col.column);
        let mut after: Option<Vec<i64>> = None;
        loop {
            let rows = page(db.inner(), col, after.as_deref(), batch)
                .await
                .map_err(StoreError::from)?;
            let Some(last) = rows.last() else { break };
            after = Some(key_of(last, col).map_err(StoreError::from)?);
            p.scanned += rows.len() as u64;
            let tx = db.begin_write().await?;
            let mut current: HashMap<i64, Option<i32>> = HashMap::new();
            for r in &rows {
                let ct: Vec<u8> = r.try_get("", col.column).map_err(StoreError::from)?;
                let Ok(h) = Header::parse(&ct) else {
                    p.skipped += 1;
                    continue;
                };
                let Ok(key_id) = i64::try_from(h.key_id) else {
                    p.skipped += 1;
                    continue;
                };
                let cur = match current.get(&key_id) {
                    Some(v) => *v,
                    None => {
                        let v = keys::get_data_key(&tx, key_id)
                            .await?
                            .map(|k| k.current_version);
                        current.insert(key_id, v);
                        v
                    }
                };
                let Some(cur) = cur else {
                    p.skipped += 1; // erased
                    continue;
                };
                if i64::from(h.key_version) >= i64::from(cur) {
                    continue;
                }
                let aad = (col.aad)(r).map_err(StoreError::from)?;
                let plain = vault.open(&tx, &aad, &ct).await?;
                let fresh = vault.seal(&tx, key_id, &aad, plain.expose()).await?;
                use sea_orm::sea_query::ExprTrait;
                let mut upd = Query::update();
                upd.table(Alias::new(col.table))
                    .value(Alias::new(col.column), fresh)
                    .and_where(Expr::col(Alias::new(col.column)).eq(ct.clone()));
                for name in col.pk {
                    upd.and_where(
                        Expr::col(Alias::new(*name)).eq(int(r, name).map_err(StoreError::from)?),
                    );
                }
                let res = tx.inner().execute(&upd).await.map_err(StoreError::from)?;
                if res.rows_affected() == 1 {
                    p.rewritten += 1;
                } else {
                    p.skipped += 1;
                }
            }
            tx.commit().await?;
            progress(&p);
            // Let the bot's transactions in between batches.
            tokio::task::yield_now().await;
        }
    }
    let tx = db.begin_write().await?;
    audit::append(
        &tx,
        NewAuditEntry {
            actor: actor.to_owned(),
            action: "keys.rewrap".into(),
            subject: None,
            details: serde_json::json!({
                "scanned": p.scanned, "rewritten": p.rewritten, "skipped": p.skipped
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// What [`retire_versions`] did: for each key whose minimum decryption
/// version rose, (key id, new minimum).
pub type Retired = Vec<(i64, i32)>;

/// Raises each data key's minimum decryption version to the oldest version
/// any value still uses (or its current version), deleting the wrapped
/// versions below it: those versions can never decrypt again.
pub async fn retire_versions(db: &Db, vault: &Vault, actor: &str) -> Result<Retired, VaultError> {
    // The oldest version in use per key, from every value's header.
    let mut oldest: HashMap<i64, u32> = HashMap::new();
    let c = db.inner();
    for col in COLUMNS {
        let mut after: Option<Vec<i64>> = None;
        loop {
            let rows = page(c, col, after.as_deref(), DEFAULT_BATCH)
                .await
                .map_err(StoreError::from)?;
            let Some(last) = rows.last() else { break };
            after = Some(key_of(last, col).map_err(StoreError::from)?);
            for r in &rows {
                let ct: Vec<u8> = r.try_get("", col.column).map_err(StoreError::from)?;
                if let Ok(h) = Header::parse(&ct)
                    && let Ok(id) = i64::try_from(h.key_id)
                {
                    oldest
                        .entry(id)
                        .and_modify(|v| *v = (*v).min(h.key_version))
                        .or_insert(h.key_version);
                }
            }
        }
    }
    let tx = db.begin_write().await?;
    let mut retired = Vec::new();
    for p in [KeyPurpose::System, KeyPurpose::Person] {
        for key in keys::list_data_keys(&tx, p).await? {
            let in_use = oldest
                .get(&key.id)
                .map(|v| i32::try_from(*v).unwrap_or(i32::MAX))
                .unwrap_or(key.current_version)
                .min(key.current_version)
                .max(1);
            if in_use > key.min_decrypt_version {
                keys::set_min_decrypt_version(&tx, key.id, in_use).await?;
                vault.evict(key.id);
                retired.push((key.id, in_use));
            }
        }
    }
    audit::append(
        &tx,
        NewAuditEntry {
            actor: actor.to_owned(),
            action: "keys.retire".into(),
            subject: None,
            details: serde_json::json!({ "keys": retired.len() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(retired)
}

/// Where [`rotate_kek_in_place`] left the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KekInstalled {
    /// What the rotation did.
    pub rotation: KekRotation,
    /// The old key file, kept (old backups of the database need it).
    pub backup: PathBuf,
}

/// Rotates the KEK kept in the key file `key_file`: creates a fresh key
/// beside it (`KEY_FILE.next`), rewraps every data key under it
/// ([`rotate_kek`]), and installs it at `key_file`, keeping the old file as
/// `KEY_FILE.vN` ([`install_key_file`]). For a key from a systemd credential
/// or the environment, use [`rotate_kek`] and replace the key by hand.
pub async fn rotate_kek_in_place(
    db: &Db,
    vault: &Vault,
    key_file: &Path,
    actor: &str,
) -> Result<KekInstalled, VaultError> {
    let staged = sibling(key_file, "next");
    crate::vault::create_key_file(&staged)?;
    let rotation = match rotate_kek(db, vault, &staged, actor).await {
        Ok(r) => r,
        Err(e) => {
            // Nothing was changed: the staged key is useless.
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    let backup = install_key_file(key_file, &staged, rotation.from)?;
    let _ = std::fs::remove_file(&staged);
    Ok(KekInstalled { rotation, backup })
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// Puts the key file `new_key` at `path` after a KEK rotation, keeping the
/// old one as `PATH.vN` (N the retired version). Each step is a rename, so
/// `path` always holds a whole key.
pub fn install_key_file(
    path: &Path,
    new_key: &Path,
    old_version: u32,
) -> Result<PathBuf, VaultError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| VaultError::Crypto(crate::crypto::CryptoError::Io { path: p, source })
    };
    let backup = sibling(path, &format!("v{old_version}"));
    if backup.exists() {
        return Err(VaultError::Inconsistent(format!(
            "{} exists already; move it away and copy {} to {} by hand",
            backup.display(),
            new_key.display(),
            path.display()
        )));
    }
    let staged = sibling(path, "new");
    std::fs::copy(new_key, &staged).map_err(io(&staged))?;
    restrict(&staged).map_err(io(&staged))?;
    std::fs::File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(io(&staged))?;
    std::fs::rename(path, &backup).map_err(io(&backup))?;
    std::fs::rename(&staged, path).map_err(io(path))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(io(dir))?;
    }
    Ok(backup)
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}
