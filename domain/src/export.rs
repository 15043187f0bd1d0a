//! The data export (`/export`, `tasktracker export`): everything stored
//! about one person, and nothing about anyone else, as JSON documents
//! (`docs/export-format.md`, `docs/export.schema.json`).
//!
//! The export is streamed: the person's messages and the tasks assigned to
//! them are read in keyset pages with plain reads (no transaction is held,
//! so capture goes on), decrypted, and written item by item, so memory stays
//! flat whatever their number. The output is split into parts below a size
//! limit (Telegram refuses documents over 50 MB); every part is a complete
//! JSON document with the same `export_id`, its `part` number and the total
//! `parts`, which is filled in once the last part is written.
//!
//! What is left out, because it is about someone else: other people's
//! messages (a message's `reply_to_message_id` is only an id), the titles of
//! tasks made from other people's messages that are assigned to the person,
//! and other people's handles among the assignees of the person's own tasks
//! (only a count).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;

use crate::i18n::{Lang, Locales};
use crate::records;
use crate::requests::Delivered;
use crate::store::people::Person;
use crate::store::subject_requests::{self, SubjectRequest};
use crate::store::tasks::{StoredAssignee, Task};
use crate::store::{Db, StoreError, chats, messages, people, privacy, tasks};
use crate::vault::{Vault, VaultError, aad};

/// The version of the export format. A change that removes or renames a
/// field, or changes a field's meaning, raises it.
pub const SCHEMA_VERSION: u32 = 1;

/// The default part limit: 47 MiB (49,283,072 bytes), under Telegram's
/// 50 MB however it counts.
pub const DEFAULT_PART_BYTES: u64 = 47 * 1024 * 1024;

/// The smallest part limit: room for the header and the largest item (a
/// 4096-character message, escaped, with its task).
pub const MIN_PART_BYTES: u64 = 64 * 1024;

/// Messages (or tasks) read per query.
const PAGE: u64 = 500;

/// Width of the space-padded `parts` value, filled in at the end.
const PARTS_WIDTH: usize = 6;

/// The arrays of each part, in order.
const SECTIONS: [&str; 4] = ["consents", "requests", "messages", "assigned_tasks"];
const CONSENTS: usize = 0;
const REQUESTS: usize = 1;
const MESSAGES: usize = 2;
const ASSIGNED: usize = 3;

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// The largest part in bytes (at least [`MIN_PART_BYTES`]).
    pub part_limit: u64,
    /// The language of the explanatory text; `None` takes the person's
    /// stored Telegram language, else English.
    pub lang: Option<Lang>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            part_limit: DEFAULT_PART_BYTES,
            lang: None,
        }
    }
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The part limit cannot hold an item.
    #[error("the part limit of {limit} bytes is too small: use at least {MIN_PART_BYTES}")]
    PartLimitTooSmall {
        /// The limit asked for.
        limit: u64,
    },
    /// One item does not fit in an empty part.
    #[error("an item of {bytes} bytes does not fit in a part of {limit} bytes")]
    ItemTooLarge {
        /// The item's size.
        bytes: u64,
        /// The part limit.
        limit: u64,
    },
    /// A file would be overwritten.
    #[error("{path} already exists; exports never overwrite a file: choose another directory")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Writing the output failed.
    #[error("cannot write the export{}: {source}", path.as_ref().map(|p| format!(" to {}", p.display())).unwrap_or_default())]
    Io {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// A value could not be decrypted.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<io::Error> for ExportError {
    fn from(source: io::Error) -> Self {
        ExportError::Io { path: None, source }
    }
}

/// How many items of each kind an export holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExportCounts {
    /// Whether a profile was stored.
    pub profile: bool,
    /// Consent records.
    pub consents: u64,
    /// Data-subject requests (this one included).
    pub requests: u64,
    /// Messages.
    pub messages: u64,
    /// Tasks made from them.
    pub tasks: u64,
    /// Other people's tasks assigned to the person.
    pub assigned_tasks: u64,
}

/// One written part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartInfo {
    /// From 1.
    pub number: u32,
    /// Its size.
    pub bytes: u64,
}

/// What [`write_parts`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The id every part carries.
    pub export_id: String,
    /// When it was generated.
    pub generated_at: DateTime<Utc>,
    /// The parts, in order.
    pub parts: Vec<PartInfo>,
    /// What it holds.
    pub counts: ExportCounts,
}

impl Written {
    /// Bytes in all parts.
    pub fn bytes(&self) -> u64 {
        self.parts.iter().map(|p| p.bytes).sum()
    }
}

/// What [`write_to_dir`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The request it answers.
    pub request_id: i64,
    /// The id every part carries.
    pub export_id: String,
    /// When it was generated.
    pub generated_at: DateTime<Utc>,
    /// The files, in part order.
    pub parts: Vec<PathBuf>,
    /// Each file's size, in part order.
    pub part_bytes: Vec<u64>,
    /// Bytes in all files.
    pub bytes: u64,
    /// What it holds.
    pub counts: ExportCounts,
}

impl ExportSummary {
    /// What to record with [`crate::requests::complete_export`].
    pub fn delivered(&self) -> Delivered {
        Delivered {
            parts: u32::try_from(self.parts.len()).unwrap_or(u32::MAX),
            bytes: self.bytes,
            messages: self.counts.messages,
            tasks: self.counts.tasks,
            assigned_tasks: self.counts.assigned_tasks,
        }
    }
}

/// Where the parts go.
pub trait PartSink {
    /// One part being written.
    type Part: Write;
    /// Starts part `number` (from 1).
    fn create(&mut self, number: u32) -> io::Result<Self::Part>;
    /// Part `number` is complete.
    fn finish(&mut self, number: u32, part: Self::Part) -> io::Result<()>;
    /// Overwrites bytes of a finished part at `offset` (same length).
    fn patch(&mut self, number: u32, offset: u64, bytes: &[u8]) -> io::Result<()>;
}

/// Parts kept in memory: for tests and small exports.
#[derive(Debug, Default)]
pub struct MemorySink {
    /// Each finished part.
    pub parts: Vec<Vec<u8>>,
}

impl PartSink for MemorySink {
    type Part = Vec<u8>;
    fn create(&mut self, _number: u32) -> io::Result<Vec<u8>> {
        Ok(Vec::new())
    }
    fn finish(&mut self, _number: u32, part: Vec<u8>) -> io::Result<()> {
        self.parts.push(part);
        Ok(())
    }
    fn patch(&mut self, number: u32, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let part = usize::try_from(number)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.parts.get_mut(i))
            .ok_or_else(|| io::Error::other(format!("no part {number}")))?;
        let start = usize::try_from(offset).map_err(io::Error::other)?;
        part.get_mut(start..start + bytes.len())
            .ok_or_else(|| io::Error::other("patch outside the part"))?
            .copy_from_slice(bytes);
        Ok(())
    }
}

/// Parts as files `tasktracker-export-<date>-part<N>.json` in a directory,
/// mode 0600, never overwriting a file. [`DirSink::remove_all`] removes what
/// it created (after a failure).
#[derive(Debug)]
pub struct DirSink {
    dir: PathBuf,
    stem: String,
    files: Vec<PathBuf>,
}

impl DirSink {
    /// Files in `dir` named after `date`.
    pub fn new(dir: &Path, date: NaiveDate) -> Self {
        Self {
            dir: dir.to_path_buf(),
            stem: format!("tasktracker-export-{date}"),
            files: Vec::new(),
        }
    }

    /// The file of part `number`.
    pub fn path_of(&self, number: u32) -> PathBuf {
        self.dir.join(format!("{}-part{number}.json", self.stem))
    }

    /// The files created so far, in part order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Removes every file this sink created.
    pub fn remove_all(&mut self) {
        for f in self.files.drain(..) {
            if let Err(e) = std::fs::remove_file(&f) {
                tracing::warn!(error = %e, "could not remove a partial export file");
            }
        }
    }
}

fn create_private_file(path: &Path) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

impl PartSink for DirSink {
    type Part = BufWriter<File>;
    fn create(&mut self, number: u32) -> io::Result<BufWriter<File>> {
        let path = self.path_of(number);
        let file = create_private_file(&path)?;
        self.files.push(path);
        Ok(BufWriter::with_capacity(256 * 1024, file))
    }
    fn finish(&mut self, _number: u32, part: BufWriter<File>) -> io::Result<()> {
        let file = part.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }
    fn patch(&mut self, number: u32, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(self.path_of(number))?;
        f.seek(SeekFrom::Start(offset))?;
        f.write_all(bytes)?;
        f.sync_all()
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Writes the export of the person with this Telegram user id, for request
/// `request_id`, as files in `dir` (created, mode 0700, when missing; files
/// mode 0600, never overwritten). On failure the files written so far are
/// removed.
pub async fn write_to_dir(
    db: &Db,
    vault: &Vault,
    locales: &Locales,
    telegram_user_id: i64,
    request_id: i64,
    dir: &Path,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io {
            path: Some(path),
            source,
        }
    };
    if !dir.exists() {
        create_private_dir(dir).map_err(io_err(dir))?;
    }
    let generated_at = crate::store::now();
    let mut sink = DirSink::new(dir, generated_at.date_naive());
    let first = sink.path_of(1);
    if first.exists() {
        return Err(ExportError::Exists { path: first });
    }
    let result = write_parts_at(
        db,
        vault,
        locales,
        telegram_user_id,
        request_id,
        &mut sink,
        opts,
        generated_at,
    )
    .await;
    match result {
        Ok(w) => Ok(ExportSummary {
            request_id,
            export_id: w.export_id.clone(),
            generated_at: w.generated_at,
            bytes: w.bytes(),
            part_bytes: w.parts.iter().map(|p| p.bytes).collect(),
            parts: sink.files().to_vec(),
            counts: w.counts,
        }),
        Err(e) => {
            let failed_at = sink.files().last().cloned();
            sink.remove_all();
            Err(match e {
                ExportError::Io { path: None, source } => match (source.kind(), failed_at) {
                    (io::ErrorKind::AlreadyExists, Some(path)) => ExportError::Exists { path },
                    (_, path) => ExportError::Io { path, source },
                },
                other => other,
            })
        }
    }
}

/// Writes the export into any [`PartSink`].
pub async fn write_parts<S: PartSink>(
    db: &Db,
    vault: &Vault,
    locales: &Locales,
    telegram_user_id: i64,
    request_id: i64,
    sink: &mut S,
    opts: &ExportOptions,
) -> Result<Written, ExportError> {
    write_parts_at(
        db,
        vault,
        locales,
        telegram_user_id,
        request_id,
        sink,
        opts,
        crate::store::now(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn write_parts_at<S: PartSink>(
    db: &Db,
    vault: &Vault,
    locales: &Locales,
    telegram_user_id: i64,
    request_id: i64,
    sink: &mut S,
    opts: &ExportOptions,
    generated_at: DateTime<Utc>,
) -> Result<Written, ExportError> {
    if opts.part_limit < MIN_PART_BYTES {
        return Err(ExportError::PartLimitTooSmall {
            limit: opts.part_limit,
        });
    }
    let index = vault.user_index(telegram_user_id);
    let person = people::get_by_index(db, &index).await?;
    let lang = opts.lang.unwrap_or_else(|| {
        Lang::negotiate(
            person.as_ref().and_then(|p| p.language_code.as_deref()),
            None,
        )
    });
    let export_id = new_export_id(request_id)?;
    let mut counts = ExportCounts::default();

    let person_out = person_out(db, vault, &index, person.as_ref()).await?;
    counts.profile = person.is_some();
    let header = Header {
        schema_version: SCHEMA_VERSION,
        export_id: &export_id,
        generated_at: generated_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        about: locales.tr(lang, "export-about", &[]),
        person: serde_json::to_string(&person_out).map_err(json_err)?,
    };
    let mut w = PartWriter::new(sink, opts.part_limit, header);

    for c in privacy::history(db, &index).await? {
        w.item(CONSENTS, &ConsentOut::from(&c))?;
        counts.consents += 1;
    }
    for r in subject_requests::list_for(db, &index).await? {
        w.item(REQUESTS, &RequestOut::from(&r))?;
        counts.requests += 1;
    }
    if let Some(person) = &person {
        let mut titles = ChatTitles::default();
        write_messages(db, vault, person, &mut w, &mut titles, &mut counts).await?;
        write_assigned(db, vault, person, &mut w, &mut titles, &mut counts).await?;
    }
    let parts = w.finish()?;
    Ok(Written {
        export_id,
        generated_at,
        parts,
        counts,
    })
}

fn json_err(e: serde_json::Error) -> ExportError {
    ExportError::Io {
        path: None,
        source: io::Error::other(e),
    }
}

fn new_export_id(request_id: i64) -> Result<String, ExportError> {
    let mut random = [0u8; 8];
    SystemRandom::new()
        .fill(&mut random)
        .map_err(|_| io::Error::other("the system random generator failed"))?;
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{request_id}-{hex}"))
}

/// The chat titles met so far (one lookup per chat).
#[derive(Default)]
struct ChatTitles(HashMap<i64, Option<String>>);

impl ChatTitles {
    async fn get(
        &mut self,
        db: &Db,
        vault: &Vault,
        chat_id: i64,
    ) -> Result<Option<String>, ExportError> {
        if let Some(t) = self.0.get(&chat_id) {
            return Ok(t.clone());
        }
        let title = match chats::get(db, chat_id).await? {
            Some(chat) => records::chat_title(db, vault, &chat).await?,
            None => None,
        };
        self.0.insert(chat_id, title.clone());
        Ok(title)
    }
}

/// The person's own handles among a task's assignees (decrypted), and how
/// many assignees are someone else.
async fn own_assignees(
    db: &Db,
    vault: &Vault,
    person: &Person,
    task_id: i64,
    rows: &[&StoredAssignee],
) -> Result<(Vec<String>, u64), ExportError> {
    let mut own = Vec::new();
    let mut others = 0;
    for a in rows {
        let is_own = a.assignee.person_id == Some(person.id)
            || person
                .username_index
                .as_deref()
                .is_some_and(|h| crate::crypto::secret::ct_eq(h, &a.assignee.handle_index));
        if is_own {
            own.push(
                vault
                    .open_text(
                        db,
                        &aad::assignee_handle(task_id, i64::from(a.position)),
                        &a.assignee.handle_ct,
                    )
                    .await?,
            );
        } else {
            others += 1;
        }
    }
    Ok((own, others))
}

async fn write_messages<S: PartSink>(
    db: &Db,
    vault: &Vault,
    person: &Person,
    w: &mut PartWriter<'_, S>,
    titles: &mut ChatTitles,
    counts: &mut ExportCounts,
) -> Result<(), ExportError> {
    let mut after = 0;
    loop {
        let page = messages::page_for_person(db, person.id, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|m| m.id).collect();
        let page_tasks = tasks::for_messages(db, &ids).await?;
        let task_ids: Vec<i64> = page_tasks.iter().map(|t| t.id).collect();
        let assignees = tasks::assignees_of(db, &task_ids).await?;
        let mut by_message: HashMap<i64, &Task> = HashMap::new();
        for t in &page_tasks {
            if let Some(m) = t.message_id {
                by_message.insert(m, t);
            }
        }
        for m in &page {
            let task = match by_message.get(&m.id) {
                Some(t) => {
                    let rows: Vec<&StoredAssignee> =
                        assignees.iter().filter(|a| a.task_id == t.id).collect();
                    let (own, others) = own_assignees(db, vault, person, t.id, &rows).await?;
                    let description = match &t.description_ct {
                        Some(ct) => Some(
                            vault
                                .open_text(db, &aad::task_description(t.chat_id, m.id), ct)
                                .await?,
                        ),
                        None => None,
                    };
                    counts.tasks += 1;
                    Some(TaskOut {
                        task_id: t.id,
                        kind: t.kind.as_str(),
                        title: records::task_title(db, vault, t).await?,
                        description,
                        priority: t.priority.as_str(),
                        due: t.due_date,
                        confidence: t.confidence,
                        classifier: &t.classifier,
                        status: t.status.as_str(),
                        created_at: t.created_at,
                        closed_at: t.closed_at,
                        assignees: own,
                        other_assignees: others,
                    })
                }
                None => None,
            };
            let out = MessageOut {
                chat_id: m.chat_id,
                chat_title: titles.get(db, vault, m.chat_id).await?,
                message_id: m.message_id,
                sent_at: m.sent_at,
                edited_at: m.edited_at,
                text: records::message_text(db, vault, m).await?,
                reply_to_message_id: m.reply_to_message_id,
                forwarded: m.is_forwarded,
                task,
            };
            w.item(MESSAGES, &out)?;
            counts.messages += 1;
        }
    }
    Ok(())
}

async fn write_assigned<S: PartSink>(
    db: &Db,
    vault: &Vault,
    person: &Person,
    w: &mut PartWriter<'_, S>,
    titles: &mut ChatTitles,
    counts: &mut ExportCounts,
) -> Result<(), ExportError> {
    let mut after = 0;
    loop {
        let page =
            tasks::page_assigned(db, person.id, person.username_index.as_deref(), after, PAGE)
                .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let task_ids: Vec<i64> = page.iter().map(|t| t.id).collect();
        let assignees = tasks::assignees_of(db, &task_ids).await?;
        for t in &page {
            let rows: Vec<&StoredAssignee> =
                assignees.iter().filter(|a| a.task_id == t.id).collect();
            let (own, _) = own_assignees(db, vault, person, t.id, &rows).await?;
            let out = AssignedOut {
                task_id: t.id,
                chat_id: t.chat_id,
                chat_title: titles.get(db, vault, t.chat_id).await?,
                kind: t.kind.as_str(),
                priority: t.priority.as_str(),
                due: t.due_date,
                status: t.status.as_str(),
                created_at: t.created_at,
                closed_at: t.closed_at,
                assigned_as: own,
            };
            w.item(ASSIGNED, &out)?;
            counts.assigned_tasks += 1;
        }
    }
    Ok(())
}

async fn person_out(
    db: &Db,
    vault: &Vault,
    index: &[u8],
    person: Option<&Person>,
) -> Result<PersonOut, ExportError> {
    let opted_out = privacy::is_opted_out(db, index).await?;
    Ok(match person {
        Some(p) => {
            let (name, username) = records::profile(db, vault, p).await?;
            PersonOut {
                profile_stored: true,
                name,
                username,
                language_code: p.language_code.clone(),
                first_seen: Some(p.created_at),
                updated_at: Some(p.updated_at),
                opted_out,
            }
        }
        None => PersonOut {
            profile_stored: false,
            name: None,
            username: None,
            language_code: None,
            first_seen: None,
            updated_at: None,
            opted_out,
        },
    })
}

#[derive(Serialize)]
struct PersonOut {
    profile_stored: bool,
    name: Option<String>,
    username: Option<String>,
    language_code: Option<String>,
    first_seen: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    opted_out: bool,
}

#[derive(Serialize)]
struct ConsentOut {
    action: &'static str,
    chat_id: Option<i64>,
    policy_version: String,
    at: DateTime<Utc>,
}

impl From<&privacy::ConsentRecord> for ConsentOut {
    fn from(c: &privacy::ConsentRecord) -> Self {
        ConsentOut {
            action: c.action.as_str(),
            chat_id: c.chat_id,
            policy_version: c.policy_version.clone(),
            at: c.created_at,
        }
    }
}

#[derive(Serialize)]
struct RequestOut {
    id: i64,
    kind: &'static str,
    origin: &'static str,
    status: &'static str,
    requested_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    parts: Option<i32>,
    bytes: Option<i64>,
    messages: Option<i64>,
}

impl From<&SubjectRequest> for RequestOut {
    fn from(r: &SubjectRequest) -> Self {
        RequestOut {
            id: r.id,
            kind: r.kind.as_str(),
            origin: r.origin.as_str(),
            status: r.status.as_str(),
            requested_at: r.requested_at,
            expires_at: r.expires_at,
            completed_at: r.completed_at,
            parts: r.parts,
            bytes: r.bytes,
            messages: r.items,
        }
    }
}

#[derive(Serialize)]
struct MessageOut<'a> {
    chat_id: i64,
    chat_title: Option<String>,
    message_id: i64,
    sent_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    text: String,
    reply_to_message_id: Option<i64>,
    forwarded: bool,
    task: Option<TaskOut<'a>>,
}

#[derive(Serialize)]
struct TaskOut<'a> {
    task_id: i64,
    kind: &'static str,
    title: String,
    description: Option<String>,
    priority: &'static str,
    due: Option<NaiveDate>,
    confidence: f64,
    classifier: &'a str,
    status: &'static str,
    created_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    assignees: Vec<String>,
    other_assignees: u64,
}

#[derive(Serialize)]
struct AssignedOut {
    task_id: i64,
    chat_id: i64,
    chat_title: Option<String>,
    kind: &'static str,
    priority: &'static str,
    due: Option<NaiveDate>,
    status: &'static str,
    created_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    assigned_as: Vec<String>,
}

/// The fixed head of every part.
struct Header<'a> {
    schema_version: u32,
    export_id: &'a str,
    generated_at: String,
    about: String,
    /// The person object, serialised (part 1 only; later parts say `null`).
    person: String,
}

struct OpenPart<P> {
    w: P,
    number: u32,
    len: u64,
    /// Items in this part, all sections together.
    items: u64,
    /// Items in the section open now.
    in_section: u64,
}

/// Writes items into parts, opening a new part when the next item would
/// not fit, and keeps every part a complete document with every section.
struct PartWriter<'s, S: PartSink> {
    sink: &'s mut S,
    limit: u64,
    header: Header<'s>,
    part: Option<OpenPart<S::Part>>,
    /// The section items go to now.
    section: usize,
    /// Finished parts, and where each one's `parts` placeholder is.
    done: Vec<(PartInfo, u64)>,
}

impl<'s, S: PartSink> PartWriter<'s, S> {
    fn new(sink: &'s mut S, limit: u64, header: Header<'s>) -> Self {
        Self {
            sink,
            limit,
            header,
            part: None,
            section: 0,
            done: Vec::new(),
        }
    }

    fn write(part: &mut OpenPart<S::Part>, bytes: &[u8]) -> io::Result<()> {
        part.w.write_all(bytes)?;
        part.len += bytes.len() as u64;
        Ok(())
    }

    /// What closing a part after `section` takes: the open array, the empty
    /// arrays after it, and the closing brace.
    fn tail_len(section: usize) -> u64 {
        let rest: usize = SECTIONS[section + 1..]
            .iter()
            .map(|s| ",\n  \"\": []".len() + s.len())
            .sum();
        ("\n  ]".len() + rest + "\n}\n".len()) as u64
    }

    /// Opens part `number` with its header and the sections up to the
    /// current one; returns it with the offset of its `parts` placeholder.
    fn open(&mut self) -> Result<(), ExportError> {
        let number = u32::try_from(self.done.len() + 1).unwrap_or(u32::MAX);
        let w = self.sink.create(number)?;
        let mut part = OpenPart {
            w,
            number,
            len: 0,
            items: 0,
            in_section: 0,
        };
        let h = &self.header;
        let head = format!(
            "{{\n  \"schema_version\": {},\n  \"export_id\": {},\n  \"generated_at\": {},\n  \"part\": {number},\n  \"parts\": ",
            h.schema_version,
            serde_json::to_string(h.export_id).map_err(json_err)?,
            serde_json::to_string(&h.generated_at).map_err(json_err)?,
        );
        Self::write(&mut part, head.as_bytes())?;
        let placeholder = part.len;
        let rest = format!(
            "{},\n  \"about\": {},\n  \"person\": {}",
            " ".repeat(PARTS_WIDTH),
            serde_json::to_string(&h.about).map_err(json_err)?,
            if number == 1 {
                h.person.as_str()
            } else {
                "null"
            },
        );
        Self::write(&mut part, rest.as_bytes())?;
        let mut opening = String::new();
        for s in &SECTIONS[..self.section] {
            opening.push_str(&format!(",\n  \"{s}\": []"));
        }
        opening.push_str(&format!(",\n  \"{}\": [", SECTIONS[self.section]));
        Self::write(&mut part, opening.as_bytes())?;
        self.done.push((PartInfo { number, bytes: 0 }, placeholder));
        self.part = Some(part);
        Ok(())
    }

    /// Closes the open section's array.
    fn close_section(part: &mut OpenPart<S::Part>) -> io::Result<()> {
        let close: &[u8] = if part.in_section > 0 { b"\n  ]" } else { b"]" };
        Self::write(part, close)?;
        part.in_section = 0;
        Ok(())
    }

    /// Closes the open part: the sections left, as empty arrays.
    fn close(&mut self) -> Result<(), ExportError> {
        let Some(mut part) = self.part.take() else {
            return Ok(());
        };
        Self::close_section(&mut part)?;
        let mut tail = String::new();
        for s in &SECTIONS[self.section + 1..] {
            tail.push_str(&format!(",\n  \"{s}\": []"));
        }
        tail.push_str("\n}\n");
        Self::write(&mut part, tail.as_bytes())?;
        if let Some((info, _)) = self.done.last_mut() {
            info.bytes = part.len;
        }
        let number = part.number;
        self.sink.finish(number, part.w)?;
        Ok(())
    }

    /// Adds one item to `section` (sections only move forward).
    fn item(&mut self, section: usize, item: &impl Serialize) -> Result<(), ExportError> {
        let bytes = serde_json::to_vec(item).map_err(json_err)?;
        if self.part.is_none() {
            self.section = section;
            self.open()?;
        }
        if section != self.section {
            let Some(part) = self.part.as_mut() else {
                return Err(io::Error::other("no open part").into());
            };
            Self::close_section(part)?;
            let mut between = String::new();
            for s in &SECTIONS[self.section + 1..section] {
                between.push_str(&format!(",\n  \"{s}\": []"));
            }
            between.push_str(&format!(",\n  \"{}\": [", SECTIONS[section]));
            Self::write(part, between.as_bytes())?;
            self.section = section;
        }
        let need = |p: &OpenPart<S::Part>| {
            p.len + ",\n    ".len() as u64 + bytes.len() as u64 + Self::tail_len(section)
        };
        if let Some(p) = &self.part
            && need(p) > self.limit
            && p.items > 0
        {
            self.close()?;
            self.open()?;
        }
        let Some(part) = self.part.as_mut() else {
            return Err(io::Error::other("no open part").into());
        };
        if need(part) > self.limit {
            return Err(ExportError::ItemTooLarge {
                bytes: bytes.len() as u64,
                limit: self.limit,
            });
        }
        let sep: &[u8] = if part.in_section > 0 {
            b",\n    "
        } else {
            b"\n    "
        };
        Self::write(part, sep)?;
        Self::write(part, &bytes)?;
        part.items += 1;
        part.in_section += 1;
        Ok(())
    }

    /// Closes the last part (opening one if nothing was written) and fills
    /// in every part's total.
    fn finish(mut self) -> Result<Vec<PartInfo>, ExportError> {
        if self.part.is_none() && self.done.is_empty() {
            self.section = 0;
            self.open()?;
        }
        self.close()?;
        let total = self.done.len();
        let mut value = total.to_string();
        if value.len() > PARTS_WIDTH {
            return Err(io::Error::other(format!(
                "{total} parts are more than an export can number: raise the part limit"
            ))
            .into());
        }
        while value.len() < PARTS_WIDTH {
            value.push(' ');
        }
        for (info, offset) in &self.done {
            self.sink.patch(info.number, *offset, value.as_bytes())?;
        }
        Ok(self.done.into_iter().map(|(info, _)| info).collect())
    }
}
