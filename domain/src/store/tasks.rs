//! Tasks recognised in captured messages, and their assignees.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use sea_orm::sea_query::Expr;

use super::entity::{task, task_assignee};
use super::{Conn, INSERT_CHUNK, StoreError, Tx, now, parse_col, string_enum};
use crate::classify::{Kind, Priority};

string_enum! {
    /// Where a task stands.
    pub enum TaskStatus {
        /// Still to do.
        Open => "open",
        /// Done (the ✅ button or /done).
        Done => "done",
        /// Not a task after all (the ✖ button).
        Dismissed => "dismissed",
    }
}

/// A task.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Row id, shown to people as the task number.
    pub id: i64,
    /// Telegram chat id.
    pub chat_id: i64,
    /// Row id of the message it was made from.
    pub message_id: Option<i64>,
    /// What the message was recognised as.
    pub kind: Kind,
    /// Short title, encrypted.
    pub title_ct: Vec<u8>,
    /// Longer description, encrypted.
    pub description_ct: Option<Vec<u8>>,
    /// Priority.
    pub priority: Priority,
    /// Due date in the chat's time zone.
    pub due_date: Option<NaiveDate>,
    /// The classifier's confidence, 0 to 1.
    pub confidence: f64,
    /// Which classifier produced it (`builtin`, or a provider name).
    pub classifier: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// Telegram message id of the bot's task card.
    pub card_message_id: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was done or dismissed.
    pub closed_at: Option<DateTime<Utc>>,
}

impl TryFrom<task::Model> for Task {
    type Error = StoreError;
    fn try_from(m: task::Model) -> Result<Self, StoreError> {
        Ok(Task {
            id: m.id,
            chat_id: m.chat_id,
            message_id: m.message_id,
            kind: parse_col("tasks", &m.kind)?,
            title_ct: m.title_ct,
            description_ct: m.description_ct,
            priority: parse_col("tasks", &m.priority)?,
            due_date: m.due_date,
            confidence: m.confidence,
            classifier: m.classifier,
            status: parse_col("tasks", &m.status)?,
            card_message_id: m.card_message_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
            closed_at: m.closed_at,
        })
    }
}

/// A person a task is assigned to, by @handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignee {
    /// HMAC of the lowercased handle.
    pub handle_index: Vec<u8>,
    /// The handle, encrypted.
    pub handle_ct: Vec<u8>,
    /// The person, when the handle matched someone the bot knows.
    pub person_id: Option<i64>,
}

/// A task to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// Telegram chat id.
    pub chat_id: i64,
    /// Row id of the source message.
    pub message_id: Option<i64>,
    /// What it is.
    pub kind: Kind,
    /// Title, encrypted.
    pub title_ct: Vec<u8>,
    /// Description, encrypted.
    pub description_ct: Option<Vec<u8>>,
    /// Priority.
    pub priority: Priority,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Confidence, 0 to 1.
    pub confidence: f64,
    /// Classifier name.
    pub classifier: String,
    /// Assignees in the order they were mentioned.
    pub assignees: Vec<Assignee>,
}

/// Creates a task and its assignees.
pub async fn create(tx: &Tx, t: NewTask) -> Result<Task, StoreError> {
    if !(0.0..=1.0).contains(&t.confidence) {
        return Err(StoreError::Invalid(format!(
            "confidence {} is out of range 0 to 1",
            t.confidence
        )));
    }
    let at = now();
    let row = task::ActiveModel {
        id: Default::default(),
        chat_id: Set(t.chat_id),
        message_id: Set(t.message_id),
        kind: Set(t.kind.as_str().to_owned()),
        title_ct: Set(t.title_ct),
        description_ct: Set(t.description_ct),
        priority: Set(t.priority.as_str().to_owned()),
        due_date: Set(t.due_date),
        confidence: Set(t.confidence),
        classifier: Set(t.classifier),
        status: Set(TaskStatus::Open.as_str().to_owned()),
        card_message_id: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        closed_at: Set(None),
    }
    .insert(tx.inner())
    .await?;
    insert_assignees(tx, row.id, 0, t.assignees).await?;
    Task::try_from(row)
}

/// Appends assignees to a task, after those it has. Their positions continue
/// from the last one (the position is part of each handle's binding).
pub async fn add_assignees(
    tx: &Tx,
    task_id: i64,
    assignees: Vec<Assignee>,
) -> Result<(), StoreError> {
    if assignees.is_empty() {
        return Ok(());
    }
    let have = task_assignee::Entity::find()
        .filter(task_assignee::Column::TaskId.eq(task_id))
        .count(tx.inner())
        .await?;
    insert_assignees(tx, task_id, have, assignees).await
}

async fn insert_assignees(
    tx: &Tx,
    task_id: i64,
    first_position: u64,
    assignees: Vec<Assignee>,
) -> Result<(), StoreError> {
    let rows: Vec<task_assignee::ActiveModel> = assignees
        .into_iter()
        .enumerate()
        .map(|(i, a)| task_assignee::ActiveModel {
            task_id: Set(task_id),
            position: Set(i32::try_from(first_position + i as u64).unwrap_or(i32::MAX)),
            handle_index: Set(a.handle_index),
            handle_ct: Set(a.handle_ct),
            person_id: Set(a.person_id),
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        task_assignee::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx.inner())
            .await?;
    }
    Ok(())
}

/// The task with this id.
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Task>, StoreError> {
    task::Entity::find_by_id(id)
        .one(c.inner())
        .await?
        .map(Task::try_from)
        .transpose()
}

/// The task made from the message with this row id.
pub async fn get_for_message(
    c: &impl Conn,
    message_row_id: i64,
) -> Result<Option<Task>, StoreError> {
    task::Entity::find()
        .filter(task::Column::MessageId.eq(message_row_id))
        .one(c.inner())
        .await?
        .map(Task::try_from)
        .transpose()
}

/// Open tasks of a chat, oldest first, one page.
pub async fn list_open(
    c: &impl Conn,
    chat_id: i64,
    offset: u64,
    limit: u64,
) -> Result<Vec<Task>, StoreError> {
    task::Entity::find()
        .filter(task::Column::ChatId.eq(chat_id))
        .filter(task::Column::Status.eq(TaskStatus::Open.as_str()))
        .order_by_asc(task::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(Task::try_from)
        .collect()
}

/// How many open tasks a chat has (or all chats together).
pub async fn count_open(c: &impl Conn, chat_id: Option<i64>) -> Result<u64, StoreError> {
    let mut q = task::Entity::find().filter(task::Column::Status.eq(TaskStatus::Open.as_str()));
    if let Some(chat) = chat_id {
        q = q.filter(task::Column::ChatId.eq(chat));
    }
    Ok(q.count(c.inner()).await?)
}

async fn load(tx: &Tx, id: i64) -> Result<task::Model, StoreError> {
    task::Entity::find_by_id(id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("task {id}")))
}

/// Moves a task to `status`; closing records when.
pub async fn set_status(tx: &Tx, id: i64, status: TaskStatus) -> Result<Task, StoreError> {
    let mut am: task::ActiveModel = load(tx, id).await?.into();
    let t = now();
    am.status = Set(status.as_str().to_owned());
    am.closed_at = Set((status != TaskStatus::Open).then_some(t));
    am.updated_at = Set(t);
    Task::try_from(am.update(tx.inner()).await?)
}

/// What a new classification of an edited source message changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reclassified {
    /// Task or bug.
    pub kind: Kind,
    /// The new title, sealed.
    pub title_ct: Vec<u8>,
    /// Priority.
    pub priority: Priority,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Confidence, 0 to 1.
    pub confidence: f64,
    /// Which classifier.
    pub classifier: String,
}

/// Replaces a task's classification (after its source message was edited)
/// and removes its assignees, which the caller writes again.
pub async fn reclassify(tx: &Tx, id: i64, r: Reclassified) -> Result<Task, StoreError> {
    if !(0.0..=1.0).contains(&r.confidence) {
        return Err(StoreError::Invalid(format!(
            "confidence {} is out of range 0 to 1",
            r.confidence
        )));
    }
    let mut am: task::ActiveModel = load(tx, id).await?.into();
    am.kind = Set(r.kind.as_str().to_owned());
    am.title_ct = Set(r.title_ct);
    am.priority = Set(r.priority.as_str().to_owned());
    am.due_date = Set(r.due_date);
    am.confidence = Set(r.confidence);
    am.classifier = Set(r.classifier);
    am.updated_at = Set(now());
    let task = Task::try_from(am.update(tx.inner()).await?)?;
    task_assignee::Entity::delete_many()
        .filter(task_assignee::Column::TaskId.eq(id))
        .exec(tx.inner())
        .await?;
    Ok(task)
}

/// Records the Telegram message id of the bot's card for the task.
pub async fn set_card_message(tx: &Tx, id: i64, card_message_id: i64) -> Result<Task, StoreError> {
    let mut am: task::ActiveModel = load(tx, id).await?.into();
    am.card_message_id = Set(Some(card_message_id));
    am.updated_at = Set(now());
    Task::try_from(am.update(tx.inner()).await?)
}

/// Records the card's message id, in one statement; `false` when the task
/// is gone (erased or purged since its card was queued).
pub async fn record_card_message(
    tx: &Tx,
    id: i64,
    card_message_id: i64,
) -> Result<bool, StoreError> {
    let res = task::Entity::update_many()
        .col_expr(
            task::Column::CardMessageId,
            Expr::value(Some(card_message_id)),
        )
        .col_expr(task::Column::UpdatedAt, Expr::value(now()))
        .filter(task::Column::Id.eq(id))
        .exec(tx.inner())
        .await?;
    Ok(res.rows_affected > 0)
}

/// The task's assignees in mention order.
pub async fn assignees(c: &impl Conn, task_id: i64) -> Result<Vec<Assignee>, StoreError> {
    Ok(task_assignee::Entity::find()
        .filter(task_assignee::Column::TaskId.eq(task_id))
        .order_by_asc(task_assignee::Column::Position)
        .all(c.inner())
        .await?
        .into_iter()
        .map(|m| Assignee {
            handle_index: m.handle_index,
            handle_ct: m.handle_ct,
            person_id: m.person_id,
        })
        .collect())
}

/// How many tasks were made from these messages (row ids).
pub async fn count_for_messages(c: &impl Conn, message_ids: &[i64]) -> Result<u64, StoreError> {
    if message_ids.is_empty() {
        return Ok(0);
    }
    Ok(task::Entity::find()
        .filter(task::Column::MessageId.is_in(message_ids.iter().copied()))
        .count(c.inner())
        .await?)
}

/// How many tasks were made from messages of this person.
pub async fn count_for_author(c: &impl Conn, person_id: i64) -> Result<u64, StoreError> {
    use super::entity::message;
    use sea_orm::sea_query::Query;
    Ok(task::Entity::find()
        .filter(
            task::Column::MessageId.in_subquery(
                Query::select()
                    .column(message::Column::Id)
                    .from(message::Entity)
                    .and_where(message::Column::PersonId.eq(person_id))
                    .to_owned(),
            ),
        )
        .count(c.inner())
        .await?)
}

/// Removes a person from every task they are assigned to, by their row or
/// by the blind index of their @handle. Returns how many assignments went.
pub async fn remove_assignee(
    tx: &Tx,
    person_id: i64,
    handle_index: Option<&[u8]>,
) -> Result<u64, StoreError> {
    let mut cond = sea_orm::Condition::any().add(task_assignee::Column::PersonId.eq(person_id));
    if let Some(h) = handle_index {
        cond = cond.add(task_assignee::Column::HandleIndex.eq(h.to_vec()));
    }
    Ok(task_assignee::Entity::delete_many()
        .filter(cond)
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// An assignee as stored, with the position its handle is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAssignee {
    /// The task.
    pub task_id: i64,
    /// Position in mention order; part of the handle's binding. Positions
    /// keep gaps where an erased person's assignment was removed.
    pub position: i32,
    /// The assignee.
    pub assignee: Assignee,
}

/// The assignees of these tasks, by task then position.
pub async fn assignees_of(
    c: &impl Conn,
    task_ids: &[i64],
) -> Result<Vec<StoredAssignee>, StoreError> {
    if task_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(task_assignee::Entity::find()
        .filter(task_assignee::Column::TaskId.is_in(task_ids.iter().copied()))
        .order_by_asc(task_assignee::Column::TaskId)
        .order_by_asc(task_assignee::Column::Position)
        .all(c.inner())
        .await?
        .into_iter()
        .map(|m| StoredAssignee {
            task_id: m.task_id,
            position: m.position,
            assignee: Assignee {
                handle_index: m.handle_index,
                handle_ct: m.handle_ct,
                person_id: m.person_id,
            },
        })
        .collect())
}

/// The tasks made from these messages (row ids).
pub async fn for_messages(c: &impl Conn, message_ids: &[i64]) -> Result<Vec<Task>, StoreError> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    task::Entity::find()
        .filter(task::Column::MessageId.is_in(message_ids.iter().copied()))
        .order_by_asc(task::Column::Id)
        .all(c.inner())
        .await?
        .into_iter()
        .map(Task::try_from)
        .collect()
}

/// One keyset page (after task `after_id`) of the tasks a person is
/// assigned to, by their row or the blind index of their @handle, leaving
/// out tasks made from their own messages.
pub async fn page_assigned(
    c: &impl Conn,
    person_id: i64,
    handle_index: Option<&[u8]>,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Task>, StoreError> {
    use super::entity::message;
    use sea_orm::sea_query::Query;
    let mut who = sea_orm::Condition::any().add(task_assignee::Column::PersonId.eq(person_id));
    if let Some(h) = handle_index {
        who = who.add(task_assignee::Column::HandleIndex.eq(h.to_vec()));
    }
    let assigned = Query::select()
        .column(task_assignee::Column::TaskId)
        .from(task_assignee::Entity)
        .cond_where(who)
        .to_owned();
    let own = Query::select()
        .column(message::Column::Id)
        .from(message::Entity)
        .and_where(message::Column::PersonId.eq(person_id))
        .to_owned();
    task::Entity::find()
        .filter(task::Column::Id.in_subquery(assigned))
        .filter(task::Column::Id.gt(after_id))
        .filter(
            sea_orm::Condition::any()
                .add(task::Column::MessageId.is_null())
                .add(task::Column::MessageId.not_in_subquery(own)),
        )
        .order_by_asc(task::Column::Id)
        .limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(Task::try_from)
        .collect()
}
