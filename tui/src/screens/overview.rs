//! Overview: what the bot holds and how it is doing, refreshed on every tick.

use domain::i18n::Arg;
use domain::store::keys::KeyPurpose;
use domain::store::providers::{CircuitState, Provider};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{ago, count, count_i, cut, loading, when};
use crate::action::OverviewData;
use crate::app::Ctx;

/// The overview screen.
#[derive(Debug, Default)]
pub struct OverviewScreen {
    /// What it last loaded.
    pub data: Option<OverviewData>,
}

/// A provider's circuit state, as a word and a style.
pub fn circuit_label(ctx: &Ctx, p: &Provider) -> (String, Style) {
    let t = ctx.theme;
    match p.circuit_state {
        Some(CircuitState::Closed) => (ctx.text.t("console-circuit-closed"), t.ok()),
        Some(CircuitState::Open) => (ctx.text.t("console-circuit-open"), t.error()),
        Some(CircuitState::HalfOpen) => (ctx.text.t("console-circuit-half-open"), t.warn()),
        None => (ctx.text.t("console-circuit-unknown"), t.dim()),
    }
}

/// A provider's last outcome: "ok 2 min ago" or "HTTP 500 · 3 min ago".
pub fn health_label(ctx: &Ctx, p: &Provider) -> (String, Style) {
    let t = ctx.theme;
    let failed_last = match (p.last_error_at, p.last_ok_at) {
        (Some(e), Some(ok)) => e > ok,
        (Some(_), None) => true,
        _ => false,
    };
    if !p.enabled {
        return (ctx.text.t("console-provider-disabled"), t.dim());
    }
    match (failed_last, p.last_error_at, p.last_ok_at) {
        (true, Some(at), _) => (
            format!(
                "{} · {}",
                p.last_error.as_deref().unwrap_or_default(),
                ago(ctx, at)
            ),
            t.error(),
        ),
        (false, _, Some(at)) => (
            ctx.text
                .tr("console-health-ok", &[("ago", Arg::Str(&ago(ctx, at)))]),
            t.ok(),
        ),
        _ => (ctx.text.t("console-health-unused"), t.dim()),
    }
}

impl OverviewScreen {
    /// Draws the overview.
    pub fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let Some(d) = &self.data else {
            return loading(frame, area, ctx);
        };
        let t = ctx.theme;
        let text = &ctx.text;
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(area);

        let label_w = 13;
        let row = |label: String, value: Vec<Span<'static>>| {
            let mut spans = vec![Span::styled(
                format!(" {:<label_w$} ", cut(&label, label_w)),
                t.dim(),
            )];
            spans.extend(value);
            Line::from(spans)
        };
        let n = |v: u64| Span::raw(count(v));
        let warn_if = |v: u64| {
            if v > 0 {
                Span::styled(count(v), t.warn())
            } else {
                Span::raw(count(v))
            }
        };
        let dead = d.inbox_dead + d.outbox_dead;
        let mut lines = vec![
            row(
                text.t("console-ov-chats"),
                vec![
                    warn_if(d.chats_pending),
                    Span::raw(format!(" {}", text.t("console-ov-pending"))),
                ],
            ),
            row(
                String::new(),
                vec![
                    n(d.chats_approved),
                    Span::raw(format!(" {} · ", text.t("console-ov-approved"))),
                    n(d.chats_blocked),
                    Span::raw(format!(" {}", text.t("console-ov-blocked"))),
                ],
            ),
            row(text.t("console-ov-people"), vec![n(d.people)]),
            row(text.t("console-ov-messages"), vec![n(d.messages)]),
            row(text.t("console-ov-open-tasks"), vec![n(d.open_tasks)]),
            row(
                text.t("console-ov-inbox"),
                vec![
                    n(d.inbox_pending),
                    Span::raw(format!(" {} · ", text.t("console-ov-waiting"))),
                    warn_if(d.inbox_dead),
                    Span::raw(format!(" {}", text.t("console-ov-dead"))),
                ],
            ),
            row(
                text.t("console-ov-outbox"),
                vec![
                    n(d.outbox_pending),
                    Span::raw(format!(" {} · ", text.t("console-ov-waiting"))),
                    warn_if(d.outbox_dead),
                    Span::raw(format!(" {}", text.t("console-ov-dead"))),
                ],
            ),
            row(
                text.t("console-ov-dead-letters"),
                vec![if dead > 0 {
                    Span::styled(count(dead), t.error())
                } else {
                    Span::styled(text.t("console-ov-none"), t.ok())
                }],
            ),
            row(text.t("console-ov-audit"), vec![n(d.audit_entries)]),
            Line::raw(""),
            Line::styled(format!(" {}", text.t("console-ov-last-purge")), t.heading()),
        ];
        match &d.last_purge {
            Some(run) => {
                lines.push(Line::raw(format!(
                    " {} UTC ({})",
                    when(run.started_at),
                    ago(ctx, run.started_at)
                )));
                lines.push(Line::raw(format!(
                    " {}",
                    text.tr(
                        "console-ov-purge-counts",
                        &[
                            ("messages", Arg::Str(&count_i(run.counts.messages))),
                            ("tasks", Arg::Str(&count_i(run.counts.tasks))),
                            ("trigger", Arg::Str(&run.trigger)),
                        ],
                    )
                )));
                if let Some(e) = &run.error {
                    lines.push(Line::styled(format!(" {}", cut(e, 36)), t.error()));
                } else if run.finished_at.is_none() {
                    lines.push(Line::styled(
                        format!(" {}", text.t("console-ov-purge-unfinished")),
                        t.warn(),
                    ));
                }
            }
            None => lines.push(Line::styled(
                format!(" {}", text.t("console-ov-never")),
                t.dim(),
            )),
        }
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::new()
                    .borders(Borders::RIGHT)
                    .border_style(t.dim())
                    .title(Span::styled(
                        format!(" {}", text.t("console-ov-data")),
                        t.heading(),
                    )),
            ),
            left,
        );

        let mut lines = Vec::new();
        let active = d
            .keks
            .iter()
            .filter(|k| k.retired_at.is_none())
            .map(|k| k.version)
            .max();
        lines.push(row(
            text.t("console-ov-kek"),
            vec![Span::raw(match active {
                Some(v) => text.tr(
                    "console-ov-kek-version",
                    &[
                        ("version", i64::from(v).into()),
                        (
                            "retired",
                            i64::try_from(d.keks.len().saturating_sub(1))
                                .unwrap_or(0)
                                .into(),
                        ),
                    ],
                ),
                None => text.t("console-ov-none"),
            })],
        ));
        for k in &d.system_keys {
            let label = match k.purpose {
                KeyPurpose::System => text.t("console-key-system"),
                KeyPurpose::BlindIndex => text.t("console-key-blind-index"),
                KeyPurpose::Person => text.t("console-key-person"),
            };
            lines.push(row(
                label,
                vec![Span::raw(text.tr(
                    "console-ov-key-version",
                    &[
                        ("version", i64::from(k.current_version).into()),
                        ("min", i64::from(k.min_decrypt_version).into()),
                    ],
                ))],
            ));
        }
        lines.push(row(
            text.t("console-ov-person-keys"),
            vec![n(d.person_keys)],
        ));
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(" {}", text.t("console-ov-providers")),
            t.heading(),
        ));
        if d.providers.is_empty() {
            lines.push(Line::styled(
                format!(" {}", text.t("console-ov-no-providers")),
                t.dim(),
            ));
        }
        let width = usize::from(right.width);
        for p in &d.providers {
            let (circuit, cstyle) = circuit_label(ctx, p);
            let (health, hstyle) = health_label(ctx, p);
            let mark = if p.is_default { "*" } else { " " };
            lines.push(Line::from(vec![
                Span::raw(format!(" {mark}{:<12} ", cut(&p.name, 12))),
                Span::styled(format!("{:<9} ", cut(&circuit, 9)), cstyle),
                Span::styled(cut(&health, width.saturating_sub(25)), hstyle),
            ]));
        }
        frame.render_widget(
            Paragraph::new(lines).block(Block::new().title(Span::styled(
                format!(" {}", text.t("console-ov-health")),
                t.heading(),
            ))),
            right,
        );
    }
}
