//! Dead letters: inbox updates the bot could not apply and outbox messages
//! it could not deliver, after every retry. Each can be requeued (attempts
//! reset, due now, so the running bot takes it up again) or discarded, and
//! all can be requeued at once, each after a confirmation. What is shown is
//! what the queues say about a row (its kind, attempts, last error), never
//! its payload, which stays sealed.

use domain::i18n::Arg;
use domain::operator::{DeadLetter, Queue};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Padding, Paragraph, Row, Table, Wrap};

use super::{Selection, ago, count, cut, loading, when};
use crate::action::{Action, Job, ScreenId};
use crate::app::Ctx;
use crate::keys::Command;
use crate::modals::{Confirm, Modal};

/// The locale key naming a queue.
pub fn queue_key(q: Queue) -> &'static str {
    match q {
        Queue::Inbox => "console-dl-inbox",
        Queue::Outbox => "console-dl-outbox",
    }
}

/// The dead-letters screen.
#[derive(Debug, Default)]
pub struct DeadLettersScreen {
    /// The dead letters, inbox first (`None`: not loaded yet).
    pub rows: Option<Vec<DeadLetter>>,
    /// The selection.
    pub selection: Selection,
}

impl DeadLettersScreen {
    /// Replaces the list, keeping the selected letter selected.
    pub fn set(&mut self, rows: Vec<DeadLetter>) {
        let selected = self.selected().map(|d| (d.queue, d.id));
        let keep =
            selected.and_then(|(q, id)| rows.iter().position(|d| (d.queue, d.id) == (q, id)));
        let len = rows.len();
        self.rows = Some(rows);
        self.selection.reset(len, keep);
    }

    /// The selected dead letter.
    pub fn selected(&self) -> Option<&DeadLetter> {
        let rows = self.rows.as_deref()?;
        self.selection.index(rows.len()).map(|i| &rows[i])
    }

    /// Answers a command of the dead-letters keymap.
    pub fn handle(&mut self, cmd: Command, ctx: &Ctx) -> Option<Action> {
        let len = self.rows.as_ref().map_or(0, Vec::len);
        if self.selection.navigate(cmd, len, 10) {
            return None;
        }
        let text = &ctx.text;
        let open = |m: Modal| Some(Action::Open(Box::new(m)));
        let args = |d: &DeadLetter| (text.t(queue_key(d.queue)), d.id, d.kind.clone());
        match cmd {
            Command::Back => Some(Action::Switch(ScreenId::Overview)),
            Command::Requeue => {
                let d = self.selected()?;
                let (queue, id, kind) = args(d);
                let mut body = vec![text.tr(
                    "console-confirm-requeue",
                    &[
                        ("queue", Arg::Str(&queue)),
                        ("id", id.into()),
                        ("kind", Arg::Str(&kind)),
                    ],
                )];
                if d.queue == Queue::Inbox {
                    body.push(text.t("console-confirm-requeue-inbox-order"));
                }
                body.push(text.t("console-confirm-audited"));
                open(Modal::Confirm(Confirm::new(
                    text.tr(
                        "console-confirm-requeue-title",
                        &[("queue", Arg::Str(&queue)), ("id", id.into())],
                    ),
                    body,
                    Job::RequeueDeadLetter { queue: d.queue, id },
                )))
            }
            Command::RequeueAll => {
                let rows = self.rows.as_deref().filter(|r| !r.is_empty())?;
                let n = |q: Queue| rows.iter().filter(|d| d.queue == q).count();
                open(Modal::Confirm(Confirm::new(
                    text.t("console-confirm-requeue-all-title"),
                    vec![
                        text.tr(
                            "console-confirm-requeue-all",
                            &[
                                ("inbox", Arg::Str(&count(n(Queue::Inbox) as u64))),
                                ("outbox", Arg::Str(&count(n(Queue::Outbox) as u64))),
                            ],
                        ),
                        text.t("console-confirm-audited"),
                    ],
                    Job::RequeueAllDeadLetters,
                )))
            }
            Command::Discard => {
                let d = self.selected()?;
                let (queue, id, kind) = args(d);
                open(Modal::Confirm(
                    Confirm::new(
                        text.tr(
                            "console-confirm-discard-title",
                            &[("queue", Arg::Str(&queue)), ("id", id.into())],
                        ),
                        vec![
                            text.tr(
                                "console-confirm-discard",
                                &[
                                    ("queue", Arg::Str(&queue)),
                                    ("id", id.into()),
                                    ("kind", Arg::Str(&kind)),
                                ],
                            ),
                            text.t("console-confirm-audited"),
                        ],
                        Job::DiscardDeadLetter { queue: d.queue, id },
                    )
                    .dangerous(),
                ))
            }
            _ => None,
        }
    }

    /// Draws the counts, the list and the selected letter's details.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let Some(rows) = &self.rows else {
            return loading(frame, area, ctx);
        };
        let t = ctx.theme;
        let text = &ctx.text;
        let [summary, table_area, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(6),
        ])
        .areas(area);
        let n = |q: Queue| rows.iter().filter(|d| d.queue == q).count() as u64;
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(
                    format!(" {} ", text.t("console-tab-dead-letters")),
                    t.heading(),
                ),
                Span::raw(text.tr(
                    "console-dl-summary",
                    &[
                        ("inbox", Arg::Str(&count(n(Queue::Inbox)))),
                        ("outbox", Arg::Str(&count(n(Queue::Outbox)))),
                    ],
                )),
            ])),
            summary,
        );
        if rows.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(text.t("console-dl-empty"), t.ok()))
                    .wrap(Wrap { trim: false })
                    .block(Block::new().padding(Padding::horizontal(1))),
                table_area,
            );
            return;
        }
        let table_rows: Vec<Row> = rows
            .iter()
            .map(|d| {
                Row::new(vec![
                    Cell::from(text.t(queue_key(d.queue))),
                    Cell::from(d.id.to_string()),
                    Cell::from(d.kind.clone()),
                    Cell::from(d.attempts.to_string()),
                    Cell::from(ago(ctx, d.queued_at)),
                    Cell::from(Span::styled(
                        d.last_error.clone().unwrap_or_default(),
                        t.error(),
                    )),
                ])
            })
            .collect();
        let header = Row::new(vec![
            text.t("console-col-queue"),
            text.t("console-col-id"),
            text.t("console-col-kind"),
            text.t("console-col-attempts"),
            text.t("console-col-queued"),
            text.t("console-col-error"),
        ])
        .style(t.heading());
        let table = Table::new(
            table_rows,
            [
                Constraint::Length(7),
                Constraint::Length(11),
                Constraint::Length(19),
                Constraint::Length(5),
                Constraint::Length(11),
                Constraint::Fill(1),
            ],
        )
        .header(header)
        .row_highlight_style(t.selected())
        .highlight_symbol("▶ ");
        frame.render_stateful_widget(table, table_area, &mut self.selection.state);

        let Some(d) = self.selected() else { return };
        let queue = text.t(queue_key(d.queue));
        let mut title = format!(" {queue} {} · {} ", d.id, d.kind);
        if let Some(chat) = d.chat_id {
            title = format!(
                "{title}· {} ",
                text.tr("console-dl-chat", &[("chat", chat.into())])
            );
        }
        let width = usize::from(detail.width).saturating_sub(2);
        let lines = vec![
            Line::raw(format!(
                " {}",
                text.tr(
                    "console-dl-queued",
                    &[
                        ("when", Arg::Str(&when(d.queued_at))),
                        ("ago", Arg::Str(&ago(ctx, d.queued_at))),
                        ("attempts", i64::from(d.attempts).into()),
                    ],
                )
            )),
            match &d.last_error {
                Some(e) => Line::styled(format!(" {}", cut(e, width * 4)), t.error()),
                None => Line::styled(format!(" {}", text.t("console-dl-no-error")), t.dim()),
            },
        ];
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::new()
                    .borders(Borders::TOP)
                    .border_style(t.dim())
                    .title(Span::styled(cut(&title, width), t.heading())),
            ),
            detail,
        );
    }
}
