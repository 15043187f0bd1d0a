use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub chat_id: i64,
    pub message_id: Option<i64>,
    pub kind: String,
    pub title_ct: Vec<u8>,
    pub description_ct: Option<Vec<u8>>,
    pub priority: String,
    pub due_date: Option<Date>,
    pub confidence: f64,
    pub classifier: String,
    pub status: String,
    pub card_message_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
