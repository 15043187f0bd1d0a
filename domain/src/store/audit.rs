//! The audit log: append-only and hash-chained, holding no personal data.
//!
//! `hash = SHA-256(prev_hash ‖ canonical row)`, where the canonical row is a
//! length-prefixed encoding of every column but the hashes. Changing,
//! inserting or deleting any row breaks the chain at that row, and
//! [`verify`] names the first broken link.

use chrono::{DateTime, SecondsFormat, Utc};
use ring::digest::{SHA256, digest};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};

use super::entity::audit_entry;
use super::{Backend, Conn, StoreError, Tx, now};

/// PostgreSQL advisory lock serialising appends ("tt-audit").
const AUDIT_LOCK: i64 = 0x7474_2d61_7564_6974;
/// `prev_hash` of the first entry.
const GENESIS: [u8; 32] = [0; 32];
/// Rows read per query while verifying.
const VERIFY_PAGE: u64 = 1000;

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: `bot`, `cli:USER`, `console:USER@ADDRESS`.
    pub actor: String,
    /// What, as a dotted name such as `chat.approve`.
    pub action: String,
    /// What it was done to, without personal data (such as `chat:-1001234`).
    pub subject: Option<String>,
    /// Counts and other PII-free details, as JSON.
    pub details: String,
    /// The previous entry's hash.
    pub prev_hash: Vec<u8>,
    /// This entry's hash.
    pub hash: Vec<u8>,
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// To what (no personal data).
    pub subject: Option<String>,
    /// Details as JSON (no personal data).
    pub details: serde_json::Value,
}

impl From<audit_entry::Model> for AuditEntry {
    fn from(m: audit_entry::Model) -> Self {
        AuditEntry {
            seq: m.seq,
            at: m.at,
            actor: m.actor,
            action: m.action,
            subject: m.subject,
            details: m.details,
            prev_hash: m.prev_hash,
            hash: m.hash,
        }
    }
}

fn canonical(
    seq: i64,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    details: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + actor.len() + action.len() + details.len());
    let mut field = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    field(&seq.to_be_bytes());
    field(at.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes());
    field(actor.as_bytes());
    field(action.as_bytes());
    match subject {
        Some(s) => {
            field(b"1");
            field(s.as_bytes());
        }
        None => field(b"0"),
    }
    field(details.as_bytes());
    out
}

fn chain_hash(prev: &[u8], row: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(prev.len() + row.len());
    buf.extend_from_slice(prev);
    buf.extend_from_slice(row);
    digest(&SHA256, &buf).as_ref().to_vec()
}

fn entry_hash(e: &AuditEntry) -> Vec<u8> {
    chain_hash(
        &e.prev_hash,
        &canonical(
            e.seq,
            e.at,
            &e.actor,
            &e.action,
            e.subject.as_deref(),
            &e.details,
        ),
    )
}

/// Appends an entry in the caller's transaction, so it commits with the change
/// it records.
pub async fn append(tx: &Tx, entry: NewAuditEntry) -> Result<AuditEntry, StoreError> {
    if tx.backend() == Backend::Postgres {
        tx.inner()
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [AUDIT_LOCK.into()],
            ))
            .await?;
    }
    let last = audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Seq)
        .limit(1)
        .one(tx.inner())
        .await?;
    let (seq, prev_hash) = match last {
        Some(l) => (l.seq + 1, l.hash),
        None => (1, GENESIS.to_vec()),
    };
    let details = entry.details.to_string();
    let at = now();
    let hash = chain_hash(
        &prev_hash,
        &canonical(
            seq,
            at,
            &entry.actor,
            &entry.action,
            entry.subject.as_deref(),
            &details,
        ),
    );
    let row = audit_entry::ActiveModel {
        seq: Set(seq),
        at: Set(at),
        actor: Set(entry.actor),
        action: Set(entry.action),
        subject: Set(entry.subject),
        details: Set(details),
        prev_hash: Set(prev_hash),
        hash: Set(hash),
    }
    .insert(tx.inner())
    .await?;
    Ok(row.into())
}

/// A filter for [`list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only actions starting with this (such as `chat.`).
    pub action_prefix: Option<String>,
    /// Only entries with a lower `seq` (for paging backwards).
    pub before_seq: Option<i64>,
}

/// Entries, newest first.
pub async fn list(
    c: &impl Conn,
    filter: &AuditFilter,
    limit: u64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut q = audit_entry::Entity::find().order_by_desc(audit_entry::Column::Seq);
    if let Some(prefix) = &filter.action_prefix {
        q = q.filter(audit_entry::Column::Action.starts_with(prefix.as_str()));
    }
    if let Some(before) = filter.before_seq {
        q = q.filter(audit_entry::Column::Seq.lt(before));
    }
    Ok(q.limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(AuditEntry::from)
        .collect())
}

/// How many entries there are.
pub async fn count(c: &impl Conn) -> Result<u64, StoreError> {
    Ok(audit_entry::Entity::find().count(c.inner()).await?)
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every link holds.
    Intact {
        /// Entries checked.
        entries: u64,
    },
    /// The chain breaks at `seq`.
    Broken {
        /// The first entry whose link does not hold.
        seq: i64,
        /// Why.
        reason: String,
    },
}

/// Recomputes the whole chain, page by page.
pub async fn verify(c: &impl Conn) -> Result<Verification, StoreError> {
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_vec();
    loop {
        let page = audit_entry::Entity::find()
            .filter(audit_entry::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(VERIFY_PAGE)
            .all(c.inner())
            .await?;
        if page.is_empty() {
            return Ok(Verification::Intact {
                entries: u64::try_from(expected_seq - 1).unwrap_or(0),
            });
        }
        for m in page {
            let e = AuditEntry::from(m);
            let broken = |reason: String| Ok(Verification::Broken { seq: e.seq, reason });
            if e.seq != expected_seq {
                return Ok(Verification::Broken {
                    seq: expected_seq,
                    reason: format!("entry {expected_seq} is missing (next is {})", e.seq),
                });
            }
            if e.prev_hash != prev {
                return broken("prev_hash does not match the previous entry's hash".into());
            }
            if entry_hash(&e) != e.hash {
                return broken(
                    "the entry was altered: its hash does not match its contents".into(),
                );
            }
            prev = e.hash;
            expected_seq += 1;
        }
    }
}
