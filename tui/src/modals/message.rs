//! A message box: an error, or the result of something the operator asked
//! for (a provider test). Enter or Esc closes it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph, Wrap};

use super::{Outcome, centered};
use crate::app::Ctx;

/// How the message is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Information.
    Info,
    /// Something failed.
    Error,
}

/// A message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its title.
    pub title: String,
    /// Its lines.
    pub lines: Vec<String>,
    /// Info or error.
    pub level: Level,
}

impl Message {
    pub(super) fn handle_key(&mut self, key: &KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char(' ') => {
                Outcome::Close
            }
            _ => Outcome::Stay,
        }
    }

    pub(super) fn render(&self, frame: &mut Frame, ctx: &Ctx) {
        let t = ctx.theme;
        let mut lines: Vec<Line> = self.lines.iter().map(|l| Line::raw(l.as_str())).collect();
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("Enter", t.key()),
            Span::raw(format!(" {}", ctx.text.t("console-close"))),
        ]));
        let width = 70u16;
        let inner = usize::from(width - 4);
        let height: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
        let area = centered(
            frame.area(),
            width,
            u16::try_from(height).unwrap_or(u16::MAX).saturating_add(2),
        );
        let (border, title) = match self.level {
            Level::Info => (t.border(), t.heading()),
            Level::Error => (t.error(), t.error()),
        };
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(lines)
                .block(
                    Block::bordered()
                        .border_style(border)
                        .title(Span::styled(format!(" {} ", self.title), title))
                        .padding(Padding::horizontal(1)),
                )
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}
