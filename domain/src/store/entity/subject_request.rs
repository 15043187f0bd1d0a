use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "subject_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_index: Vec<u8>,
    pub kind: String,
    pub origin: String,
    pub status: String,
    pub requested_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub parts: Option<i32>,
    pub bytes: Option<i64>,
    pub items: Option<i64>,
    pub actor: Option<String>,
    pub failure: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
