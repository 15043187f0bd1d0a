//! The initial schema: chats, people, messages, tasks, the inbox and outbox
//! queues, LLM providers, encryption keys, retention, consents, the audit log
//! and settings.
//!
//! Columns ending in `_ct` hold ciphertext (see `domain::crypto`); columns
//! ending in `_index` hold HMAC blind indexes. Neither ever holds plain text.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Settings::Table)
                .col(string_len(Settings::Key, 128).primary_key())
                .col(text(Settings::Value))
                .col(timestamp_with_time_zone(Settings::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(KekVersions::Table)
                .col(integer(KekVersions::Version).primary_key())
                .col(blob(KekVersions::CheckValue))
                .col(timestamp_with_time_zone(KekVersions::CreatedAt))
                .col(timestamp_with_time_zone_null(KekVersions::RetiredAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DataKeys::Table)
                .col(big_pk_auto(DataKeys::Id))
                .col(string_len(DataKeys::Purpose, 16))
                .col(integer(DataKeys::CurrentVersion))
                .col(integer(DataKeys::MinDecryptVersion).default(1))
                .col(timestamp_with_time_zone(DataKeys::CreatedAt))
                .col(timestamp_with_time_zone(DataKeys::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DataKeyVersions::Table)
                .col(big_integer(DataKeyVersions::KeyId))
                .col(integer(DataKeyVersions::Version))
                .col(integer(DataKeyVersions::KekVersion))
                .col(blob(DataKeyVersions::Wrapped))
                .col(timestamp_with_time_zone(DataKeyVersions::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(DataKeyVersions::KeyId)
                        .col(DataKeyVersions::Version),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DataKeyVersions::Table, DataKeyVersions::KeyId)
                        .to(DataKeys::Table, DataKeys::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Chats::Table)
                .col(big_integer(Chats::Id).primary_key())
                .col(string_len(Chats::Kind, 16))
                .col(blob_null(Chats::TitleCt))
                .col(string_len(Chats::Status, 16).default("pending"))
                .col(string_len(Chats::ReplyMode, 16).default("reply"))
                .col(double(Chats::ConfidenceThreshold).default(0.6))
                .col(string_len(Chats::TimeZone, 64).default("UTC"))
                .col(string_len_null(Chats::Language, 16))
                .col(integer_null(Chats::RetentionDays))
                .col(timestamp_with_time_zone_null(Chats::NoticeSentAt))
                .col(timestamp_with_time_zone_null(Chats::DecidedAt))
                .col(string_len_null(Chats::DecidedBy, 128))
                .col(timestamp_with_time_zone(Chats::CreatedAt))
                .col(timestamp_with_time_zone(Chats::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_chats_status")
                .table(Chats::Table)
                .col(Chats::Status)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(People::Table)
                .col(big_pk_auto(People::Id))
                .col(blob_uniq(People::UserIndex))
                .col(big_integer_null(People::KeyId))
                .col(blob_null(People::NameCt))
                .col(blob_null(People::UsernameCt))
                .col(blob_null(People::UsernameIndex))
                .col(string_len_null(People::LanguageCode, 16))
                .col(timestamp_with_time_zone(People::CreatedAt))
                .col(timestamp_with_time_zone(People::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(People::Table, People::KeyId)
                        .to(DataKeys::Table, DataKeys::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_people_username_index")
                .table(People::Table)
                .col(People::UsernameIndex)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Messages::Table)
                .col(big_pk_auto(Messages::Id))
                .col(big_integer(Messages::ChatId))
                .col(big_integer(Messages::MessageId))
                .col(big_integer(Messages::PersonId))
                .col(timestamp_with_time_zone(Messages::SentAt))
                .col(timestamp_with_time_zone_null(Messages::EditedAt))
                .col(blob(Messages::TextCt))
                .col(big_integer_null(Messages::ReplyToMessageId))
                .col(boolean(Messages::IsForwarded).default(false))
                .col(timestamp_with_time_zone(Messages::CreatedAt))
                .col(timestamp_with_time_zone(Messages::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Messages::Table, Messages::ChatId)
                        .to(Chats::Table, Chats::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Messages::Table, Messages::PersonId)
                        .to(People::Table, People::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_messages_chat_message")
                .table(Messages::Table)
                .col(Messages::ChatId)
                .col(Messages::MessageId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_messages_person")
                .table(Messages::Table)
                .col(Messages::PersonId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_messages_chat_sent")
                .table(Messages::Table)
                .col(Messages::ChatId)
                .col(Messages::SentAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Tasks::Table)
                .col(big_pk_auto(Tasks::Id))
                .col(big_integer(Tasks::ChatId))
                .col(big_integer_null(Tasks::MessageId))
                .col(string_len(Tasks::Kind, 16))
                .col(blob(Tasks::TitleCt))
                .col(blob_null(Tasks::DescriptionCt))
                .col(string_len(Tasks::Priority, 16))
                .col(date_null(Tasks::DueDate))
                .col(double(Tasks::Confidence))
                .col(string_len(Tasks::Classifier, 64))
                .col(string_len(Tasks::Status, 16).default("open"))
                .col(big_integer_null(Tasks::CardMessageId))
                .col(timestamp_with_time_zone(Tasks::CreatedAt))
                .col(timestamp_with_time_zone(Tasks::UpdatedAt))
                .col(timestamp_with_time_zone_null(Tasks::ClosedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Tasks::Table, Tasks::ChatId)
                        .to(Chats::Table, Chats::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Tasks::Table, Tasks::MessageId)
                        .to(Messages::Table, Messages::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_tasks_chat_status")
                .table(Tasks::Table)
                .col(Tasks::ChatId)
                .col(Tasks::Status)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_tasks_message")
                .table(Tasks::Table)
                .col(Tasks::MessageId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TaskAssignees::Table)
                .col(big_integer(TaskAssignees::TaskId))
                .col(integer(TaskAssignees::Position))
                .col(blob(TaskAssignees::HandleIndex))
                .col(blob(TaskAssignees::HandleCt))
                .col(big_integer_null(TaskAssignees::PersonId))
                .primary_key(
                    Index::create()
                        .col(TaskAssignees::TaskId)
                        .col(TaskAssignees::Position),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TaskAssignees::Table, TaskAssignees::TaskId)
                        .to(Tasks::Table, Tasks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TaskAssignees::Table, TaskAssignees::PersonId)
                        .to(People::Table, People::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_task_assignees_handle")
                .table(TaskAssignees::Table)
                .col(TaskAssignees::HandleIndex)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Inbox::Table)
                .col(big_integer(Inbox::UpdateId).primary_key())
                .col(string_len(Inbox::Kind, 32))
                .col(blob(Inbox::Payload))
                .col(string_len(Inbox::Status, 16).default("pending"))
                .col(integer(Inbox::Attempts).default(0))
                .col(timestamp_with_time_zone_null(Inbox::NextAttemptAt))
                .col(text_null(Inbox::LastError))
                .col(timestamp_with_time_zone(Inbox::ReceivedAt))
                .col(timestamp_with_time_zone_null(Inbox::ProcessedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_inbox_status")
                .table(Inbox::Table)
                .col(Inbox::Status)
                .col(Inbox::UpdateId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(big_pk_auto(Outbox::Id))
                .col(big_integer(Outbox::ChatId))
                .col(string_len(Outbox::Method, 32))
                .col(blob(Outbox::Payload))
                .col(big_integer_null(Outbox::PersonId))
                .col(big_integer_null(Outbox::TaskId))
                .col(string_len(Outbox::Status, 16).default("pending"))
                .col(integer(Outbox::Attempts).default(0))
                .col(timestamp_with_time_zone(Outbox::NotBefore))
                .col(text_null(Outbox::LastError))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
                .col(timestamp_with_time_zone_null(Outbox::SentAt))
                .col(big_integer_null(Outbox::SentMessageId))
                .foreign_key(
                    ForeignKey::create()
                        .from(Outbox::Table, Outbox::PersonId)
                        .to(People::Table, People::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Outbox::Table, Outbox::TaskId)
                        .to(Tasks::Table, Tasks::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_status_due")
                .table(Outbox::Table)
                .col(Outbox::Status)
                .col(Outbox::NotBefore)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Providers::Table)
                .col(big_pk_auto(Providers::Id))
                .col(string_len_uniq(Providers::Name, 64))
                .col(string_len(Providers::Kind, 32).default("openai"))
                .col(text(Providers::BaseUrl))
                .col(string_len(Providers::Model, 128))
                .col(blob_null(Providers::ApiKeyCt))
                .col(integer(Providers::TimeoutMs).default(20_000))
                .col(integer(Providers::RequestsPerMinute).default(60))
                .col(boolean(Providers::RedactPii).default(true))
                .col(boolean(Providers::IsDefault).default(false))
                .col(boolean(Providers::Enabled).default(true))
                .col(text_null(Providers::LastError))
                .col(timestamp_with_time_zone_null(Providers::LastErrorAt))
                .col(timestamp_with_time_zone_null(Providers::LastOkAt))
                .col(timestamp_with_time_zone(Providers::CreatedAt))
                .col(timestamp_with_time_zone(Providers::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RetentionPolicy::Table)
                .col(integer(RetentionPolicy::Id).primary_key())
                .col(integer(RetentionPolicy::DefaultDays))
                .col(integer(RetentionPolicy::MinDays))
                .col(integer(RetentionPolicy::MaxDays))
                .col(timestamp_with_time_zone(RetentionPolicy::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PurgeRuns::Table)
                .col(big_pk_auto(PurgeRuns::Id))
                .col(string_len(PurgeRuns::Trigger, 16))
                .col(boolean(PurgeRuns::DryRun))
                .col(timestamp_with_time_zone(PurgeRuns::StartedAt))
                .col(timestamp_with_time_zone_null(PurgeRuns::FinishedAt))
                .col(big_integer(PurgeRuns::MessagesDeleted).default(0))
                .col(big_integer(PurgeRuns::TasksDeleted).default(0))
                .col(big_integer(PurgeRuns::InboxDeleted).default(0))
                .col(big_integer(PurgeRuns::OutboxDeleted).default(0))
                .col(text_null(PurgeRuns::Error))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(big_pk_auto(Consents::Id))
                .col(blob(Consents::UserIndex))
                .col(big_integer_null(Consents::ChatId))
                .col(string_len(Consents::Action, 16))
                .col(string_len(Consents::PolicyVersion, 32))
                .col(timestamp_with_time_zone(Consents::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_consents_user")
                .table(Consents::Table)
                .col(Consents::UserIndex)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OptOuts::Table)
                .col(blob(OptOuts::UserIndex).primary_key())
                .col(timestamp_with_time_zone(OptOuts::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_integer(AuditLog::Seq).primary_key())
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(string_len(AuditLog::Actor, 256))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len_null(AuditLog::Subject, 256))
                .col(text(AuditLog::Details))
                .col(blob(AuditLog::PrevHash))
                .col(blob(AuditLog::Hash))
                .to_owned(),
        )
        .await?;

        // The retention policy is one row; operators change it, never delete it.
        let seed = Query::insert()
            .into_table(RetentionPolicy::Table)
            .columns([
                RetentionPolicy::Id,
                RetentionPolicy::DefaultDays,
                RetentionPolicy::MinDays,
                RetentionPolicy::MaxDays,
                RetentionPolicy::UpdatedAt,
            ])
            .values_panic([
                1.into(),
                90.into(),
                1.into(),
                3650.into(),
                Expr::current_timestamp(),
            ])
            .to_owned();
        m.exec_stmt(seed).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, so foreign keys never block a drop.
        let tables: [DynIden; 17] = [
            AuditLog::Table.into_iden(),
            OptOuts::Table.into_iden(),
            Consents::Table.into_iden(),
            PurgeRuns::Table.into_iden(),
            RetentionPolicy::Table.into_iden(),
            Providers::Table.into_iden(),
            Outbox::Table.into_iden(),
            Inbox::Table.into_iden(),
            TaskAssignees::Table.into_iden(),
            Tasks::Table.into_iden(),
            Messages::Table.into_iden(),
            People::Table.into_iden(),
            Chats::Table.into_iden(),
            DataKeyVersions::Table.into_iden(),
            DataKeys::Table.into_iden(),
            KekVersions::Table.into_iden(),
            Settings::Table.into_iden(),
        ];
        for table in tables {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum KekVersions {
    Table,
    Version,
    CheckValue,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum DataKeys {
    Table,
    Id,
    Purpose,
    CurrentVersion,
    MinDecryptVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DataKeyVersions {
    Table,
    KeyId,
    Version,
    KekVersion,
    Wrapped,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Chats {
    Table,
    Id,
    Kind,
    TitleCt,
    Status,
    ReplyMode,
    ConfidenceThreshold,
    TimeZone,
    Language,
    RetentionDays,
    NoticeSentAt,
    DecidedAt,
    DecidedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
    UserIndex,
    KeyId,
    NameCt,
    UsernameCt,
    UsernameIndex,
    LanguageCode,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ChatId,
    MessageId,
    PersonId,
    SentAt,
    EditedAt,
    TextCt,
    ReplyToMessageId,
    IsForwarded,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    ChatId,
    MessageId,
    Kind,
    TitleCt,
    DescriptionCt,
    Priority,
    DueDate,
    Confidence,
    Classifier,
    Status,
    CardMessageId,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum TaskAssignees {
    Table,
    TaskId,
    Position,
    HandleIndex,
    HandleCt,
    PersonId,
}

#[derive(DeriveIden)]
enum Inbox {
    Table,
    UpdateId,
    Kind,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    ReceivedAt,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    ChatId,
    Method,
    Payload,
    PersonId,
    TaskId,
    Status,
    Attempts,
    NotBefore,
    LastError,
    CreatedAt,
    SentAt,
    SentMessageId,
}

#[derive(DeriveIden)]
enum Providers {
    Table,
    Id,
    Name,
    Kind,
    BaseUrl,
    Model,
    ApiKeyCt,
    TimeoutMs,
    RequestsPerMinute,
    RedactPii,
    IsDefault,
    Enabled,
    LastError,
    LastErrorAt,
    LastOkAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RetentionPolicy {
    Table,
    Id,
    DefaultDays,
    MinDays,
    MaxDays,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PurgeRuns {
    Table,
    Id,
    Trigger,
    DryRun,
    StartedAt,
    FinishedAt,
    MessagesDeleted,
    TasksDeleted,
    InboxDeleted,
    OutboxDeleted,
    Error,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    UserIndex,
    ChatId,
    Action,
    PolicyVersion,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OptOuts {
    Table,
    UserIndex,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    At,
    Actor,
    Action,
    Subject,
    Details,
    PrevHash,
    Hash,
}
