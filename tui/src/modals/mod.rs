//! Modals: drawn last, over a cleared area, and offered every key first.
//! A confirmation carries the job it confirms.

mod confirm;
mod form;
mod help;
mod message;

pub use confirm::Confirm;
pub use form::{Field, FieldKind, Form, FormPurpose, reply_mode_key};
pub use help::Help;
pub use message::{Level, Message};

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};

use crate::action::Action;
use crate::app::Ctx;

/// A modal.
#[derive(Debug, Clone)]
pub enum Modal {
    /// Yes or no, carrying the job for yes.
    Confirm(Confirm),
    /// Fields to fill in.
    Form(Box<Form>),
    /// The key bindings.
    Help(Help),
    /// A message (an error, a test result).
    Message(Message),
}

/// What a modal did with a key.
#[derive(Debug)]
pub enum Outcome {
    /// Used it; stay open.
    Stay,
    /// Close.
    Close,
    /// Close and do this.
    CloseWith(Action),
    /// Stay open and do this (a form waiting for its job).
    StayWith(Action),
}

impl Modal {
    /// Handles a key. Modals are modal: every key is theirs.
    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Outcome {
        match self {
            Modal::Confirm(m) => m.handle_key(key),
            Modal::Form(m) => m.handle_key(key, ctx),
            Modal::Help(m) => m.handle_key(key),
            Modal::Message(m) => m.handle_key(key),
        }
    }

    /// Draws the modal over whatever is below.
    pub fn render(&self, frame: &mut Frame, ctx: &Ctx) {
        match self {
            Modal::Confirm(m) => m.render(frame, ctx),
            Modal::Form(m) => m.render(frame, ctx),
            Modal::Help(m) => m.render(frame, ctx),
            Modal::Message(m) => m.render(frame, ctx),
        }
    }
}

/// A centred rectangle of at most `width` × `height` inside `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    rect
}
