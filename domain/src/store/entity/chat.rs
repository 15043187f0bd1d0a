use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "chats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub kind: String,
    pub title_ct: Option<Vec<u8>>,
    pub status: String,
    pub reply_mode: String,
    pub confidence_threshold: f64,
    pub time_zone: String,
    pub language: Option<String>,
    pub retention_days: Option<i32>,
    pub notice_sent_at: Option<DateTimeUtc>,
    pub pending_notice_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
