//! "Are you sure?", carrying the job that runs on yes.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::{Outcome, centered};
use crate::action::{Action, Job};
use crate::app::Ctx;

/// A confirmation.
#[derive(Debug, Clone)]
pub struct Confirm {
    /// The question.
    pub title: String,
    /// What will happen, line by line.
    pub body: Vec<String>,
    /// What runs on yes.
    pub job: Job,
    /// Whether the change is hard to undo (drawn as a warning).
    pub dangerous: bool,
}

impl Confirm {
    /// A confirmation for `job`.
    pub fn new(title: String, body: Vec<String>, job: Job) -> Self {
        Confirm {
            title,
            body,
            job,
            dangerous: false,
        }
    }

    /// Marks it as hard to undo.
    pub fn dangerous(mut self) -> Self {
        self.dangerous = true;
        self
    }

    pub(super) fn handle_key(&mut self, key: &KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                Outcome::CloseWith(Action::Run(self.job.clone()))
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                Outcome::Close
            }
            _ => Outcome::Stay,
        }
    }

    pub(super) fn render(&self, frame: &mut Frame, ctx: &Ctx) {
        let t = ctx.theme;
        let mut lines: Vec<Line> = self.body.iter().map(|l| Line::raw(l.as_str())).collect();
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("y", t.key()),
            Span::raw(format!(" {}   ", ctx.text.t("console-confirm-yes"))),
            Span::styled("n", t.key()),
            Span::raw(format!(" {}", ctx.text.t("console-confirm-no"))),
        ]));
        let width = 64u16;
        let inner_width = usize::from(width - 4);
        let height: usize = lines
            .iter()
            .map(|l| l.width().max(1).div_ceil(inner_width))
            .sum();
        let area = centered(
            frame.area(),
            width,
            u16::try_from(height).unwrap_or(u16::MAX).saturating_add(2),
        );
        let border = if self.dangerous { t.warn() } else { t.border() };
        let block = Block::bordered()
            .border_type(BorderType::Double)
            .border_style(border)
            .title(Span::styled(format!(" {} ", self.title), t.heading()));
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(lines)
                .block(block.padding(ratatui::widgets::Padding::horizontal(1)))
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}
