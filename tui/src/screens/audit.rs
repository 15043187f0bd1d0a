//! Audit: the log, newest first, scrollable (older pages load as the
//! selection reaches the end) and filterable; chain verification; and the
//! data-subject requests (exports, erasures), which the log records without
//! naming the person.

use domain::i18n::Arg;
use domain::store::audit::{AuditEntry, Verification};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::{Selection, count, cut, loading, when};
use crate::action::{Action, Job};
use crate::app::Ctx;
use crate::keys::Command;
use crate::modals::{Form, Modal};

/// Entries read per page.
pub const PAGE: u64 = 200;

/// Whether an audit action is a data-subject request (an export or an
/// erasure): `privacy.*` and `export.*`.
pub fn is_subject_request(action: &str) -> bool {
    action.starts_with("privacy.")
        || action.starts_with("export.")
        || action.starts_with("subject.")
}

/// The audit screen.
#[derive(Debug, Default)]
pub struct AuditScreen {
    /// Entries loaded so far, newest first (`None`: not loaded yet).
    pub entries: Option<Vec<AuditEntry>>,
    /// Whether older entries may exist.
    pub more: bool,
    /// The search text (matched against action, actor, subject, details).
    pub search: String,
    /// Only data-subject requests.
    pub subject_requests: bool,
    /// The last verification.
    pub verification: Option<Verification>,
    /// The selection among the shown entries.
    pub selection: Selection,
    older_requested: Option<i64>,
}

impl AuditScreen {
    /// Replaces the entries with the newest page.
    pub fn set(&mut self, entries: Vec<AuditEntry>) {
        let selected = self.selected().map(|e| e.seq);
        self.more = entries.len() as u64 >= PAGE;
        self.entries = Some(entries);
        self.older_requested = None;
        let shown = self.shown();
        let keep = selected.and_then(|s| shown.iter().position(|e| e.seq == s));
        let len = shown.len();
        self.selection.reset(len, keep);
    }

    /// Appends an older page.
    pub fn append(&mut self, older: Vec<AuditEntry>) {
        self.more = older.len() as u64 >= PAGE;
        let entries = self.entries.get_or_insert_with(Vec::new);
        let last = entries.last().map(|e| e.seq).unwrap_or(i64::MAX);
        entries.extend(older.into_iter().filter(|e| e.seq < last));
        self.older_requested = None;
    }

    /// Sets the search text.
    pub fn set_search(&mut self, q: String) {
        self.search = q;
        let len = self.shown().len();
        self.selection.reset(len, Some(0));
    }

    fn matches(&self, e: &AuditEntry) -> bool {
        if self.subject_requests && !is_subject_request(&e.action) {
            return false;
        }
        if self.search.is_empty() {
            return true;
        }
        let q = self.search.to_lowercase();
        [
            e.action.as_str(),
            e.actor.as_str(),
            e.subject.as_deref().unwrap_or_default(),
            e.details.as_str(),
        ]
        .iter()
        .any(|f| f.to_lowercase().contains(&q))
    }

    fn shown(&self) -> Vec<&AuditEntry> {
        self.entries
            .iter()
            .flatten()
            .filter(|e| self.matches(e))
            .collect()
    }

    fn selected(&self) -> Option<&AuditEntry> {
        let shown = self.shown();
        self.selection.index(shown.len()).map(|i| shown[i])
    }

    /// Answers a command of the audit keymap.
    pub fn handle(&mut self, cmd: Command, _ctx: &Ctx) -> Option<Action> {
        let len = self.shown().len();
        if self.selection.navigate(cmd, len, 10) {
            // Near the end of what is loaded: read the next page.
            let at_end = self.selection.index(len).is_none_or(|i| i + 1 >= len);
            let oldest = self.entries.as_ref().and_then(|e| e.last()).map(|e| e.seq);
            if at_end
                && self.more
                && let Some(before_seq) = oldest
                && self.older_requested != Some(before_seq)
            {
                self.older_requested = Some(before_seq);
                return Some(Action::Run(Job::LoadOlderAudit { before_seq }));
            }
            return None;
        }
        match cmd {
            Command::Verify => Some(Action::Run(Job::VerifyAudit)),
            Command::Search => Some(Action::Open(Box::new(Modal::Form(Box::new(
                Form::audit_search(&self.search),
            ))))),
            Command::SubjectRequests => {
                self.subject_requests = !self.subject_requests;
                let len = self.shown().len();
                self.selection.reset(len, Some(0));
                None
            }
            _ => None,
        }
    }

    /// Draws the chain state, the entries and the selected entry's details.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        if self.entries.is_none() {
            return loading(frame, area, ctx);
        }
        let t = ctx.theme;
        let text = &ctx.text;
        let [head, table_area, detail] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Fill(1),
            Constraint::Length(4),
        ])
        .areas(area);

        let chain = match &self.verification {
            None => Span::styled(text.t("console-audit-unverified"), t.dim()),
            Some(Verification::Intact { entries }) => Span::styled(
                text.tr(
                    "console-audit-intact",
                    &[("n", i64::try_from(*entries).unwrap_or(i64::MAX).into())],
                ),
                t.ok(),
            ),
            Some(Verification::Broken { seq, reason }) => Span::styled(
                text.tr(
                    "console-audit-broken",
                    &[("seq", (*seq).into()), ("reason", Arg::Str(reason))],
                ),
                t.error(),
            ),
        };
        let mut filters = vec![];
        if self.subject_requests {
            filters.push(Span::styled(
                format!(" {} ", text.t("console-audit-subject-requests")),
                t.selected(),
            ));
            filters.push(Span::raw(" "));
        }
        if !self.search.is_empty() {
            filters.push(Span::styled(
                text.tr("console-audit-search", &[("q", Arg::Str(&self.search))]),
                t.warn(),
            ));
        }
        if filters.is_empty() {
            filters.push(Span::styled(text.t("console-audit-all"), t.dim()));
        }
        let shown = self.shown();
        filters.push(Span::styled(
            format!(
                "  {}",
                text.tr(
                    "console-audit-shown",
                    &[
                        ("n", i64::try_from(shown.len()).unwrap_or(0).into()),
                        (
                            "loaded",
                            Arg::Str(&count(self.entries.as_ref().map_or(0, Vec::len) as u64))
                        ),
                    ],
                )
            ),
            t.dim(),
        ));
        let mut first = vec![Span::styled(
            format!(" {} ", text.t("console-audit-chain")),
            t.heading(),
        )];
        first.push(chain);
        let mut second = vec![Span::raw(" ")];
        second.extend(filters);
        // The filters first, then the chain state, which may wrap.
        frame.render_widget(
            Paragraph::new(vec![Line::from(second), Line::from(first)]).wrap(Wrap { trim: false }),
            head,
        );

        if shown.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!(" {}", text.t("console-audit-empty")),
                    t.dim(),
                )),
                table_area,
            );
            return;
        }
        let rows: Vec<Row> = shown
            .iter()
            .map(|e| {
                let style = if is_subject_request(&e.action) {
                    t.warn()
                } else {
                    t.text()
                };
                Row::new(vec![
                    Cell::from(e.seq.to_string()),
                    Cell::from(when(e.at)),
                    Cell::from(e.actor.clone()),
                    Cell::from(Span::styled(e.action.clone(), style)),
                    Cell::from(e.subject.clone().unwrap_or_default()),
                ])
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Length(5),
                Constraint::Length(16),
                Constraint::Length(24),
                Constraint::Length(18),
                Constraint::Fill(1),
            ],
        )
        .header(
            Row::new(vec![
                text.t("console-col-seq"),
                text.t("console-col-time"),
                text.t("console-col-actor"),
                text.t("console-col-action"),
                text.t("console-col-subject"),
            ])
            .style(t.heading()),
        )
        .row_highlight_style(t.selected())
        .highlight_symbol("▶ ");
        frame.render_stateful_widget(table, table_area, &mut self.selection.state);

        if let Some(e) = self.selected() {
            let width = usize::from(detail.width).saturating_sub(2) * 3;
            frame.render_widget(
                Paragraph::new(vec![
                    Line::from(vec![
                        Span::styled(format!(" #{} ", e.seq), t.heading()),
                        Span::raw(format!("{} UTC · {} · {}", when(e.at), e.actor, e.action)),
                    ]),
                    Line::raw(format!(" {}", cut(&e.details, width))),
                ])
                .wrap(Wrap { trim: false })
                .block(Block::new().borders(Borders::TOP).border_style(t.dim())),
                detail,
            );
        }
    }
}
