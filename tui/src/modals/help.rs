//! The help overlay: the key bindings of the current screen and the global
//! ones, drawn from the keymap tables themselves.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::{Outcome, centered};
use crate::action::ScreenId;
use crate::app::Ctx;
use crate::keys::{self, Binding, Command};

/// The help overlay for one screen.
#[derive(Debug, Clone)]
pub struct Help {
    /// The screen it explains.
    pub screen: ScreenId,
}

fn is_nav(c: Command) -> bool {
    matches!(
        c,
        Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Home
            | Command::End
    )
}

fn keys_label(b: &Binding) -> String {
    b.keys
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join("/")
}

impl Help {
    pub(super) fn handle_key(&mut self, key: &KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Esc
            | KeyCode::Enter
            | KeyCode::Char('?')
            | KeyCode::Char('q')
            | KeyCode::F(1) => Outcome::Close,
            _ => Outcome::Stay,
        }
    }

    fn lines(&self, ctx: &Ctx) -> Vec<Line<'static>> {
        let t = ctx.theme;
        let row = |keys: String, help: String| {
            Line::from(vec![
                Span::styled(format!("{keys:>14}  "), t.key()),
                Span::raw(help),
            ])
        };
        let mut out = Vec::new();
        let own = keys::screen(self.screen);
        out.push(Line::styled(
            ctx.text.t(self.screen.title_key()),
            t.heading(),
        ));
        if own.is_empty() {
            out.push(Line::styled(ctx.text.t("console-help-no-keys"), t.dim()));
        }
        for b in own.iter().filter(|b| !is_nav(b.command)) {
            out.push(row(keys_label(b), ctx.text.t(b.help)));
        }
        if own.iter().any(|b| is_nav(b.command)) {
            out.push(row(
                "↑↓ jk PgUp/Dn".to_owned(),
                ctx.text.t("console-help-move"),
            ));
        }
        out.push(Line::raw(""));
        out.push(Line::styled(
            ctx.text.t("console-help-everywhere"),
            t.heading(),
        ));
        for b in keys::GLOBAL
            .iter()
            .filter(|b| !matches!(b.command, Command::Goto(_)))
        {
            out.push(row(keys_label(b), ctx.text.t(b.help)));
        }
        out.push(row("1…6".to_owned(), ctx.text.t("console-help-goto")));
        out
    }

    pub(super) fn render(&self, frame: &mut Frame, ctx: &Ctx) {
        let lines = self.lines(ctx);
        let height = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let area = centered(frame.area(), 76, height);
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::bordered()
                    .border_style(ctx.theme.border())
                    .title(Span::styled(
                        format!(" {} ", ctx.text.t("console-help-title")),
                        ctx.theme.heading(),
                    ))
                    .title_bottom(
                        Line::from(format!(" Esc {} ", ctx.text.t("console-close")))
                            .right_aligned(),
                    )
                    .padding(Padding::horizontal(1)),
            ),
            area,
        );
    }
}
