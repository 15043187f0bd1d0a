//! Key bindings, as data: the help overlay and the hint line are drawn from
//! the same tables the key handlers look keys up in, so they cannot drift.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::ScreenId;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Leave.
    Quit,
    /// The help overlay.
    Help,
    /// The next tab.
    NextScreen,
    /// The previous tab.
    PrevScreen,
    /// A tab by number.
    Goto(ScreenId),
    /// Reload now.
    Refresh,
    /// Selection up.
    Up,
    /// Selection down.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// The first row.
    Home,
    /// The last row.
    End,
    /// Approve the chat.
    Approve,
    /// Block the chat.
    Block,
    /// Put the chat back to pending.
    ResetChat,
    /// Choose the reply mode.
    ReplyMode,
    /// Set the confidence threshold.
    Confidence,
    /// Set the chat's retention override.
    ChatRetention,
    /// Approve a chat by its id, before the bot has seen it.
    AddChat,
    /// Cycle the status filter.
    Filter,
    /// Add a provider.
    New,
    /// Edit the provider.
    Edit,
    /// Delete the provider.
    Delete,
    /// Test the provider's connection.
    Test,
    /// Rotate the KEK.
    RotateKek,
    /// Rotate the data keys.
    RotateDek,
    /// Resume re-encryption.
    Rewrap,
    /// Retire old versions.
    Retire,
    /// Purge now.
    Purge,
    /// Edit the retention policy.
    EditPolicy,
    /// Verify the audit chain.
    Verify,
    /// Search the audit log.
    Search,
    /// Show only data-subject requests.
    SubjectRequests,
    /// Open the dead letters.
    DeadLetters,
    /// Back to the overview.
    Back,
    /// Put the dead letter back in its queue.
    Requeue,
    /// Put every dead letter back.
    RequeueAll,
    /// Delete the dead letter.
    Discard,
}

/// A key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key code.
    pub code: KeyCode,
    /// Ctrl, if it must be held.
    pub ctrl: bool,
}

impl Key {
    const fn ch(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: false,
        }
    }

    const fn code(code: KeyCode) -> Key {
        Key { code, ctrl: false }
    }

    const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }

    /// Whether `ev` is this key.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        ev.code == self.code && ctrl == self.ctrl
    }

    /// How the key is written in hints and help.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "S-Tab".to_owned(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl { format!("C-{base}") } else { base }
    }
}

/// One binding: keys, what they do, and the locale key of its help text.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys (the first is shown).
    pub keys: &'static [Key],
    /// What they do.
    pub command: Command,
    /// Help text's locale key.
    pub help: &'static str,
    /// The hint line's short label (locale key); `None`: help only.
    pub hint: Option<&'static str>,
}

const fn bind(
    keys: &'static [Key],
    command: Command,
    help: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        command,
        help,
        hint,
    }
}

/// Keys that work on every screen (after the screen's own).
pub const GLOBAL: &[Binding] = &[
    bind(
        &[Key::ch('?'), Key::code(KeyCode::F(1))],
        Command::Help,
        "console-help-help",
        Some("console-short-help"),
    ),
    bind(
        &[Key::ch('q'), Key::ctrl('c')],
        Command::Quit,
        "console-help-quit",
        Some("console-short-quit"),
    ),
    bind(
        &[Key::code(KeyCode::Tab)],
        Command::NextScreen,
        "console-help-next-screen",
        None,
    ),
    bind(
        &[Key::code(KeyCode::BackTab)],
        Command::PrevScreen,
        "console-help-prev-screen",
        None,
    ),
    bind(
        &[Key::ch('1')],
        Command::Goto(ScreenId::Overview),
        "console-tab-overview",
        None,
    ),
    bind(
        &[Key::ch('2')],
        Command::Goto(ScreenId::Chats),
        "console-tab-chats",
        None,
    ),
    bind(
        &[Key::ch('3')],
        Command::Goto(ScreenId::Providers),
        "console-tab-providers",
        None,
    ),
    bind(
        &[Key::ch('4')],
        Command::Goto(ScreenId::Keys),
        "console-tab-keys",
        None,
    ),
    bind(
        &[Key::ch('5')],
        Command::Goto(ScreenId::Retention),
        "console-tab-retention",
        None,
    ),
    bind(
        &[Key::ch('6')],
        Command::Goto(ScreenId::Audit),
        "console-tab-audit",
        None,
    ),
    bind(
        &[Key::ch('r'), Key::ctrl('r')],
        Command::Refresh,
        "console-help-refresh",
        None,
    ),
];

/// Moving the selection in a list.
const NAV: [Binding; 6] = [
    bind(
        &[Key::code(KeyCode::Up), Key::ch('k')],
        Command::Up,
        "console-help-up",
        None,
    ),
    bind(
        &[Key::code(KeyCode::Down), Key::ch('j')],
        Command::Down,
        "console-help-down",
        None,
    ),
    bind(
        &[Key::code(KeyCode::PageUp)],
        Command::PageUp,
        "console-help-page-up",
        None,
    ),
    bind(
        &[Key::code(KeyCode::PageDown)],
        Command::PageDown,
        "console-help-page-down",
        None,
    ),
    bind(
        &[Key::code(KeyCode::Home), Key::ch('g')],
        Command::Home,
        "console-help-home",
        None,
    ),
    bind(
        &[Key::code(KeyCode::End), Key::ch('G')],
        Command::End,
        "console-help-end",
        None,
    ),
];

const CHATS: &[Binding] = &[
    bind(
        &[Key::ch('a')],
        Command::Approve,
        "console-help-approve",
        Some("console-short-approve"),
    ),
    bind(
        &[Key::ch('b')],
        Command::Block,
        "console-help-block",
        Some("console-short-block"),
    ),
    bind(
        &[Key::ch('p')],
        Command::ResetChat,
        "console-help-reset-chat",
        None,
    ),
    bind(
        &[Key::ch('m')],
        Command::ReplyMode,
        "console-help-reply-mode",
        Some("console-short-reply-mode"),
    ),
    bind(
        &[Key::ch('c')],
        Command::Confidence,
        "console-help-confidence",
        Some("console-short-confidence"),
    ),
    bind(
        &[Key::ch('t')],
        Command::ChatRetention,
        "console-help-chat-retention",
        Some("console-short-chat-retention"),
    ),
    bind(
        &[Key::ch('f')],
        Command::Filter,
        "console-help-filter",
        Some("console-short-filter"),
    ),
    bind(
        &[Key::ch('n')],
        Command::AddChat,
        "console-help-add-chat",
        None,
    ),
    NAV[0],
    NAV[1],
    NAV[2],
    NAV[3],
    NAV[4],
    NAV[5],
];

const PROVIDERS: &[Binding] = &[
    bind(
        &[Key::ch('n')],
        Command::New,
        "console-help-new-provider",
        Some("console-short-new-provider"),
    ),
    bind(
        &[Key::ch('e'), Key::code(KeyCode::Enter)],
        Command::Edit,
        "console-help-edit-provider",
        Some("console-short-edit-provider"),
    ),
    bind(
        &[Key::ch('t')],
        Command::Test,
        "console-help-test-provider",
        Some("console-short-test-provider"),
    ),
    bind(
        &[Key::ch('d'), Key::code(KeyCode::Delete)],
        Command::Delete,
        "console-help-delete-provider",
        Some("console-short-delete-provider"),
    ),
    NAV[0],
    NAV[1],
    NAV[2],
    NAV[3],
    NAV[4],
    NAV[5],
];

const KEYS: &[Binding] = &[
    bind(
        &[Key::ch('K')],
        Command::RotateKek,
        "console-help-rotate-kek",
        Some("console-short-rotate-kek"),
    ),
    bind(
        &[Key::ch('D')],
        Command::RotateDek,
        "console-help-rotate-dek",
        Some("console-short-rotate-dek"),
    ),
    bind(
        &[Key::ch('w')],
        Command::Rewrap,
        "console-help-rewrap",
        Some("console-short-rewrap"),
    ),
    bind(
        &[Key::ch('R')],
        Command::Retire,
        "console-help-retire",
        Some("console-short-retire"),
    ),
];

const RETENTION: &[Binding] = &[
    bind(
        &[Key::ch('P')],
        Command::Purge,
        "console-help-purge",
        Some("console-short-purge"),
    ),
    bind(
        &[Key::ch('e')],
        Command::EditPolicy,
        "console-help-edit-policy",
        Some("console-short-edit-policy"),
    ),
    bind(
        &[Key::ch('t')],
        Command::ChatRetention,
        "console-help-chat-retention",
        Some("console-short-chat-retention"),
    ),
    NAV[0],
    NAV[1],
    NAV[2],
    NAV[3],
    NAV[4],
    NAV[5],
];

const AUDIT: &[Binding] = &[
    bind(
        &[Key::ch('v')],
        Command::Verify,
        "console-help-verify",
        Some("console-short-verify"),
    ),
    bind(
        &[Key::ch('/')],
        Command::Search,
        "console-help-search",
        Some("console-short-search"),
    ),
    bind(
        &[Key::ch('s')],
        Command::SubjectRequests,
        "console-help-subject-requests",
        Some("console-short-subject-requests"),
    ),
    NAV[0],
    NAV[1],
    NAV[2],
    NAV[3],
    NAV[4],
    NAV[5],
];

const OVERVIEW: &[Binding] = &[bind(
    &[Key::ch('d')],
    Command::DeadLetters,
    "console-help-dead-letters",
    Some("console-short-dead-letters"),
)];

const DEAD_LETTERS: &[Binding] = &[
    bind(
        &[Key::ch('t')],
        Command::Requeue,
        "console-help-requeue",
        Some("console-short-requeue"),
    ),
    bind(
        &[Key::ch('T')],
        Command::RequeueAll,
        "console-help-requeue-all",
        Some("console-short-requeue-all"),
    ),
    bind(
        &[Key::ch('d'), Key::code(KeyCode::Delete)],
        Command::Discard,
        "console-help-discard",
        Some("console-short-discard"),
    ),
    bind(
        &[Key::code(KeyCode::Esc)],
        Command::Back,
        "console-help-back",
        Some("console-short-back"),
    ),
    NAV[0],
    NAV[1],
    NAV[2],
    NAV[3],
    NAV[4],
    NAV[5],
];

/// The screen's own bindings.
pub fn screen(id: ScreenId) -> &'static [Binding] {
    match id {
        ScreenId::Overview => OVERVIEW,
        ScreenId::Chats => CHATS,
        ScreenId::Providers => PROVIDERS,
        ScreenId::Keys => KEYS,
        ScreenId::Retention => RETENTION,
        ScreenId::Audit => AUDIT,
        ScreenId::DeadLetters => DEAD_LETTERS,
    }
}

/// The command `ev` means in `bindings`, if any.
pub fn lookup(bindings: &[Binding], ev: &KeyEvent) -> Option<Command> {
    bindings
        .iter()
        .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        .map(|b| b.command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_screen_key_shadows_another_on_the_same_screen() {
        for id in ScreenId::ALL.into_iter().chain([ScreenId::DeadLetters]) {
            let mut seen: Vec<Key> = Vec::new();
            for b in screen(id).iter().chain(GLOBAL) {
                for k in b.keys {
                    assert!(!seen.contains(k), "{id:?}: {} is bound twice", k.label());
                    seen.push(*k);
                }
            }
        }
    }

    #[test]
    fn shifted_letters_and_ctrl_are_told_apart() {
        let ev = |code, modifiers| KeyEvent::new(code, modifiers);
        assert_eq!(
            lookup(GLOBAL, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        assert_eq!(
            lookup(GLOBAL, &ev(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            lookup(KEYS, &ev(KeyCode::Char('K'), KeyModifiers::SHIFT)),
            Some(Command::RotateKek)
        );
    }
}
