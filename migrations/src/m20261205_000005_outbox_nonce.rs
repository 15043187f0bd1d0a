//! `outbox.payload_nonce`: a random value, unique per row, that the sealed
//! payload is bound to (its AAD) instead of the row id. The payload can then
//! be sealed before the row exists, so queueing an item is one INSERT (and
//! many items one multi-row INSERT) instead of an INSERT and an UPDATE.
//! Rows written before it keep a NULL nonce and their id-bound payload.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .add_column(blob_null(Outbox::PayloadNonce))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .drop_column(Outbox::PayloadNonce)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    PayloadNonce,
}
