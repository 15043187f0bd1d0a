//! Forms: fields to fill in, checked before anything reaches the database.
//! What a form is for ([`FormPurpose`]) decides what submitting does: the
//! chat and retention forms hand over to a confirmation carrying their job;
//! the provider form runs its job and stays open until it is saved, so a
//! refusal (a duplicate name) is shown where it can be fixed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use domain::Secret;
use domain::classify::openai::is_loopback;
use domain::i18n::Arg;
use domain::operator::{ApiKeyChange, ProviderInput};
use domain::store::chats::ReplyMode;
use domain::store::providers::Provider;
use domain::store::retention::RetentionPolicy;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::{Confirm, Modal, Outcome, centered};
use crate::action::{Action, Job};
use crate::app::Ctx;

/// Longest value a text field takes.
const MAX_LEN: usize = 512;

/// What kind of value a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A secret, shown masked. `stored`: a value is stored and kept while
    /// the field stays empty; `remove`: the operator asked to remove it.
    Secret {
        /// A value is stored.
        stored: bool,
        /// Remove the stored value.
        remove: bool,
    },
    /// Digits (and a decimal point).
    Number,
    /// On or off (`value` is "1" or "0").
    Toggle,
    /// One of fixed values (`value` is one of them).
    Choice(Vec<String>),
}

/// One field.
#[derive(Clone, PartialEq, Eq)]
pub struct Field {
    /// Locale key of the label.
    pub label: &'static str,
    /// The kind.
    pub kind: FieldKind,
    /// The value as typed.
    pub value: String,
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A base URL may hold a password or a key.
        let url;
        let value = match self.kind {
            FieldKind::Secret { .. } => "[redacted]",
            _ if self.label == "console-field-base-url" => {
                url = domain::config::redact_endpoint(&self.value);
                url.as_str()
            }
            _ => self.value.as_str(),
        };
        f.debug_struct("Field")
            .field("label", &self.label)
            .field("kind", &self.kind)
            .field("value", &value)
            .finish()
    }
}

impl Field {
    fn text(label: &'static str, value: impl Into<String>) -> Field {
        Field {
            label,
            kind: FieldKind::Text,
            value: value.into(),
        }
    }

    fn number(label: &'static str, value: impl ToString) -> Field {
        Field {
            label,
            kind: FieldKind::Number,
            value: value.to_string(),
        }
    }

    fn toggle(label: &'static str, on: bool) -> Field {
        Field {
            label,
            kind: FieldKind::Toggle,
            value: if on { "1" } else { "0" }.to_owned(),
        }
    }

    fn choice(label: &'static str, values: &[&str], value: &str) -> Field {
        Field {
            label,
            kind: FieldKind::Choice(values.iter().map(|v| (*v).to_owned()).collect()),
            value: value.to_owned(),
        }
    }

    fn on(&self) -> bool {
        self.value == "1"
    }

    fn cycle(&mut self, forward: bool) {
        match &self.kind {
            FieldKind::Toggle => {
                self.value = if self.on() { "0" } else { "1" }.to_owned();
            }
            FieldKind::Choice(values) if !values.is_empty() => {
                let i = values.iter().position(|v| *v == self.value).unwrap_or(0);
                let n = values.len();
                let next = if forward {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.value = values[next].clone();
            }
            _ => {}
        }
    }

    fn accepts(&self, c: char) -> bool {
        match self.kind {
            FieldKind::Text | FieldKind::Secret { .. } => !c.is_control(),
            FieldKind::Number => c.is_ascii_digit() || c == '.' || c == '-',
            FieldKind::Toggle | FieldKind::Choice(_) => false,
        }
    }
}

/// What a form is for.
#[derive(Debug, Clone, PartialEq)]
pub enum FormPurpose {
    /// Add (`id` `None`) or edit a provider.
    Provider {
        /// The provider being edited.
        id: Option<i64>,
    },
    /// A chat's reply mode.
    ReplyMode {
        /// The chat.
        chat_id: i64,
    },
    /// A chat's confidence threshold.
    Confidence {
        /// The chat.
        chat_id: i64,
    },
    /// A chat's retention override, within the policy's bounds.
    ChatRetention {
        /// The chat.
        chat_id: i64,
        /// The policy it must fit.
        policy: RetentionPolicy,
    },
    /// The retention policy.
    Policy,
    /// A search of the audit log.
    AuditSearch,
    /// Approving a chat by id.
    ChatById,
}

/// A form.
#[derive(Debug, Clone)]
pub struct Form {
    /// Locale key of the title.
    pub title: &'static str,
    /// The fields.
    pub fields: Vec<Field>,
    /// The focused field.
    pub focus: usize,
    /// What submitting does.
    pub purpose: FormPurpose,
    /// Why the last submission was refused.
    pub error: Option<String>,
    /// A job is running for it.
    pub pending: bool,
}

impl Form {
    fn new(title: &'static str, purpose: FormPurpose, fields: Vec<Field>) -> Form {
        Form {
            title,
            fields,
            focus: 0,
            purpose,
            error: None,
            pending: false,
        }
    }

    /// The form for a new provider (`None`) or for editing one.
    pub fn provider(existing: Option<&Provider>) -> Form {
        let (id, name, url, model, stored, timeout, rpm, redact, default, enabled) = match existing
        {
            Some(p) => (
                Some(p.id),
                p.name.clone(),
                p.base_url.clone(),
                p.model.clone(),
                p.api_key_ct.is_some(),
                p.timeout_ms,
                p.requests_per_minute,
                p.redact_pii,
                p.is_default,
                p.enabled,
            ),
            None => (
                None,
                String::new(),
                String::new(),
                String::new(),
                false,
                20_000,
                60,
                true,
                false,
                true,
            ),
        };
        Form::new(
            if id.is_some() {
                "console-form-edit-provider"
            } else {
                "console-form-new-provider"
            },
            FormPurpose::Provider { id },
            vec![
                Field::text("console-field-name", name),
                Field::choice("console-field-kind", &["openai"], "openai"),
                Field::text("console-field-base-url", url),
                Field::text("console-field-model", model),
                Field {
                    label: "console-field-api-key",
                    kind: FieldKind::Secret {
                        stored,
                        remove: false,
                    },
                    value: String::new(),
                },
                Field::number("console-field-timeout", timeout),
                Field::number("console-field-rpm", rpm),
                Field::toggle("console-field-redact", redact),
                Field::toggle("console-field-default", default),
                Field::toggle("console-field-enabled", enabled),
            ],
        )
    }

    /// A chat's reply mode.
    pub fn reply_mode(chat_id: i64, current: ReplyMode) -> Form {
        let values: Vec<&str> = ReplyMode::ALL.iter().map(|m| m.as_str()).collect();
        Form::new(
            "console-form-reply-mode",
            FormPurpose::ReplyMode { chat_id },
            vec![Field::choice(
                "console-field-reply-mode",
                &values,
                current.as_str(),
            )],
        )
    }

    /// A chat's confidence threshold.
    pub fn confidence(chat_id: i64, current: f64) -> Form {
        Form::new(
            "console-form-confidence",
            FormPurpose::Confidence { chat_id },
            vec![Field::number(
                "console-field-confidence",
                format!("{current:.2}"),
            )],
        )
    }

    /// A chat's retention override (empty: the default).
    pub fn chat_retention(chat_id: i64, current: Option<i32>, policy: RetentionPolicy) -> Form {
        Form::new(
            "console-form-chat-retention",
            FormPurpose::ChatRetention { chat_id, policy },
            vec![Field::number(
                "console-field-retention-days",
                current.map(|d| d.to_string()).unwrap_or_default(),
            )],
        )
    }

    /// The retention policy.
    pub fn policy(current: RetentionPolicy) -> Form {
        Form::new(
            "console-form-policy",
            FormPurpose::Policy,
            vec![
                Field::number("console-field-default-days", current.default_days),
                Field::number("console-field-min-days", current.min_days),
                Field::number("console-field-max-days", current.max_days),
            ],
        )
    }

    /// Approving a chat by its id, before the bot has seen it.
    pub fn chat_by_id() -> Form {
        Form::new(
            "console-form-add-chat",
            FormPurpose::ChatById,
            vec![Field::number("console-field-chat-id", "")],
        )
    }

    /// A search of the audit log.
    pub fn audit_search(current: &str) -> Form {
        Form::new(
            "console-form-search",
            FormPurpose::AuditSearch,
            vec![Field::text("console-field-search", current)],
        )
    }

    pub(super) fn handle_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Outcome {
        if self.pending {
            // Waiting for the save: only Esc (give up waiting) is taken.
            return if key.code == KeyCode::Esc {
                Outcome::Close
            } else {
                Outcome::Stay
            };
        }
        let n = self.fields.len();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Outcome::Close,
            KeyCode::Enter => return self.submit(ctx),
            KeyCode::Char('s') if ctrl => return self.submit(ctx),
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % n.max(1),
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + n.max(1) - 1) % n.max(1),
            _ => {
                let Some(field) = self.fields.get_mut(self.focus) else {
                    return Outcome::Stay;
                };
                match key.code {
                    KeyCode::Left => field.cycle(false),
                    KeyCode::Right | KeyCode::Char(' ')
                        if matches!(field.kind, FieldKind::Toggle | FieldKind::Choice(_)) =>
                    {
                        field.cycle(true)
                    }
                    KeyCode::Backspace => {
                        field.value.pop();
                    }
                    KeyCode::Char('u') if ctrl => field.value.clear(),
                    KeyCode::Delete => {
                        if let FieldKind::Secret {
                            stored: true,
                            remove,
                        } = &mut field.kind
                        {
                            *remove = !*remove;
                            field.value.clear();
                        } else {
                            field.value.clear();
                        }
                    }
                    KeyCode::Char(c)
                        if !ctrl && field.accepts(c) && field.value.chars().count() < MAX_LEN =>
                    {
                        field.value.push(c);
                        if let FieldKind::Secret { remove, .. } = &mut field.kind {
                            *remove = false;
                        }
                    }
                    _ => {}
                }
            }
        }
        self.error = None;
        Outcome::Stay
    }

    fn value(&self, label: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.trim())
            .unwrap_or_default()
    }

    fn field(&self, label: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.label == label)
    }

    fn int<T: std::str::FromStr>(&self, label: &'static str, ctx: &Ctx) -> Result<T, String> {
        self.value(label).parse().map_err(|_| {
            ctx.text.tr(
                "console-error-number",
                &[("field", Arg::Str(&ctx.text.t(label)))],
            )
        })
    }

    /// Checks the fields and says what submitting does.
    fn build(&self, ctx: &Ctx) -> Result<Action, String> {
        let text = &ctx.text;
        match &self.purpose {
            FormPurpose::Provider { id } => {
                let base_url = self.value("console-field-base-url").to_owned();
                let redact = self.field("console-field-redact").is_some_and(Field::on);
                if !redact && !is_loopback(&base_url) {
                    return Err(text.t("console-error-redact-remote"));
                }
                let api_key = match self
                    .field("console-field-api-key")
                    .map(|f| (&f.kind, &f.value))
                {
                    Some((FieldKind::Secret { remove: true, .. }, _)) => ApiKeyChange::Remove,
                    Some((_, v)) if !v.is_empty() => ApiKeyChange::Set(Secret::new(v.clone())),
                    _ => ApiKeyChange::Keep,
                };
                let input = ProviderInput {
                    name: self.value("console-field-name").to_owned(),
                    kind: self.value("console-field-kind").to_owned(),
                    base_url,
                    model: self.value("console-field-model").to_owned(),
                    api_key,
                    timeout_ms: self.int("console-field-timeout", ctx)?,
                    requests_per_minute: self.int("console-field-rpm", ctx)?,
                    redact_pii: redact,
                    is_default: self.field("console-field-default").is_some_and(Field::on),
                    enabled: self.field("console-field-enabled").is_some_and(Field::on),
                };
                Ok(Action::Run(Job::SaveProvider {
                    id: *id,
                    input: Box::new(input),
                }))
            }
            FormPurpose::ReplyMode { chat_id } => {
                let mode: ReplyMode = self
                    .value("console-field-reply-mode")
                    .parse()
                    .map_err(|e: String| e)?;
                Ok(confirm(Confirm::new(
                    text.tr(
                        "console-confirm-reply-mode-title",
                        &[("chat", (*chat_id).into())],
                    ),
                    vec![text.tr(
                        "console-confirm-reply-mode",
                        &[
                            ("chat", (*chat_id).into()),
                            ("mode", Arg::Str(&text.t(reply_mode_key(mode)))),
                        ],
                    )],
                    Job::SetReplyMode {
                        chat_id: *chat_id,
                        mode,
                    },
                )))
            }
            FormPurpose::Confidence { chat_id } => {
                let value: f64 = self
                    .value("console-field-confidence")
                    .parse()
                    .ok()
                    .filter(|v: &f64| (0.0..=1.0).contains(v))
                    .ok_or_else(|| text.t("console-error-confidence"))?;
                let shown = format!("{value:.2}");
                Ok(confirm(Confirm::new(
                    text.tr(
                        "console-confirm-confidence-title",
                        &[("chat", (*chat_id).into())],
                    ),
                    vec![text.tr(
                        "console-confirm-confidence",
                        &[("chat", (*chat_id).into()), ("value", Arg::Str(&shown))],
                    )],
                    Job::SetConfidence {
                        chat_id: *chat_id,
                        value,
                    },
                )))
            }
            FormPurpose::ChatRetention { chat_id, policy } => {
                let raw = self.value("console-field-retention-days");
                let days = if raw.is_empty() {
                    None
                } else {
                    let d: i32 = self.int("console-field-retention-days", ctx)?;
                    if !(policy.min_days..=policy.max_days).contains(&d) {
                        return Err(text.tr(
                            "console-error-retention-bounds",
                            &[
                                ("min", i64::from(policy.min_days).into()),
                                ("max", i64::from(policy.max_days).into()),
                            ],
                        ));
                    }
                    Some(d)
                };
                let body = match days {
                    Some(d) => text.tr(
                        "console-confirm-chat-retention",
                        &[("chat", (*chat_id).into()), ("days", i64::from(d).into())],
                    ),
                    None => text.tr(
                        "console-confirm-chat-retention-default",
                        &[
                            ("chat", (*chat_id).into()),
                            ("days", i64::from(policy.default_days).into()),
                        ],
                    ),
                };
                Ok(confirm(Confirm::new(
                    text.tr(
                        "console-confirm-chat-retention-title",
                        &[("chat", (*chat_id).into())],
                    ),
                    vec![body, text.t("console-confirm-retention-note")],
                    Job::SetChatRetention {
                        chat_id: *chat_id,
                        days,
                    },
                )))
            }
            FormPurpose::Policy => {
                let p = RetentionPolicy {
                    default_days: self.int("console-field-default-days", ctx)?,
                    min_days: self.int("console-field-min-days", ctx)?,
                    max_days: self.int("console-field-max-days", ctx)?,
                };
                if p.check().is_err() {
                    return Err(text.tr(
                        "console-error-policy",
                        &[(
                            "max",
                            i64::from(domain::store::retention::MAX_RETENTION_DAYS).into(),
                        )],
                    ));
                }
                Ok(confirm(Confirm::new(
                    text.t("console-confirm-policy-title"),
                    vec![
                        text.tr(
                            "console-confirm-policy",
                            &[
                                ("default", i64::from(p.default_days).into()),
                                ("min", i64::from(p.min_days).into()),
                                ("max", i64::from(p.max_days).into()),
                            ],
                        ),
                        text.t("console-confirm-retention-note"),
                    ],
                    Job::SetPolicy(p),
                )))
            }
            FormPurpose::ChatById => {
                let chat_id: i64 = self
                    .value("console-field-chat-id")
                    .parse()
                    .ok()
                    .filter(|id| *id != 0)
                    .ok_or_else(|| text.t("console-error-chat-id"))?;
                Ok(confirm(Confirm::new(
                    text.tr("console-confirm-approve-title", &[("chat", chat_id.into())]),
                    vec![
                        text.tr("console-confirm-approve-id", &[("chat", chat_id.into())]),
                        text.t("console-confirm-audited"),
                    ],
                    Job::DecideChat {
                        chat_id,
                        status: domain::store::chats::ChatStatus::Approved,
                    },
                )))
            }
            FormPurpose::AuditSearch => Ok(Action::AuditSearch(
                self.value("console-field-search").to_owned(),
            )),
        }
    }

    fn submit(&mut self, ctx: &Ctx) -> Outcome {
        match self.build(ctx) {
            Err(e) => {
                self.error = Some(e);
                Outcome::Stay
            }
            Ok(action @ Action::Run(_)) => {
                self.pending = true;
                self.error = None;
                Outcome::StayWith(action)
            }
            Ok(action) => Outcome::CloseWith(action),
        }
    }

    fn shown_value(&self, f: &Field, ctx: &Ctx) -> String {
        let text = &ctx.text;
        match &f.kind {
            FieldKind::Secret { remove: true, .. } => text.t("console-secret-remove"),
            FieldKind::Secret { stored, .. } if f.value.is_empty() => text.t(if *stored {
                "console-secret-stored"
            } else {
                "console-secret-none"
            }),
            FieldKind::Secret { .. } => "•".repeat(f.value.chars().count().min(32)),
            FieldKind::Toggle => format!("[{}]", if f.on() { "x" } else { " " }),
            FieldKind::Choice(_) => format!("‹ {} ›", f.value),
            FieldKind::Text | FieldKind::Number => f.value.clone(),
        }
    }

    pub(super) fn render(&self, frame: &mut Frame, ctx: &Ctx) {
        let t = ctx.theme;
        let label_width = self
            .fields
            .iter()
            .map(|f| ctx.text.t(f.label).chars().count())
            .max()
            .unwrap_or(0)
            .min(24);
        let width = 72u16;
        let value_width = usize::from(width).saturating_sub(label_width + 8);
        let mut lines: Vec<Line> = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus && !self.pending;
            let mut value = self.shown_value(f, ctx);
            let count = value.chars().count();
            if count > value_width {
                // Show the end of a long value, where the cursor is.
                value = value.chars().skip(count - value_width).collect();
            }
            let label = format!("{:>label_width$} ", ctx.text.t(f.label));
            let mut spans = vec![
                Span::styled(label, if focused { t.focus() } else { t.dim() }),
                Span::styled(value, if focused { t.focus() } else { t.text() }),
            ];
            if focused
                && matches!(
                    f.kind,
                    FieldKind::Text | FieldKind::Number | FieldKind::Secret { .. }
                )
            {
                spans.push(Span::styled("▏", t.focus()));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::raw(""));
        let footer = if self.pending {
            Line::styled(ctx.text.t("console-form-saving"), t.dim())
        } else if let Some(e) = &self.error {
            Line::styled(e.clone(), t.error())
        } else {
            Line::styled(self.hint(ctx), t.dim())
        };
        lines.push(footer);
        lines.push(Line::from(vec![
            Span::styled("Enter", t.key()),
            Span::raw(format!(" {}  ", ctx.text.t("console-form-submit"))),
            Span::styled("Tab", t.key()),
            Span::raw(format!(" {}  ", ctx.text.t("console-form-next"))),
            Span::styled("Esc", t.key()),
            Span::raw(format!(" {}", ctx.text.t("console-form-cancel"))),
        ]));
        let height = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let area = centered(frame.area(), width, height);
        frame.render_widget(Clear, area);
        let block = Block::bordered()
            .border_style(t.border())
            .title(Span::styled(
                format!(" {} ", ctx.text.t(self.title)),
                t.heading(),
            ))
            .padding(Padding::horizontal(1));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [body] = Layout::vertical([Constraint::Fill(1)]).areas(inner);
        frame.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            body,
        );
    }

    /// The hint for the focused field.
    fn hint(&self, ctx: &Ctx) -> String {
        match self.fields.get(self.focus).map(|f| (&f.kind, f.label)) {
            Some((FieldKind::Secret { stored: true, .. }, _)) => {
                ctx.text.t("console-hint-secret-stored")
            }
            Some((FieldKind::Secret { .. }, _)) => ctx.text.t("console-hint-secret"),
            Some((FieldKind::Toggle | FieldKind::Choice(_), _)) => {
                ctx.text.t("console-hint-toggle")
            }
            Some((_, "console-field-retention-days")) => match &self.purpose {
                FormPurpose::ChatRetention { policy, .. } => ctx.text.tr(
                    "console-hint-retention-days",
                    &[
                        ("min", i64::from(policy.min_days).into()),
                        ("max", i64::from(policy.max_days).into()),
                        ("default", i64::from(policy.default_days).into()),
                    ],
                ),
                _ => String::new(),
            },
            Some((_, "console-field-confidence")) => ctx.text.t("console-hint-confidence"),
            Some((_, "console-field-base-url")) => ctx.text.t("console-hint-base-url"),
            Some((_, "console-field-search")) => ctx.text.t("console-hint-search"),
            Some((_, "console-field-chat-id")) => ctx.text.t("console-hint-chat-id"),
            _ => String::new(),
        }
    }
}

fn confirm(c: Confirm) -> Action {
    Action::Open(Box::new(Modal::Confirm(c)))
}

/// The locale key naming a reply mode.
pub fn reply_mode_key(m: ReplyMode) -> &'static str {
    match m {
        ReplyMode::Reply => "console-mode-reply",
        ReplyMode::React => "console-mode-react",
        ReplyMode::Silent => "console-mode-silent",
    }
}
