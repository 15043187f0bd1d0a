//! Providers: the list with health, a form to add and edit, a connection
//! test, and deletion with confirmation.

use domain::i18n::Arg;
use domain::operator::ProviderTest;
use domain::store::providers::Provider;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::overview::{circuit_label, health_label};
use super::{Selection, ago, cut, loading};
use crate::action::{Action, Job};
use crate::app::Ctx;
use crate::keys::Command;
use crate::modals::{Confirm, Form, Level, Message, Modal};

/// The providers screen.
#[derive(Debug, Default)]
pub struct ProvidersScreen {
    /// Every provider, by name (`None`: not loaded yet).
    pub rows: Option<Vec<Provider>>,
    /// The selection.
    pub selection: Selection,
}

impl ProvidersScreen {
    /// Replaces the list, keeping the selected provider selected.
    pub fn set(&mut self, rows: Vec<Provider>) {
        let selected = self.selected().map(|p| p.id);
        let keep = selected.and_then(|id| rows.iter().position(|p| p.id == id));
        let len = rows.len();
        self.rows = Some(rows);
        self.selection.reset(len, keep);
    }

    /// The selected provider.
    pub fn selected(&self) -> Option<&Provider> {
        let rows = self.rows.as_deref()?;
        self.selection.index(rows.len()).map(|i| &rows[i])
    }

    /// Answers a command of the providers keymap.
    pub fn handle(&mut self, cmd: Command, ctx: &Ctx) -> Option<Action> {
        let len = self.rows.as_ref().map_or(0, Vec::len);
        if self.selection.navigate(cmd, len, 10) {
            return None;
        }
        let open = |m: Modal| Some(Action::Open(Box::new(m)));
        match cmd {
            Command::New => open(Modal::Form(Box::new(Form::provider(None)))),
            Command::Edit => {
                let p = self.selected()?;
                open(Modal::Form(Box::new(Form::provider(Some(p)))))
            }
            Command::Delete => {
                let p = self.selected()?;
                let text = &ctx.text;
                let mut body = vec![text.tr(
                    "console-confirm-delete-provider",
                    &[("name", Arg::Str(&p.name))],
                )];
                if p.is_default {
                    body.push(text.t("console-confirm-delete-default"));
                }
                body.push(text.t("console-confirm-audited"));
                open(Modal::Confirm(
                    Confirm::new(
                        text.tr(
                            "console-confirm-delete-provider-title",
                            &[("name", Arg::Str(&p.name))],
                        ),
                        body,
                        Job::DeleteProvider {
                            id: p.id,
                            name: p.name.clone(),
                        },
                    )
                    .dangerous(),
                ))
            }
            Command::Test => {
                let p = self.selected()?;
                Some(Action::Run(Job::TestProvider {
                    id: p.id,
                    name: p.name.clone(),
                }))
            }
            _ => None,
        }
    }

    /// The message box for a test's outcome.
    pub fn test_message(&self, name: &str, test: &ProviderTest, ctx: &Ctx) -> Message {
        let text = &ctx.text;
        let ms = i64::try_from(test.latency.as_millis()).unwrap_or(i64::MAX);
        match &test.result {
            Ok(c) => Message {
                title: text.tr("console-test-ok-title", &[("name", Arg::Str(name))]),
                lines: vec![
                    text.tr("console-test-latency", &[("ms", ms.into())]),
                    text.tr(
                        "console-test-sample",
                        &[("sample", Arg::Str(crate::tasks::TEST_SAMPLE))],
                    ),
                    text.tr(
                        "console-test-result",
                        &[
                            ("kind", Arg::Str(c.kind.as_str())),
                            ("priority", Arg::Str(c.priority.as_str())),
                            ("confidence", Arg::Str(&format!("{:.2}", c.confidence))),
                        ],
                    ),
                    text.tr("console-test-title", &[("title", Arg::Str(&c.title))]),
                ],
                level: Level::Info,
            },
            Err(e) => Message {
                title: text.tr("console-test-failed-title", &[("name", Arg::Str(name))]),
                lines: vec![
                    text.tr("console-test-latency", &[("ms", ms.into())]),
                    text.tr("console-test-error", &[("error", Arg::Str(&e.to_string()))]),
                ],
                level: Level::Error,
            },
        }
    }

    /// Draws the list and the selected provider's settings and health.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let Some(rows) = &self.rows else {
            return loading(frame, area, ctx);
        };
        let t = ctx.theme;
        let text = &ctx.text;
        if rows.is_empty() {
            frame.render_widget(
                Paragraph::new(vec![
                    Line::styled(text.t("console-providers-empty"), t.dim()),
                    Line::styled(text.t("console-providers-builtin"), t.dim()),
                ])
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(Block::new().padding(ratatui::widgets::Padding::horizontal(1))),
                area,
            );
            return;
        }
        let [table_area, detail] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(8)]).areas(area);
        let table_rows: Vec<Row> = rows
            .iter()
            .map(|p| {
                let (circuit, cstyle) = circuit_label(ctx, p);
                let (health, hstyle) = health_label(ctx, p);
                Row::new(vec![
                    Cell::from(format!(
                        "{}{}",
                        if p.is_default { "*" } else { " " },
                        p.name
                    )),
                    Cell::from(p.model.clone()),
                    Cell::from(text.yes_no(p.enabled)),
                    Cell::from(Span::styled(circuit, cstyle)),
                    Cell::from(Span::styled(health, hstyle)),
                ])
            })
            .collect();
        let header = Row::new(vec![
            text.t("console-col-name"),
            text.t("console-col-model"),
            text.t("console-col-enabled"),
            text.t("console-col-circuit"),
            text.t("console-col-health"),
        ])
        .style(t.heading());
        let table = Table::new(
            table_rows,
            [
                Constraint::Length(14),
                Constraint::Length(16),
                Constraint::Length(6),
                Constraint::Length(10),
                Constraint::Fill(1),
            ],
        )
        .header(header)
        .row_highlight_style(t.selected())
        .highlight_symbol("▶ ");
        frame.render_stateful_widget(table, table_area, &mut self.selection.state);

        let Some(p) = self.selected() else { return };
        let w = usize::from(detail.width).saturating_sub(2);
        let kv = |k: &str, v: String| {
            Line::from(vec![
                Span::styled(format!(" {k}: "), t.dim()),
                Span::raw(cut(&v, w.saturating_sub(k.chars().count() + 3))),
            ])
        };
        let when_or = |at: Option<chrono::DateTime<chrono::Utc>>| {
            at.map(|a| ago(ctx, a)).unwrap_or_else(|| "—".to_owned())
        };
        let lines = vec![
            kv(
                &text.t("console-field-base-url"),
                domain::config::redact_endpoint(&p.base_url),
            ),
            kv(
                &text.t("console-provider-settings"),
                text.tr(
                    "console-provider-settings-value",
                    &[
                        ("timeout", i64::from(p.timeout_ms).into()),
                        ("rpm", i64::from(p.requests_per_minute).into()),
                        ("redact", Arg::Str(&text.yes_no(p.redact_pii))),
                        ("key", Arg::Str(&text.yes_no(p.api_key_ct.is_some()))),
                    ],
                ),
            ),
            kv(&text.t("console-provider-last-ok"), when_or(p.last_ok_at)),
            kv(
                &text.t("console-provider-last-error"),
                match (&p.last_error, p.last_error_at) {
                    (Some(e), Some(at)) => format!("{e} · {}", ago(ctx, at)),
                    _ => "—".to_owned(),
                },
            ),
            kv(
                &text.t("console-provider-circuit-since"),
                when_or(p.circuit_changed_at),
            ),
            kv(&text.t("console-provider-changed"), ago(ctx, p.updated_at)),
        ];
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::new()
                    .borders(Borders::TOP)
                    .border_style(t.dim())
                    .title(Span::styled(format!(" {} ", p.name), t.heading())),
            ),
            detail,
        );
    }
}
