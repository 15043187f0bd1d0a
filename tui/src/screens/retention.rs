//! Retention: the global default and bounds, per-chat overrides with what
//! each would purge now, purge now (confirmed, with the counts), and the
//! recent purge runs.

use domain::i18n::Arg;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Padding, Paragraph, Row, Table};

use super::{Selection, count, count_i, cut, loading, when};
use crate::action::{Action, Job, RetentionData};
use crate::app::Ctx;
use crate::keys::Command;
use crate::modals::{Confirm, Form, Modal};

/// The retention screen.
#[derive(Debug, Default)]
pub struct RetentionScreen {
    /// What it last loaded.
    pub data: Option<RetentionData>,
    /// The selected chat in the preview.
    pub selection: Selection,
}

impl RetentionScreen {
    /// Replaces the data, keeping the selected chat selected.
    pub fn set(&mut self, data: RetentionData) {
        let selected = self.selected_chat();
        let keep = selected.and_then(|id| data.preview.chats.iter().position(|c| c.chat_id == id));
        let len = data.preview.chats.len();
        self.data = Some(data);
        self.selection.reset(len, keep);
    }

    fn selected_chat(&self) -> Option<i64> {
        let d = self.data.as_ref()?;
        self.selection
            .index(d.preview.chats.len())
            .map(|i| d.preview.chats[i].chat_id)
    }

    /// Answers a command of the retention keymap.
    pub fn handle(&mut self, cmd: Command, ctx: &Ctx) -> Option<Action> {
        let d = self.data.as_ref()?;
        if self.selection.navigate(cmd, d.preview.chats.len(), 5) {
            return None;
        }
        let text = &ctx.text;
        let open = |m: Modal| Some(Action::Open(Box::new(m)));
        match cmd {
            Command::EditPolicy => open(Modal::Form(Box::new(Form::policy(d.preview.policy)))),
            Command::ChatRetention => {
                let i = self.selection.index(d.preview.chats.len())?;
                let c = &d.preview.chats[i];
                open(Modal::Form(Box::new(Form::chat_retention(
                    c.chat_id,
                    c.override_days,
                    d.preview.policy,
                ))))
            }
            Command::Purge => {
                let p = &d.preview;
                open(Modal::Confirm(
                    Confirm::new(
                        text.t("console-confirm-purge-title"),
                        vec![
                            text.tr(
                                "console-confirm-purge",
                                &[
                                    ("messages", i64::try_from(p.messages()).unwrap_or(0).into()),
                                    ("inbox", i64::try_from(p.inbox).unwrap_or(0).into()),
                                    ("outbox", i64::try_from(p.outbox).unwrap_or(0).into()),
                                ],
                            ),
                            text.t("console-confirm-purge-tasks"),
                            text.t("console-confirm-audited"),
                        ],
                        Job::Purge,
                    )
                    .dangerous(),
                ))
            }
            _ => None,
        }
    }

    /// Draws the policy, the preview and the runs.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let Some(d) = &self.data else {
            return loading(frame, area, ctx);
        };
        let t = ctx.theme;
        let text = &ctx.text;
        let p = &d.preview;
        let [policy_area, preview_area, runs_area] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Fill(1),
            Constraint::Length(8),
        ])
        .areas(area);

        frame.render_widget(
            Paragraph::new(vec![
                Line::from(vec![
                    Span::styled(format!(" {} ", text.t("console-ret-policy")), t.heading()),
                    Span::raw(text.tr(
                        "console-ret-policy-value",
                        &[
                            ("default", i64::from(p.policy.default_days).into()),
                            ("min", i64::from(p.policy.min_days).into()),
                            ("max", i64::from(p.policy.max_days).into()),
                        ],
                    )),
                ]),
                Line::styled(
                    format!(
                        " {}",
                        text.tr(
                            "console-ret-would-purge",
                            &[
                                ("messages", Arg::Str(&count(p.messages()))),
                                ("inbox", Arg::Str(&count(p.inbox))),
                                ("outbox", Arg::Str(&count(p.outbox))),
                            ],
                        )
                    ),
                    if p.messages() + p.inbox + p.outbox > 0 {
                        t.warn()
                    } else {
                        t.dim()
                    },
                ),
            ]),
            policy_area,
        );

        if p.chats.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!(" {}", text.t("console-chats-empty")),
                    t.dim(),
                )),
                preview_area,
            );
        } else {
            let rows: Vec<Row> = p
                .chats
                .iter()
                .map(|c| {
                    let clamped = c.override_days.is_some_and(|o| o != c.effective_days);
                    Row::new(vec![
                        Cell::from(c.chat_id.to_string()),
                        Cell::from(match c.override_days {
                            Some(o) => text.tr("console-days", &[("n", i64::from(o).into())]),
                            None => text.t("console-ret-default"),
                        }),
                        Cell::from(Span::styled(
                            text.tr("console-days", &[("n", i64::from(c.effective_days).into())]),
                            if clamped { t.warn() } else { t.text() },
                        )),
                        Cell::from(Span::styled(
                            count(c.expired),
                            if c.expired > 0 { t.warn() } else { t.dim() },
                        )),
                    ])
                })
                .collect();
            frame.render_stateful_widget(
                Table::new(
                    rows,
                    [
                        Constraint::Length(16),
                        Constraint::Length(14),
                        Constraint::Length(14),
                        Constraint::Fill(1),
                    ],
                )
                .header(
                    Row::new(vec![
                        text.t("console-col-chat-id"),
                        text.t("console-col-override"),
                        text.t("console-col-effective"),
                        text.t("console-col-would-purge"),
                    ])
                    .style(t.heading()),
                )
                .row_highlight_style(t.selected())
                .highlight_symbol("▶ "),
                preview_area,
                &mut self.selection.state,
            );
        }

        let run_rows: Vec<Row> = d
            .runs
            .iter()
            .map(|r| {
                let state = match (&r.error, r.finished_at) {
                    (Some(e), _) => Span::styled(cut(e, 24), t.error()),
                    (None, None) => Span::styled(text.t("console-ret-running"), t.warn()),
                    (None, Some(_)) if r.dry_run => {
                        Span::styled(text.t("console-ret-dry-run"), t.dim())
                    }
                    (None, Some(_)) => Span::styled(text.t("console-ret-done"), t.ok()),
                };
                Row::new(vec![
                    Cell::from(when(r.started_at)),
                    Cell::from(cut(&r.trigger, 8)),
                    Cell::from(count_i(r.counts.messages)),
                    Cell::from(count_i(r.counts.tasks)),
                    Cell::from(count_i(r.counts.inbox + r.counts.outbox)),
                    Cell::from(state),
                ])
            })
            .collect();
        let runs = Table::new(
            run_rows,
            [
                Constraint::Length(17),
                Constraint::Length(9),
                Constraint::Length(9),
                Constraint::Length(7),
                Constraint::Length(8),
                Constraint::Fill(1),
            ],
        )
        .header(
            Row::new(vec![
                text.t("console-col-started"),
                text.t("console-col-trigger"),
                text.t("console-col-messages"),
                text.t("console-col-tasks"),
                text.t("console-col-queues"),
                text.t("console-col-result"),
            ])
            .style(t.heading()),
        )
        .block(
            Block::new()
                .borders(Borders::TOP)
                .border_style(t.dim())
                .padding(Padding::left(1))
                .title(Span::styled(
                    format!(" {} ", text.t("console-ret-runs")),
                    t.heading(),
                )),
        );
        if d.runs.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!(" {}", text.t("console-ov-never")),
                    t.dim(),
                ))
                .block(
                    Block::new()
                        .borders(Borders::TOP)
                        .border_style(t.dim())
                        .title(Span::styled(
                            format!(" {} ", text.t("console-ret-runs")),
                            t.heading(),
                        )),
                ),
                runs_area,
            );
        } else {
            frame.render_widget(runs, runs_area);
        }
    }
}
