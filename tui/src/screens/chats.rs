//! Chats: pending, approved and blocked; approval and per-chat settings,
//! each through a confirmation.

use domain::i18n::Arg;
use domain::store::chats::{ChatStatus, ReplyMode};
use domain::store::retention::RetentionPolicy;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Selection, ago, cut, loading};
use crate::action::{Action, ChatRow, Job};
use crate::app::{Ctx, status_key};
use crate::keys::Command;
use crate::modals::{Confirm, Form, Modal};

/// Which chats the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChatFilter {
    /// Every chat.
    #[default]
    All,
    /// One status.
    Only(ChatStatus),
}

impl ChatFilter {
    fn next(self) -> ChatFilter {
        match self {
            ChatFilter::All => ChatFilter::Only(ChatStatus::Pending),
            ChatFilter::Only(ChatStatus::Pending) => ChatFilter::Only(ChatStatus::Approved),
            ChatFilter::Only(ChatStatus::Approved) => ChatFilter::Only(ChatStatus::Blocked),
            ChatFilter::Only(ChatStatus::Blocked) => ChatFilter::All,
        }
    }

    fn admits(self, s: ChatStatus) -> bool {
        match self {
            ChatFilter::All => true,
            ChatFilter::Only(only) => only == s,
        }
    }
}

/// The chats screen.
#[derive(Debug, Default)]
pub struct ChatsScreen {
    /// Every chat, as last loaded (`None`: not yet).
    pub rows: Option<Vec<ChatRow>>,
    /// The retention bounds.
    pub policy: Option<RetentionPolicy>,
    /// The status filter.
    pub filter: ChatFilter,
    /// The selection among the shown rows.
    pub selection: Selection,
}

fn mode_key(m: ReplyMode) -> &'static str {
    crate::modals::reply_mode_key(m)
}

impl ChatsScreen {
    /// Replaces the rows, keeping the selected chat selected.
    pub fn set(&mut self, rows: Vec<ChatRow>, policy: RetentionPolicy) {
        let selected = self.selected().map(|r| r.chat.id);
        self.rows = Some(rows);
        self.policy = Some(policy);
        let shown = self.shown();
        let keep = selected.and_then(|id| shown.iter().position(|r| r.chat.id == id));
        let len = shown.len();
        self.selection.reset(len, keep);
    }

    fn shown(&self) -> Vec<&ChatRow> {
        self.rows
            .iter()
            .flatten()
            .filter(|r| self.filter.admits(r.chat.status))
            .collect()
    }

    /// The selected chat.
    pub fn selected(&self) -> Option<&ChatRow> {
        let shown = self.shown();
        self.selection.index(shown.len()).map(|i| shown[i])
    }

    /// Answers a command of the chats keymap.
    pub fn handle(&mut self, cmd: Command, ctx: &Ctx) -> Option<Action> {
        let len = self.shown().len();
        if self.selection.navigate(cmd, len, 10) {
            return None;
        }
        if cmd == Command::AddChat {
            return Some(Action::Open(Box::new(Modal::Form(Box::new(
                Form::chat_by_id(),
            )))));
        }
        if cmd == Command::Filter {
            self.filter = self.filter.next();
            let len = self.shown().len();
            self.selection.reset(len, Some(0));
            return None;
        }
        let row = self.selected()?;
        let id = row.chat.id;
        let text = &ctx.text;
        let name = row
            .title
            .clone()
            .unwrap_or_else(|| text.t("console-chat-untitled"));
        let decide = |status: ChatStatus, title: &str, body: &str| {
            let c = Confirm::new(
                text.tr(title, &[("chat", id.into())]),
                vec![
                    text.tr(body, &[("chat", id.into()), ("title", Arg::Str(&name))]),
                    text.t("console-confirm-audited"),
                ],
                Job::DecideChat {
                    chat_id: id,
                    status,
                },
            );
            Some(Action::Open(Box::new(Modal::Confirm(
                if status == ChatStatus::Approved {
                    c
                } else {
                    c.dangerous()
                },
            ))))
        };
        let form = |f: Form| Some(Action::Open(Box::new(Modal::Form(Box::new(f)))));
        match cmd {
            Command::Approve => decide(
                ChatStatus::Approved,
                "console-confirm-approve-title",
                "console-confirm-approve",
            ),
            Command::Block => decide(
                ChatStatus::Blocked,
                "console-confirm-block-title",
                "console-confirm-block",
            ),
            Command::ResetChat => decide(
                ChatStatus::Pending,
                "console-confirm-reset-title",
                "console-confirm-reset",
            ),
            Command::ReplyMode => form(Form::reply_mode(id, row.chat.reply_mode)),
            Command::Confidence => form(Form::confidence(id, row.chat.confidence_threshold)),
            Command::ChatRetention => {
                let policy = self.policy?;
                form(Form::chat_retention(id, row.chat.retention_days, policy))
            }
            _ => None,
        }
    }

    /// Draws the list and the selected chat's details.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        if self.rows.is_none() {
            return loading(frame, area, ctx);
        }
        let t = ctx.theme;
        let text = &ctx.text;
        let [top, table_area, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(3),
        ])
        .areas(area);

        let all = self.rows.as_deref().unwrap_or_default();
        let n = |s: ChatStatus| all.iter().filter(|r| r.chat.status == s).count() as i64;
        let mut spans = vec![Span::styled(
            format!(" {}: ", text.t("console-chats-filter")),
            t.dim(),
        )];
        for (f, label) in [
            (
                ChatFilter::All,
                text.tr("console-chats-all", &[("n", (all.len() as i64).into())]),
            ),
            (
                ChatFilter::Only(ChatStatus::Pending),
                text.tr(
                    "console-chats-pending",
                    &[("n", n(ChatStatus::Pending).into())],
                ),
            ),
            (
                ChatFilter::Only(ChatStatus::Approved),
                text.tr(
                    "console-chats-approved",
                    &[("n", n(ChatStatus::Approved).into())],
                ),
            ),
            (
                ChatFilter::Only(ChatStatus::Blocked),
                text.tr(
                    "console-chats-blocked",
                    &[("n", n(ChatStatus::Blocked).into())],
                ),
            ),
        ] {
            let style = if f == self.filter {
                t.selected()
            } else {
                t.dim()
            };
            spans.push(Span::styled(format!(" {label} "), style));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), top);

        let policy = self.policy;
        let shown = self.shown();
        if shown.is_empty() {
            let msg = if all.is_empty() {
                text.t("console-chats-empty")
            } else {
                text.t("console-chats-none-match")
            };
            frame.render_widget(
                Paragraph::new(Line::styled(msg, t.dim()))
                    .wrap(ratatui::widgets::Wrap { trim: false })
                    .block(
                        ratatui::widgets::Block::new()
                            .padding(ratatui::widgets::Padding::horizontal(1)),
                    ),
                table_area,
            );
            return;
        }
        let rows: Vec<Row> = shown
            .iter()
            .map(|r| {
                let c = &r.chat;
                let status_style = match c.status {
                    ChatStatus::Pending => t.warn(),
                    ChatStatus::Approved => t.ok(),
                    ChatStatus::Blocked => t.error(),
                };
                let retention = match (c.retention_days, policy) {
                    (Some(d), _) => text.tr("console-days", &[("n", i64::from(d).into())]),
                    (None, Some(p)) => text.tr(
                        "console-days-default",
                        &[("n", i64::from(p.default_days).into())],
                    ),
                    (None, None) => "—".to_owned(),
                };
                Row::new(vec![
                    Cell::from(c.id.to_string()),
                    Cell::from(Span::styled(text.t(status_key(c.status)), status_style)),
                    Cell::from(text.t(mode_key(c.reply_mode))),
                    Cell::from(format!("{:.2}", c.confidence_threshold)),
                    Cell::from(retention),
                    Cell::from(
                        r.title
                            .clone()
                            .unwrap_or_else(|| text.t("console-chat-untitled")),
                    ),
                ])
            })
            .collect();
        let header = Row::new(vec![
            text.t("console-col-chat-id"),
            text.t("console-col-status"),
            text.t("console-col-mode"),
            text.t("console-col-confidence"),
            text.t("console-col-retention"),
            text.t("console-col-title"),
        ])
        .style(t.heading());
        let table = Table::new(
            rows,
            [
                Constraint::Length(15),
                Constraint::Length(11),
                Constraint::Length(9),
                Constraint::Length(6),
                Constraint::Length(14),
                Constraint::Fill(1),
            ],
        )
        .header(header)
        .row_highlight_style(t.selected())
        .highlight_symbol("▶ ");
        frame.render_stateful_widget(table, table_area, &mut self.selection.state);

        if let Some(r) = self.selected() {
            let c = &r.chat;
            let decided = match (&c.decided_by, c.decided_at) {
                (Some(by), Some(at)) => text.tr(
                    "console-chat-decided",
                    &[("by", Arg::Str(by)), ("ago", Arg::Str(&ago(ctx, at)))],
                ),
                _ => text.t("console-chat-undecided"),
            };
            let lines = vec![
                Line::from(vec![
                    Span::styled(format!(" {} ", c.id), t.heading()),
                    Span::raw(cut(
                        &format!(
                            "{} · {} · {}",
                            text.t(kind_key(c.kind)),
                            c.time_zone,
                            c.language.as_deref().unwrap_or("—")
                        ),
                        60,
                    )),
                ]),
                Line::styled(format!(" {decided}"), t.dim()),
                Line::styled(
                    format!(
                        " {}",
                        match c.notice_sent_at {
                            Some(at) => text.tr(
                                "console-chat-notice-sent",
                                &[("ago", Arg::Str(&ago(ctx, at)))]
                            ),
                            None => text.t("console-chat-notice-not-sent"),
                        }
                    ),
                    t.dim(),
                ),
            ];
            frame.render_widget(Paragraph::new(lines), detail);
        }
    }
}

fn kind_key(k: domain::store::chats::ChatKind) -> &'static str {
    use domain::store::chats::ChatKind;
    match k {
        ChatKind::Private => "console-kind-private",
        ChatKind::Group => "console-kind-group",
        ChatKind::Supergroup => "console-kind-supergroup",
        ChatKind::Channel => "console-kind-channel",
        ChatKind::Unknown => "console-kind-unknown",
    }
}
