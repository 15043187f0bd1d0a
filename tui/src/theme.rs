//! Styles. Without colour (`NO_COLOR`), emphasis is carried by bold,
//! reverse video and underline alone, so nothing depends on colour.

use ratatui::style::{Color, Modifier, Style};

/// The console's styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// With colours, or (`NO_COLOR`) without.
    pub fn new(color: bool) -> Self {
        Theme { color }
    }

    /// Colours are on unless `NO_COLOR` is set to anything non-empty.
    pub fn from_env(env: &[(String, String)]) -> Self {
        Theme::new(!env.iter().any(|(k, v)| k == "NO_COLOR" && !v.is_empty()))
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Plain text.
    pub fn text(&self) -> Style {
        Style::new()
    }

    /// Less important text.
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// Headings and table headers.
    pub fn heading(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The selected row or tab.
    pub fn selected(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// A key in a hint.
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// Good news.
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    /// Needs attention.
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// Something is wrong.
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// A modal's border.
    pub fn border(&self) -> Style {
        self.fg(Color::Cyan)
    }

    /// The focused field of a form.
    pub fn focus(&self) -> Style {
        if self.color {
            self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        }
    }
}
