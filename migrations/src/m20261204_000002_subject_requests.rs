//! Data-subject requests (`/export`, `/forget`, `tasktracker export`), and
//! the indexes erasure needs.
//!
//! `subject_requests` is keyed by the blind index of the person's Telegram
//! user id, like `consents`: it holds no personal data, only what was asked,
//! when, and how it ended. The chat a request came from is not kept: requests
//! come from the private chat with the person, whose id is their Telegram
//! user id, which is never stored.
//!
//! The indexes make erasure and the outbox's cascades cheap: deleting tasks
//! sets `outbox.task_id` to NULL (a scan per task without an index), and
//! erasure looks up the outbox and assignments by person.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SubjectRequests::Table)
                .col(big_pk_auto(SubjectRequests::Id))
                .col(blob(SubjectRequests::UserIndex))
                .col(string_len(SubjectRequests::Kind, 16))
                .col(string_len(SubjectRequests::Origin, 16))
                .col(string_len(SubjectRequests::Status, 16))
                .col(timestamp_with_time_zone(SubjectRequests::RequestedAt))
                .col(timestamp_with_time_zone_null(SubjectRequests::ExpiresAt))
                .col(timestamp_with_time_zone_null(SubjectRequests::CompletedAt))
                .col(integer_null(SubjectRequests::Parts))
                .col(big_integer_null(SubjectRequests::Bytes))
                .col(big_integer_null(SubjectRequests::Items))
                .col(string_len_null(SubjectRequests::Actor, 256))
                .col(string_len_null(SubjectRequests::Failure, 256))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_subject_requests_user")
                .table(SubjectRequests::Table)
                .col(SubjectRequests::UserIndex)
                .col(SubjectRequests::Kind)
                .col(SubjectRequests::RequestedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_subject_requests_status")
                .table(SubjectRequests::Table)
                .col(SubjectRequests::Status)
                .to_owned(),
        )
        .await?;

        for (name, table, cols) in [
            (
                "idx_outbox_person",
                Outbox::Table.into_iden(),
                vec![Outbox::PersonId.into_iden(), Outbox::Status.into_iden()],
            ),
            (
                "idx_outbox_task",
                Outbox::Table.into_iden(),
                vec![Outbox::TaskId.into_iden()],
            ),
            (
                "idx_task_assignees_person",
                TaskAssignees::Table.into_iden(),
                vec![TaskAssignees::PersonId.into_iden()],
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(table);
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (
                "idx_task_assignees_person",
                TaskAssignees::Table.into_iden(),
            ),
            ("idx_outbox_task", Outbox::Table.into_iden()),
            ("idx_outbox_person", Outbox::Table.into_iden()),
        ] {
            m.drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table(SubjectRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SubjectRequests {
    Table,
    Id,
    UserIndex,
    Kind,
    Origin,
    Status,
    RequestedAt,
    ExpiresAt,
    CompletedAt,
    Parts,
    Bytes,
    Items,
    Actor,
    Failure,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    PersonId,
    Status,
    TaskId,
}

#[derive(DeriveIden)]
enum TaskAssignees {
    Table,
    PersonId,
}
