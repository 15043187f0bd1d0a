//! Data-subject requests: the rules around `/export` and `/forget`.
//!
//! - **Export.** [`reserve_export`] records a pending export for the person
//!   unless they reached their limit (by default one per 24 hours), which it
//!   refuses with the time the next one is possible. The limit is counted
//!   from the database, so it survives restarts; exports that failed do not
//!   count. The caller writes the export ([`crate::export::write_to_dir`]),
//!   sends it, and then calls [`complete_export`] (audited) or
//!   [`fail_export`]. Operator exports ([`record_operator_export`]) are
//!   recorded and audited but neither limited nor counted.
//! - **Erasure.** [`open_erasure`] records a pending erasure that must be
//!   confirmed before it expires (by default in 10 minutes); a newer one
//!   replaces an older one, so a second `/forget` is harmless. Only the
//!   person who asked can [`confirm_erasure`] (which erases everything in
//!   the same transaction, see [`crate::forget`]) or [`cancel_erasure`].
//!   A completed erasure deletes every request of the person, itself
//!   included: the PII-free audit entry is the record that it happened.
//!   Cancelled and expired erasures stay, and a later export shows them.
//!
//! Every function takes `now` (truncated to microseconds, as stored), so
//! that tests and the bot agree on time. Each has an `_in` variant that runs
//! in the caller's transaction, for the processor, which commits an update's
//! effects with the update; the plain ones open and commit their own.

use chrono::{DateTime, SubsecRound, Utc};

use crate::forget::{self, Erased};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::subject_requests::{
    self, NewRequest, Outcome, RequestKind, RequestOrigin, RequestStatus, SubjectRequest,
};
use crate::store::{Conn, Db, StoreError, Tx};
use crate::vault::{Vault, VaultError};

/// How long an export may stay pending before [`close_overdue`] treats it as
/// interrupted (and it stops counting against the limit).
pub const EXPORT_STALE_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// How many exports a person may ask for, per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportLimit {
    /// Exports allowed within `window`.
    pub per_window: u32,
    /// The sliding window.
    pub window: chrono::Duration,
}

impl Default for ExportLimit {
    fn default() -> Self {
        Self {
            per_window: 1,
            window: chrono::Duration::hours(24),
        }
    }
}

/// Why a request was refused, or failed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The person reached their export limit.
    #[error("the export limit is reached; the next export is possible at {next_allowed_at}")]
    ExportLimited {
        /// When the oldest counted export leaves the window.
        next_allowed_at: DateTime<Utc>,
    },
    /// No such request (a completed erasure deletes its own request).
    #[error("there is no such request (it may have been completed already)")]
    NotFound,
    /// The request belongs to someone else.
    #[error("this request belongs to someone else")]
    NotYours,
    /// The request is of the other kind.
    #[error("request {id} is not an {expected} request")]
    WrongKind {
        /// The request.
        id: i64,
        /// The kind the caller expected.
        expected: RequestKind,
    },
    /// The confirmation came too late.
    #[error("this confirmation expired at {expired_at}")]
    Expired {
        /// The deadline.
        expired_at: DateTime<Utc>,
    },
    /// The request is no longer pending.
    #[error("this request is already {status}")]
    Closed {
        /// Its final state.
        status: RequestStatus,
    },
    /// The key vault failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Statuses that count against the export limit (failed exports do not).
const COUNTED: &[RequestStatus] = &[RequestStatus::Pending, RequestStatus::Completed];

/// Reserves an export for the person at `now`: a pending request, or
/// [`RequestError::ExportLimited`] with the time the next one is possible.
pub async fn reserve_export(
    db: &Db,
    vault: &Vault,
    telegram_user_id: i64,
    limit: &ExportLimit,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    let tx = db.begin_write().await?;
    let request = reserve_export_in(&tx, vault, telegram_user_id, limit, now).await?;
    tx.commit().await?;
    Ok(request)
}

/// [`reserve_export`] in the caller's transaction (the processor's, which
/// commits it with the update that asked). A refusal writes nothing.
pub async fn reserve_export_in(
    tx: &Tx,
    vault: &Vault,
    telegram_user_id: i64,
    limit: &ExportLimit,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    // Stored times are microseconds on both backends.
    let now = now.trunc_subsecs(6);
    let index = vault.user_index(telegram_user_id);
    subject_requests::lock_person(tx, &index).await?;
    let since = now - limit.window;
    let counted: Vec<SubjectRequest> = subject_requests::list_since(
        tx,
        &index,
        RequestKind::Export,
        RequestOrigin::Person,
        since,
        COUNTED,
    )
    .await?
    .into_iter()
    // An export pending for longer than it can take was interrupted.
    .filter(|r| r.status != RequestStatus::Pending || r.requested_at > now - EXPORT_STALE_AFTER)
    .collect();
    let allowed = usize::try_from(limit.per_window.max(1)).unwrap_or(usize::MAX);
    if counted.len() >= allowed {
        // The oldest of the last `allowed` exports must leave the window.
        let oldest = &counted[counted.len() - allowed];
        return Err(RequestError::ExportLimited {
            next_allowed_at: oldest.requested_at + limit.window,
        });
    }
    Ok(subject_requests::insert(
        tx,
        NewRequest {
            user_index: index,
            kind: RequestKind::Export,
            origin: RequestOrigin::Person,
            requested_at: now,
            expires_at: None,
            actor: None,
        },
    )
    .await?)
}

/// Records an export an operator runs (`tasktracker export`): never limited,
/// never counted against the person's limit.
pub async fn record_operator_export(
    db: &Db,
    vault: &Vault,
    telegram_user_id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    // Stored times are microseconds on both backends.
    let now = now.trunc_subsecs(6);
    let tx = db.begin_write().await?;
    let request = subject_requests::insert(
        &tx,
        NewRequest {
            user_index: vault.user_index(telegram_user_id),
            kind: RequestKind::Export,
            origin: RequestOrigin::Operator,
            requested_at: now,
            expires_at: None,
            actor: Some(actor.to_owned()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(request)
}

/// What an export delivered, for [`complete_export`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Delivered {
    /// Files.
    pub parts: u32,
    /// Bytes in all files.
    pub bytes: u64,
    /// Messages in it.
    pub messages: u64,
    /// Tasks made from them.
    pub tasks: u64,
    /// Tasks of others assigned to the person.
    pub assigned_tasks: u64,
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Marks an export completed (after it was sent) and audits it without
/// naming the person. Completing twice changes nothing the second time.
pub async fn complete_export(
    db: &Db,
    request_id: i64,
    delivered: &Delivered,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    let tx = db.begin_write().await?;
    let request = complete_export_in(&tx, request_id, delivered, actor, now).await?;
    tx.commit().await?;
    Ok(request)
}

/// [`complete_export`] in the caller's transaction.
pub async fn complete_export_in(
    tx: &Tx,
    request_id: i64,
    delivered: &Delivered,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    // Stored times are microseconds on both backends.
    let now = now.trunc_subsecs(6);
    let existing = subject_requests::get(tx, request_id)
        .await?
        .ok_or(RequestError::NotFound)?;
    if existing.kind != RequestKind::Export {
        return Err(RequestError::WrongKind {
            id: request_id,
            expected: RequestKind::Export,
        });
    }
    let (request, closed_now) = subject_requests::finish(
        tx,
        request_id,
        Outcome {
            status: RequestStatus::Completed,
            at: now,
            parts: Some(i32::try_from(delivered.parts).unwrap_or(i32::MAX)),
            bytes: Some(as_i64(delivered.bytes)),
            items: Some(as_i64(delivered.messages)),
            failure: None,
        },
    )
    .await?;
    if !closed_now {
        return match request.status {
            RequestStatus::Completed => Ok(request),
            status => Err(RequestError::Closed { status }),
        };
    }
    let mut details = serde_json::to_value(delivered)
        .map_err(|e| StoreError::Invalid(format!("cannot record the export: {e}")))?;
    details["origin"] = request.origin.as_str().into();
    audit::append(
        tx,
        NewAuditEntry {
            actor: actor.to_owned(),
            action: "privacy.export".into(),
            subject: Some(format!("request:{request_id}")),
            details,
        },
    )
    .await?;
    Ok(request)
}

/// Marks an export failed (it could not be written or sent), so that it
/// does not count against the limit. `reason` must hold no personal data.
/// A request that is no longer pending is left as it is.
pub async fn fail_export(
    db: &Db,
    request_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    let tx = db.begin_write().await?;
    let request = fail_export_in(&tx, request_id, reason, now).await?;
    tx.commit().await?;
    Ok(request)
}

/// [`fail_export`] in the caller's transaction.
pub async fn fail_export_in(
    tx: &Tx,
    request_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    // Stored times are microseconds on both backends.
    let now = now.trunc_subsecs(6);
    let (request, _) = subject_requests::finish(
        tx,
        request_id,
        Outcome {
            status: RequestStatus::Failed,
            at: now,
            parts: None,
            bytes: None,
            items: None,
            failure: Some(reason.to_owned()),
        },
    )
    .await
    .map_err(|e| match e {
        StoreError::NotFound(_) => RequestError::NotFound,
        e => e.into(),
    })?;
    Ok(request)
}

/// Opens an erasure for the person, to be confirmed before `now + ttl`.
/// A pending one is replaced (cancelled), so only the newest confirmation
/// button works.
pub async fn open_erasure(
    db: &Db,
    vault: &Vault,
    telegram_user_id: i64,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    let tx = db.begin_write().await?;
    let request = open_erasure_in(&tx, vault, telegram_user_id, ttl, now).await?;
    tx.commit().await?;
    Ok(request)
}

/// [`open_erasure`] in the caller's transaction.
pub async fn open_erasure_in(
    tx: &Tx,
    vault: &Vault,
    telegram_user_id: i64,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    // Stored times are microseconds on both backends.
    let now = now.trunc_subsecs(6);
    let index = vault.user_index(telegram_user_id);
    subject_requests::lock_person(tx, &index).await?;
    subject_requests::close_pending(
        tx,
        &index,
        RequestKind::Erasure,
        RequestStatus::Cancelled,
        now,
    )
    .await?;
    Ok(subject_requests::insert(
        tx,
        NewRequest {
            user_index: index,
            kind: RequestKind::Erasure,
            origin: RequestOrigin::Person,
            requested_at: now,
            expires_at: Some((now + ttl).trunc_subsecs(6)),
            actor: None,
        },
    )
    .await?)
}

/// Loads a pending erasure of this person, or says why it cannot be acted on.
async fn pending_erasure(
    tx: &Tx,
    index: &[u8],
    request_id: i64,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    let request = subject_requests::get(tx, request_id)
        .await?
        .ok_or(RequestError::NotFound)?;
    if !crate::crypto::secret::ct_eq(&request.user_index, index) {
        return Err(RequestError::NotYours);
    }
    if request.kind != RequestKind::Erasure {
        return Err(RequestError::WrongKind {
            id: request_id,
            expected: RequestKind::Erasure,
        });
    }
    match (request.status, request.expires_at) {
        (RequestStatus::Pending, Some(deadline)) if deadline <= now => Err(RequestError::Expired {
            expired_at: deadline,
        }),
        (RequestStatus::Pending, _) => Ok(request),
        (RequestStatus::Expired, deadline) => Err(RequestError::Expired {
            expired_at: deadline.unwrap_or(request.requested_at),
        }),
        (status, _) => Err(RequestError::Closed { status }),
    }
}

/// A refusal to act on an erasure; one that just expired is recorded as
/// such in `tx` (so the caller should commit it).
async fn refuse<T>(tx: &Tx, request_id: i64, e: RequestError) -> Result<T, RequestError> {
    if let RequestError::Expired { expired_at } = &e {
        subject_requests::finish(
            tx,
            request_id,
            Outcome {
                status: RequestStatus::Expired,
                at: *expired_at,
                parts: None,
                bytes: None,
                items: None,
                failure: None,
            },
        )
        .await?;
    }
    Err(e)
}

/// Commits `tx` when the refusal recorded something (an expiry).
async fn settle<T>(tx: Tx, result: Result<T, RequestError>) -> Result<T, RequestError> {
    match result {
        Ok(v) => {
            tx.commit().await?;
            Ok(v)
        }
        Err(e @ RequestError::Expired { .. }) => {
            tx.commit().await?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Confirms the person's pending erasure and erases everything about them,
/// in one transaction with its audit entry. Refused when it is someone
/// else's, expired, cancelled or already done (then [`RequestError::NotFound`],
/// since a completed erasure deletes its own request).
pub async fn confirm_erasure(
    db: &Db,
    vault: &Vault,
    telegram_user_id: i64,
    request_id: i64,
    keep_opt_out: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Erased, RequestError> {
    let tx = db.begin_write().await?;
    let result = confirm_erasure_in(
        &tx,
        vault,
        telegram_user_id,
        request_id,
        keep_opt_out,
        actor,
        now,
    )
    .await;
    settle(tx, result).await
}

/// [`confirm_erasure`] in the caller's transaction. On
/// [`RequestError::Expired`] the expiry was recorded in `tx`: commit it.
pub async fn confirm_erasure_in(
    tx: &Tx,
    vault: &Vault,
    telegram_user_id: i64,
    request_id: i64,
    keep_opt_out: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Erased, RequestError> {
    // Stored times are microseconds on both backends.
    let now = now.trunc_subsecs(6);
    let index = vault.user_index(telegram_user_id);
    subject_requests::lock_person(tx, &index).await?;
    if let Err(e) = pending_erasure(tx, &index, request_id, now).await {
        return refuse(tx, request_id, e).await;
    }
    let erased = forget::erase(
        tx,
        vault,
        &index,
        keep_opt_out,
        forget::Queued::DeadOnly,
        now,
    )
    .await?;
    forget::record(tx, actor, &erased).await?;
    Ok(erased)
}

/// Cancels the person's pending erasure.
pub async fn cancel_erasure(
    db: &Db,
    vault: &Vault,
    telegram_user_id: i64,
    request_id: i64,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    let tx = db.begin_write().await?;
    let result = cancel_erasure_in(&tx, vault, telegram_user_id, request_id, now).await;
    settle(tx, result).await
}

/// [`cancel_erasure`] in the caller's transaction. On
/// [`RequestError::Expired`] the expiry was recorded in `tx`: commit it.
pub async fn cancel_erasure_in(
    tx: &Tx,
    vault: &Vault,
    telegram_user_id: i64,
    request_id: i64,
    now: DateTime<Utc>,
) -> Result<SubjectRequest, RequestError> {
    // Stored times are microseconds on both backends.
    let now = now.trunc_subsecs(6);
    let index = vault.user_index(telegram_user_id);
    subject_requests::lock_person(tx, &index).await?;
    if let Err(e) = pending_erasure(tx, &index, request_id, now).await {
        return refuse(tx, request_id, e).await;
    }
    let (request, _) = subject_requests::finish(
        tx,
        request_id,
        Outcome {
            status: RequestStatus::Cancelled,
            at: now,
            parts: None,
            bytes: None,
            items: None,
            failure: None,
        },
    )
    .await?;
    Ok(request)
}

/// What [`close_overdue`] closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overdue {
    /// Erasures not confirmed in time, now expired.
    pub erasures: u64,
    /// Exports pending for longer than [`EXPORT_STALE_AFTER`], now failed.
    pub exports: u64,
}

/// Closes what is overdue at `now`: unconfirmed erasures past their
/// deadline, and exports a stopped process left pending. Run it at start-up
/// and now and then; the rules above hold without it.
pub async fn close_overdue(db: &Db, now: DateTime<Utc>) -> Result<Overdue, StoreError> {
    let tx = db.begin_write().await?;
    let overdue = close_overdue_in(&tx, now).await?;
    tx.commit().await?;
    Ok(overdue)
}

/// [`close_overdue`] in the caller's transaction.
pub async fn close_overdue_in(tx: &Tx, now: DateTime<Utc>) -> Result<Overdue, StoreError> {
    let now = now.trunc_subsecs(6);
    let (erasures, exports) =
        subject_requests::close_overdue(tx, now, now - EXPORT_STALE_AFTER).await?;
    Ok(Overdue { erasures, exports })
}

/// The person's requests, oldest first.
pub async fn history(
    c: &impl Conn,
    vault: &Vault,
    telegram_user_id: i64,
) -> Result<Vec<SubjectRequest>, StoreError> {
    subject_requests::list_for(c, &vault.user_index(telegram_user_id)).await
}
