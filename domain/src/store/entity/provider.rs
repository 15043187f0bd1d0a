use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "providers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub model: String,
    pub api_key_ct: Option<Vec<u8>>,
    pub timeout_ms: i32,
    pub requests_per_minute: i32,
    pub redact_pii: bool,
    pub is_default: bool,
    pub enabled: bool,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTimeUtc>,
    pub last_ok_at: Option<DateTimeUtc>,
    pub circuit_state: Option<String>,
    pub circuit_changed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
