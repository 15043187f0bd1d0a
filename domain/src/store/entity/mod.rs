//! sea-orm entities, one per table. Private to `domain`: repositories
//! return the crate's own types, never these models.
#![allow(missing_docs, missing_debug_implementations)]

pub(crate) mod audit_entry;
pub(crate) mod chat;
pub(crate) mod consent;
pub(crate) mod data_key;
pub(crate) mod data_key_version;
pub(crate) mod inbox;
pub(crate) mod kek_version;
pub(crate) mod message;
pub(crate) mod opt_out;
pub(crate) mod outbox;
pub(crate) mod person;
pub(crate) mod provider;
pub(crate) mod purge_run;
pub(crate) mod retention_policy;
pub(crate) mod setting;
pub(crate) mod subject_request;
pub(crate) mod task;
pub(crate) mod task_assignee;
