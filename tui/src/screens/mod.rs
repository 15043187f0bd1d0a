//! One module per screen. A screen keeps what it last loaded and its
//! selection, answers the commands of its keymap with actions, and draws
//! itself; it never touches the database.

mod audit;
mod chats;
mod dead_letters;
mod keys;
mod overview;
mod providers;
mod retention;

pub use audit::{AuditScreen, PAGE as AUDIT_PAGE, is_subject_request};
pub use chats::{ChatFilter, ChatsScreen};
pub use dead_letters::{DeadLettersScreen, queue_key};
pub use keys::KeysScreen;
pub use overview::OverviewScreen;
pub use providers::ProvidersScreen;
pub use retention::RetentionScreen;

use chrono::{DateTime, Utc};
use domain::i18n::Arg;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, TableState};

use crate::app::Ctx;
use crate::keys::Command;

/// A selection in a list of `len` rows.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// ratatui's table state: the selected row and the scroll offset.
    pub state: TableState,
}

impl Selection {
    /// The selected row, if the list is not empty.
    pub fn index(&self, len: usize) -> Option<usize> {
        if len == 0 {
            None
        } else {
            Some(self.state.selected().unwrap_or(0).min(len - 1))
        }
    }

    /// Moves by a navigation command; returns whether it was one.
    pub fn navigate(&mut self, cmd: Command, len: usize, page: usize) -> bool {
        if len == 0 {
            return matches!(
                cmd,
                Command::Up
                    | Command::Down
                    | Command::PageUp
                    | Command::PageDown
                    | Command::Home
                    | Command::End
            );
        }
        let i = self.index(len).unwrap_or(0);
        let next = match cmd {
            Command::Up => i.saturating_sub(1),
            Command::Down => (i + 1).min(len - 1),
            Command::PageUp => i.saturating_sub(page.max(1)),
            Command::PageDown => (i + page.max(1)).min(len - 1),
            Command::Home => 0,
            Command::End => len - 1,
            _ => return false,
        };
        self.state.select(Some(next));
        true
    }

    /// Keeps the selection valid after the list changed to `len` rows,
    /// on row `keep` when given (the same item at its new position).
    pub fn reset(&mut self, len: usize, keep: Option<usize>) {
        let i = keep.or(self.state.selected()).unwrap_or(0);
        self.state
            .select(if len == 0 { None } else { Some(i.min(len - 1)) });
    }
}

/// "2026-12-03 04:00" (UTC).
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// How long before `now`: "just now", "5 min ago", "3 h ago", "2 d ago".
pub fn ago(ctx: &Ctx, t: DateTime<Utc>) -> String {
    let secs = (ctx.now - t).num_seconds().max(0);
    let (key, n) = match secs {
        0..60 => return ctx.text.t("console-ago-now"),
        60..3600 => ("console-ago-minutes", secs / 60),
        3600..86400 => ("console-ago-hours", secs / 3600),
        _ => ("console-ago-days", secs / 86400),
    };
    ctx.text.tr(key, &[("n", Arg::Num(n))])
}

/// A number with thin groups: 1 234 567.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A signed count.
pub fn count_i(n: i64) -> String {
    if n < 0 {
        format!("-{}", count(n.unsigned_abs()))
    } else {
        count(n.unsigned_abs())
    }
}

/// Draws "loading…" while a screen has no data yet.
pub fn loading(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    frame.render_widget(
        Paragraph::new(Line::styled(
            format!(" {}", ctx.text.t("console-loading")),
            ctx.theme.dim(),
        )),
        area,
    );
}

/// Cuts `s` to at most `max` characters, with "…" when cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1 000");
        assert_eq!(count(1234567), "1 234 567");
        assert_eq!(count_i(-4200), "-4 200");
    }

    #[test]
    fn selection_stays_in_bounds() {
        let mut s = Selection::default();
        assert_eq!(s.index(0), None);
        assert!(s.navigate(Command::Down, 3, 10));
        assert!(s.navigate(Command::Down, 3, 10));
        assert!(s.navigate(Command::Down, 3, 10));
        assert_eq!(s.index(3), Some(2));
        s.reset(1, None);
        assert_eq!(s.index(1), Some(0));
        assert!(s.navigate(Command::PageDown, 50, 10));
        assert_eq!(s.index(50), Some(10));
        assert!(!s.navigate(Command::Approve, 50, 10));
    }

    #[test]
    fn cutting_counts_characters() {
        assert_eq!(cut("Команда продукту", 7), "Команд…");
        assert_eq!(cut("short", 7), "short");
    }
}
