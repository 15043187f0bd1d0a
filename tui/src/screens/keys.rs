//! Keys: KEK and data-key versions and how many values each protects;
//! rotation, re-encryption with progress, and retirement, each confirmed.

use domain::i18n::Arg;
use domain::rotation::{DekScope, RewrapProgress};
use domain::store::keys::KeyPurpose;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Padding, Paragraph, Row, Table};

use super::{count, loading};
use crate::action::{Action, Job, KeysData};
use crate::app::Ctx;
use crate::keys::Command;
use crate::modals::{Confirm, Level, Message, Modal};

/// The keys screen.
#[derive(Debug, Default)]
pub struct KeysScreen {
    /// What it last loaded.
    pub data: Option<KeysData>,
    /// Re-encryption under way.
    pub progress: Option<RewrapProgress>,
}

fn purpose_key(p: &str) -> &'static str {
    match p {
        "system" => "console-key-system",
        "person" => "console-key-person",
        "blind_index" => "console-key-blind-index",
        _ => "console-key-other",
    }
}

impl KeysScreen {
    /// Answers a command of the keys keymap.
    pub fn handle(&mut self, cmd: Command, ctx: &Ctx) -> Option<Action> {
        let text = &ctx.text;
        let confirm = |title: &str, body: Vec<String>, job: Job| {
            Some(Action::Open(Box::new(Modal::Confirm(
                Confirm::new(text.t(title), body, job).dangerous(),
            ))))
        };
        match cmd {
            Command::RotateKek if !ctx.kek_in_place => {
                Some(Action::Open(Box::new(Modal::Message(Message {
                    title: text.t("console-kek-elsewhere-title"),
                    lines: vec![text.t("console-kek-elsewhere")],
                    level: Level::Info,
                }))))
            }
            Command::RotateKek => confirm(
                "console-confirm-rotate-kek-title",
                vec![
                    text.t("console-confirm-rotate-kek"),
                    text.t("console-confirm-rotate-kek-backup"),
                    text.t("console-confirm-audited"),
                ],
                Job::RotateKek,
            ),
            Command::RotateDek => confirm(
                "console-confirm-rotate-dek-title",
                vec![
                    text.t("console-confirm-rotate-dek"),
                    text.t("console-confirm-audited"),
                ],
                Job::RotateDek(DekScope::All),
            ),
            Command::Rewrap => confirm(
                "console-confirm-rewrap-title",
                vec![text.t("console-confirm-rewrap")],
                Job::Rewrap,
            ),
            Command::Retire => confirm(
                "console-confirm-retire-title",
                vec![
                    text.t("console-confirm-retire"),
                    text.t("console-confirm-audited"),
                ],
                Job::Retire,
            ),
            _ => None,
        }
    }

    /// Draws versions, values per version and any progress.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let Some(d) = &self.data else {
            return loading(frame, area, ctx);
        };
        let t = ctx.theme;
        let text = &ctx.text;
        let [top, bottom, foot] = Layout::vertical([
            Constraint::Length(7),
            Constraint::Fill(1),
            Constraint::Length(3),
        ])
        .areas(area);
        let [keks, deks] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);

        let kek_rows: Vec<Row> = d
            .status
            .keks
            .iter()
            .rev()
            .map(|(v, retired, wraps)| {
                Row::new(vec![
                    Cell::from(format!("v{v}")),
                    Cell::from(if *retired {
                        Span::styled(text.t("console-key-retired"), t.dim())
                    } else {
                        Span::styled(text.t("console-key-active"), t.ok())
                    }),
                    Cell::from(count(*wraps)),
                ])
            })
            .collect();
        frame.render_widget(
            Table::new(
                kek_rows,
                [
                    Constraint::Length(5),
                    Constraint::Length(10),
                    Constraint::Fill(1),
                ],
            )
            .header(
                Row::new(vec![
                    text.t("console-col-version"),
                    text.t("console-col-state"),
                    text.t("console-col-wraps"),
                ])
                .style(t.heading()),
            )
            .block(
                Block::new()
                    .borders(Borders::RIGHT)
                    .border_style(t.dim())
                    .padding(Padding::left(1))
                    .title(Span::styled(
                        format!(" {}", text.t("console-keys-kek")),
                        t.heading(),
                    )),
            ),
            keks,
        );

        let mut dek_lines = Vec::new();
        for k in d
            .data_keys
            .iter()
            .filter(|k| k.purpose != KeyPurpose::Person)
        {
            dek_lines.push(Line::raw(format!(
                " {:<14} {}",
                text.t(purpose_key(k.purpose.as_str())),
                text.tr(
                    "console-ov-key-version",
                    &[
                        ("version", i64::from(k.current_version).into()),
                        ("min", i64::from(k.min_decrypt_version).into()),
                    ],
                )
            )));
        }
        let people: Vec<_> = d
            .data_keys
            .iter()
            .filter(|k| k.purpose == KeyPurpose::Person)
            .collect();
        let newest = people.iter().map(|k| k.current_version).max();
        let oldest_min = people.iter().map(|k| k.min_decrypt_version).min();
        dek_lines.push(Line::raw(format!(
            " {:<14} {}",
            text.t("console-key-person"),
            match (newest, oldest_min) {
                (Some(v), Some(m)) => text.tr(
                    "console-keys-people",
                    &[
                        ("n", i64::try_from(people.len()).unwrap_or(0).into()),
                        ("version", i64::from(v).into()),
                        ("min", i64::from(m).into()),
                    ],
                ),
                _ => text.t("console-ov-none"),
            }
        )));
        frame.render_widget(
            Paragraph::new(dek_lines).block(Block::new().title(Span::styled(
                format!(" {}", text.t("console-keys-data-keys")),
                t.heading(),
            ))),
            deks,
        );

        let value_rows: Vec<Row> = d
            .status
            .values
            .iter()
            .map(|((purpose, version), n)| {
                Row::new(vec![
                    Cell::from(text.t(purpose_key(purpose))),
                    Cell::from(format!("v{version}")),
                    Cell::from(count(*n)),
                ])
            })
            .collect();
        let mut extra = Vec::new();
        if d.status.erased > 0 {
            extra.push(Row::new(vec![
                Cell::from(text.t("console-keys-erased")),
                Cell::from("—"),
                Cell::from(count(d.status.erased)),
            ]));
        }
        if d.status.unreadable > 0 {
            extra.push(
                Row::new(vec![
                    Cell::from(text.t("console-keys-unreadable")),
                    Cell::from("—"),
                    Cell::from(count(d.status.unreadable)),
                ])
                .style(t.error()),
            );
        }
        frame.render_widget(
            Table::new(
                value_rows.into_iter().chain(extra),
                [
                    Constraint::Length(16),
                    Constraint::Length(9),
                    Constraint::Fill(1),
                ],
            )
            .header(
                Row::new(vec![
                    text.t("console-col-key"),
                    text.t("console-col-version"),
                    text.t("console-col-values"),
                ])
                .style(t.heading()),
            )
            .block(
                Block::new()
                    .borders(Borders::TOP)
                    .border_style(t.dim())
                    .padding(Padding::left(1))
                    .title(Span::styled(
                        format!(" {} ", text.t("console-keys-values")),
                        t.heading(),
                    )),
            ),
            bottom,
        );

        let foot_lines = match &self.progress {
            Some(p) => vec![
                Line::styled(format!(" {}", text.t("console-keys-rewrapping")), t.warn()),
                Line::raw(format!(
                    " {}",
                    text.tr(
                        "console-keys-progress",
                        &[
                            ("column", Arg::Str(&p.column)),
                            ("scanned", i64::try_from(p.scanned).unwrap_or(0).into()),
                            ("rewritten", i64::try_from(p.rewritten).unwrap_or(0).into()),
                            ("skipped", i64::try_from(p.skipped).unwrap_or(0).into()),
                        ],
                    )
                )),
            ],
            None => {
                let stale: u64 = d
                    .status
                    .values
                    .iter()
                    .filter(|((purpose, version), _)| {
                        // Below every key's current version of that purpose:
                        // surely waiting for re-encryption.
                        d.data_keys
                            .iter()
                            .filter(|k| k.purpose.as_str() == purpose)
                            .map(|k| k.current_version)
                            .min()
                            .is_some_and(|current| i64::from(current) > i64::from(*version))
                    })
                    .map(|(_, n)| *n)
                    .sum();
                if stale > 0 {
                    vec![Line::styled(
                        format!(
                            " {}",
                            text.tr(
                                "console-keys-stale",
                                &[("n", i64::try_from(stale).unwrap_or(0).into())]
                            )
                        ),
                        t.warn(),
                    )]
                } else {
                    vec![Line::styled(
                        format!(" {}", text.t("console-keys-current")),
                        t.ok(),
                    )]
                }
            }
        };
        frame.render_widget(Paragraph::new(foot_lines), foot);
    }
}
