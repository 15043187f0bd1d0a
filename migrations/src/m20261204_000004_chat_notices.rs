//! Two notices per chat instead of one: `pending_notice_at` records the one
//! notice the bot posts in a chat an operator has not approved yet, and the
//! existing `notice_sent_at` now means only the privacy notice, posted on
//! joining an approved chat or on the first message after approval.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Chats::Table)
                .add_column(timestamp_with_time_zone_null(Chats::PendingNoticeAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Chats::Table)
                .drop_column(Chats::PendingNoticeAt)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Chats {
    Table,
    PendingNoticeAt,
}
