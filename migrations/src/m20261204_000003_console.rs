//! Provider health for the console: the circuit breaker's state as the bot
//! last reported it (`closed`, `open` or `half_open`), and when it changed.
//!
//! Both columns are nullable: a provider the bot has not used yet has no
//! reported state. SQLite adds one column per `ALTER TABLE`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Providers::Table)
                .add_column(string_len_null(Providers::CircuitState, 16))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Providers::Table)
                .add_column(timestamp_with_time_zone_null(Providers::CircuitChangedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Providers::Table)
                .drop_column(Providers::CircuitChangedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Providers::Table)
                .drop_column(Providers::CircuitState)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Providers {
    Table,
    CircuitState,
    CircuitChangedAt,
}
