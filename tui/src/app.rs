//! The console's state and how it changes.
//!
//! A key goes to the top modal first, then to the current screen, then to
//! the global keymap; whatever it means becomes an [`Action`], and
//! [`App::update`] applies actions. Database work is never done here: the app
//! queues [`Job`]s ([`App::take_jobs`]) that [`crate::tasks`] runs, and their
//! results come back as actions. [`App::render`] only draws the state.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use domain::i18n::Arg;
use domain::store::chats::ChatStatus;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::{Action, Job, Loaded, Notice, ScreenId};
use crate::keys::{self, Command};
use crate::modals::{Help, Level, Message, Modal, Outcome};
use crate::screens::{
    AuditScreen, ChatsScreen, DeadLettersScreen, KeysScreen, OverviewScreen, ProvidersScreen,
    RetentionScreen, queue_key,
};
use crate::text::Text;
use crate::theme::Theme;

/// How long a notice stays on the status line.
const NOTICE_SECONDS: i64 = 15;

/// What every screen and modal needs to draw and to decide.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The strings.
    pub text: Text,
    /// The styles.
    pub theme: Theme,
    /// The console's clock (moved by ticks, so tests choose it).
    pub now: DateTime<Utc>,
    /// Whether the KEK lives in a key file the console may replace.
    pub kek_in_place: bool,
    /// Who the audit log will name.
    pub actor: String,
}

/// A line on the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Info or error.
    pub level: Level,
    /// The text.
    pub text: String,
    /// When it was set.
    pub at: DateTime<Utc>,
}

/// The console.
#[derive(Debug)]
pub struct App {
    ctx: Ctx,
    screen: ScreenId,
    modals: Vec<Modal>,
    /// The overview.
    pub overview: OverviewScreen,
    /// Chats.
    pub chats: ChatsScreen,
    /// Providers.
    pub providers: ProvidersScreen,
    /// Keys.
    pub keys: KeysScreen,
    /// Retention.
    pub retention: RetentionScreen,
    /// The audit log.
    pub audit: AuditScreen,
    /// Dead letters.
    pub dead_letters: DeadLettersScreen,
    status: Option<Status>,
    jobs: Vec<Job>,
    loading: Vec<ScreenId>,
    /// Screens to load again when their load in flight ends (a change
    /// committed after that load began).
    reload: Vec<ScreenId>,
    busy: Vec<Job>,
    quit: bool,
    crashed: Option<String>,
}

impl App {
    /// A console showing the overview; nothing is loaded until the first
    /// tick or [`App::start`].
    pub fn new(ctx: Ctx) -> App {
        App {
            ctx,
            screen: ScreenId::Overview,
            modals: Vec::new(),
            overview: OverviewScreen::default(),
            chats: ChatsScreen::default(),
            providers: ProvidersScreen::default(),
            keys: KeysScreen::default(),
            retention: RetentionScreen::default(),
            audit: AuditScreen::default(),
            dead_letters: DeadLettersScreen::default(),
            status: None,
            jobs: Vec::new(),
            loading: Vec::new(),
            reload: Vec::new(),
            busy: Vec::new(),
            quit: false,
            crashed: None,
        }
    }

    /// Asks for the first screen's data.
    pub fn start(&mut self) {
        self.load(self.screen);
    }

    /// The shared context.
    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// The screen shown.
    pub fn screen(&self) -> ScreenId {
        self.screen
    }

    /// The open modals, bottom first.
    pub fn modals(&self) -> &[Modal] {
        &self.modals
    }

    /// The status line.
    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    /// Whether the operator asked to leave.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Why the console must leave, when a job panicked.
    pub fn crashed(&self) -> Option<&str> {
        self.crashed.as_deref()
    }

    /// Jobs asked for since the last call, for the task runner.
    pub fn take_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.jobs)
    }

    /// Whether any changing job is still running.
    pub fn is_busy(&self) -> bool {
        !self.busy.is_empty()
    }

    fn queue(&mut self, job: Job) {
        if !job.is_read() {
            self.busy.push(job.clone());
        }
        self.jobs.push(job);
    }

    fn load(&mut self, screen: ScreenId) {
        if !self.loading.contains(&screen) {
            self.loading.push(screen);
            self.queue(Job::Load(screen));
        }
    }

    /// Loads `screen` with data read after now: a load already in flight
    /// may have begun before a change, so another follows it.
    fn load_fresh(&mut self, screen: ScreenId) {
        if self.loading.contains(&screen) {
            if !self.reload.contains(&screen) {
                self.reload.push(screen);
            }
        } else {
            self.load(screen);
        }
    }

    /// Turns a key into an action: the top modal first, then the screen,
    /// then the global keymap. Applies the action, if any.
    pub fn handle_key(&mut self, key: KeyEvent) {
        if let Some(action) = self.action_for_key(&key) {
            self.update(action);
        }
    }

    fn action_for_key(&mut self, key: &KeyEvent) -> Option<Action> {
        if let Some(top) = self.modals.last_mut() {
            return match top.handle_key(key, &self.ctx) {
                Outcome::Stay => None,
                Outcome::Close => Some(Action::CloseModal),
                Outcome::CloseWith(action) => {
                    self.modals.pop();
                    Some(action)
                }
                Outcome::StayWith(action) => Some(action),
            };
        }
        if let Some(cmd) = keys::lookup(keys::screen(self.screen), key) {
            return self.screen_command(cmd);
        }
        keys::lookup(keys::GLOBAL, key).and_then(|cmd| self.global_command(cmd))
    }

    fn screen_command(&mut self, cmd: Command) -> Option<Action> {
        let ctx = &self.ctx;
        match self.screen {
            ScreenId::Overview => {
                (cmd == Command::DeadLetters).then_some(Action::Switch(ScreenId::DeadLetters))
            }
            ScreenId::DeadLetters => self.dead_letters.handle(cmd, ctx),
            ScreenId::Chats => self.chats.handle(cmd, ctx),
            ScreenId::Providers => self.providers.handle(cmd, ctx),
            ScreenId::Keys => self.keys.handle(cmd, ctx),
            ScreenId::Retention => self.retention.handle(cmd, ctx),
            ScreenId::Audit => self.audit.handle(cmd, ctx),
        }
    }

    fn global_command(&mut self, cmd: Command) -> Option<Action> {
        let i = self.screen.index();
        let n = ScreenId::ALL.len();
        match cmd {
            Command::Quit => Some(Action::Quit),
            Command::Help => Some(Action::Help),
            Command::NextScreen => Some(Action::Switch(ScreenId::ALL[(i + 1) % n])),
            Command::PrevScreen => Some(Action::Switch(ScreenId::ALL[(i + n - 1) % n])),
            Command::Goto(s) => Some(Action::Switch(s)),
            Command::Refresh => Some(Action::Refresh),
            _ => None,
        }
    }

    /// Applies an action.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Crashed(what) => {
                self.crashed.get_or_insert(what);
                self.quit = true;
            }
            Action::Tick(now) => {
                self.ctx.now = now;
                if let Some(s) = &self.status
                    && (now - s.at).num_seconds() >= NOTICE_SECONDS
                    && s.level == Level::Info
                {
                    self.status = None;
                }
                if auto_refresh(self.screen) {
                    self.load(self.screen);
                }
            }
            Action::Switch(screen) => {
                self.screen = screen;
                self.load(screen);
            }
            Action::Refresh => {
                self.load(self.screen);
                if self.screen == ScreenId::Audit {
                    self.audit.verification = None;
                }
            }
            Action::Help => self.modals.push(Modal::Help(Help {
                screen: self.screen,
            })),
            Action::CloseModal => {
                self.modals.pop();
            }
            Action::Open(modal) => self.modals.push(*modal),
            Action::Run(job) => {
                if let Some(label) = busy_label(&job) {
                    self.set_status(Level::Info, self.ctx.text.t(label));
                }
                self.queue(job);
            }
            Action::Loaded(loaded) => self.apply(loaded),
            Action::Done(notice) => {
                // A form waiting for its save is done.
                if matches!(self.modals.last(), Some(Modal::Form(f)) if f.pending) {
                    self.modals.pop();
                }
                let text = notice_text(&self.ctx.text, &notice);
                self.set_status(Level::Info, text);
                self.load_fresh(self.screen);
            }
            Action::Failed { what, error } => {
                let what_text = self.ctx.text.t(what);
                if let Some(Modal::Form(f)) = self.modals.last_mut()
                    && f.pending
                {
                    f.pending = false;
                    f.error = Some(error);
                } else {
                    self.modals.push(Modal::Message(Message {
                        title: what_text.clone(),
                        lines: vec![error],
                        level: Level::Error,
                    }));
                }
                let line = self
                    .ctx
                    .text
                    .tr("console-status-failed", &[("what", Arg::Str(&what_text))]);
                self.set_status(Level::Error, line);
            }
            Action::Progress(p) => self.keys.progress = Some(p),
            Action::Tested { name, test } => {
                let message = self.providers.test_message(&name, &test, &self.ctx);
                self.modals.push(Modal::Message(message));
            }
            Action::AuditSearch(q) => self.audit.set_search(q),
            Action::Verified(v) => self.audit.verification = Some(v),
            Action::JobEnded(job) => {
                // "Working…" for this job is over (a notice or error
                // replaced it already, if there was one).
                if let Some(label) = busy_label(&job)
                    && self
                        .status
                        .as_ref()
                        .is_some_and(|s| s.text == self.ctx.text.t(label))
                {
                    self.status = None;
                }
                if let Job::Load(s) = *job {
                    self.loading.retain(|l| *l != s);
                    if let Some(i) = self.reload.iter().position(|r| *r == s) {
                        self.reload.remove(i);
                        self.load(s);
                    }
                }
                if let Some(i) = self.busy.iter().position(|b| same_job(b, &job)) {
                    self.busy.remove(i);
                }
                if matches!(*job, Job::Rewrap | Job::RotateDek(_)) {
                    self.keys.progress = None;
                }
            }
        }
    }

    fn set_status(&mut self, level: Level, text: String) {
        self.status = Some(Status {
            level,
            text,
            at: self.ctx.now,
        });
    }

    fn apply(&mut self, loaded: Loaded) {
        match loaded {
            Loaded::Overview(d) => self.overview.data = Some(*d),
            Loaded::Chats { rows, policy } => self.chats.set(rows, policy),
            Loaded::Providers(p) => self.providers.set(p),
            Loaded::Keys(k) => self.keys.data = Some(*k),
            Loaded::Retention(r) => self.retention.set(*r),
            Loaded::Audit(entries) => self.audit.set(entries),
            Loaded::OlderAudit(entries) => self.audit.append(entries),
            Loaded::DeadLetters(rows) => self.dead_letters.set(rows),
        }
    }

    /// Draws everything: the tab bar, the screen, the status and hint
    /// lines, then the modals over them.
    pub fn render(&mut self, frame: &mut Frame) {
        let [tabs, body, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        self.render_tabs(frame, tabs);
        let ctx = &self.ctx;
        match self.screen {
            ScreenId::Overview => self.overview.render(frame, body, ctx),
            ScreenId::Chats => self.chats.render(frame, body, ctx),
            ScreenId::Providers => self.providers.render(frame, body, ctx),
            ScreenId::Keys => self.keys.render(frame, body, ctx),
            ScreenId::Retention => self.retention.render(frame, body, ctx),
            ScreenId::Audit => self.audit.render(frame, body, ctx),
            ScreenId::DeadLetters => self.dead_letters.render(frame, body, ctx),
        }
        self.render_status(frame, status);
        self.render_hints(frame, hints);
        for modal in &self.modals {
            modal.render(frame, &self.ctx);
        }
    }

    fn render_tabs(&self, frame: &mut Frame, area: Rect) {
        let t = self.ctx.theme;
        let mut spans = vec![Span::styled(" tasktracker ", t.heading())];
        for s in ScreenId::ALL {
            let label = format!(" {} {} ", s.index() + 1, self.ctx.text.t(s.title_key()));
            let style = if s == self.screen.tab() {
                t.selected()
            } else {
                t.dim()
            };
            spans.push(Span::styled(label, style));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn render_status(&self, frame: &mut Frame, area: Rect) {
        let t = self.ctx.theme;
        let line = match &self.status {
            Some(s) => Line::styled(
                format!(" {}", s.text),
                if s.level == Level::Error {
                    t.error()
                } else {
                    t.ok()
                },
            ),
            None if self.is_busy() => Line::styled(
                format!(" {}", self.ctx.text.t("console-status-working")),
                t.dim(),
            ),
            None => Line::styled(
                format!(
                    " {}",
                    self.ctx.text.tr(
                        "console-status-operator",
                        &[("actor", Arg::Str(&self.ctx.actor))]
                    )
                ),
                t.dim(),
            ),
        };
        frame.render_widget(Paragraph::new(line), area);
    }

    fn render_hints(&self, frame: &mut Frame, area: Rect) {
        let t = self.ctx.theme;
        let mut spans = Vec::new();
        for b in keys::screen(self.screen).iter().chain(keys::GLOBAL) {
            let (Some(short), Some(key)) = (b.hint, b.keys.first()) else {
                continue;
            };
            spans.push(Span::styled(format!(" {}", key.label()), t.key()));
            spans.push(Span::raw(format!(" {}", self.ctx.text.t(short))));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}

/// Screens that reload on every tick while shown. Keys (a scan of every
/// encrypted value) and the audit log (being read) reload on request.
fn auto_refresh(s: ScreenId) -> bool {
    matches!(
        s,
        ScreenId::Overview
            | ScreenId::Chats
            | ScreenId::Providers
            | ScreenId::Retention
            | ScreenId::DeadLetters
    )
}

fn same_job(a: &Job, b: &Job) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// What the status line says while a change runs.
fn busy_label(job: &Job) -> Option<&'static str> {
    Some(match job {
        Job::RotateKek => "console-busy-rotate-kek",
        Job::RotateDek(_) => "console-busy-rotate-dek",
        Job::Rewrap => "console-busy-rewrap",
        Job::Retire => "console-busy-retire",
        Job::Purge => "console-busy-purge",
        Job::TestProvider { .. } => "console-busy-test",
        Job::VerifyAudit => "console-busy-verify",
        _ => return None,
    })
}

fn notice_text(text: &Text, n: &Notice) -> String {
    match n {
        Notice::ChatDecided {
            chat_id,
            status,
            changed: false,
        } => text.tr(
            "console-notice-chat-unchanged",
            &[
                ("chat", (*chat_id).into()),
                ("status", Arg::Str(&text.t(status_key(*status)))),
            ],
        ),
        Notice::ChatDecided {
            chat_id, status, ..
        } => text.tr(
            match status {
                ChatStatus::Approved => "console-notice-chat-approved",
                ChatStatus::Blocked => "console-notice-chat-blocked",
                ChatStatus::Pending => "console-notice-chat-reset",
            },
            &[("chat", (*chat_id).into())],
        ),
        Notice::ChatUpdated { chat_id } => text.tr(
            "console-notice-chat-updated",
            &[("chat", (*chat_id).into())],
        ),
        Notice::PolicySaved => text.t("console-notice-policy-saved"),
        Notice::ProviderSaved { name } => {
            text.tr("console-notice-provider-saved", &[("name", Arg::Str(name))])
        }
        Notice::ProviderDeleted { name } => text.tr(
            "console-notice-provider-deleted",
            &[("name", Arg::Str(name))],
        ),
        Notice::KekRotated { to, backup } => text.tr(
            "console-notice-kek-rotated",
            &[
                ("version", i64::from(*to).into()),
                ("backup", Arg::Str(backup)),
            ],
        ),
        Notice::DekRotated { keys } => text.tr(
            "console-notice-dek-rotated",
            &[("keys", i64::try_from(*keys).unwrap_or(i64::MAX).into())],
        ),
        Notice::Rewrapped { rewritten, scanned } => text.tr(
            "console-notice-rewrapped",
            &[
                (
                    "rewritten",
                    i64::try_from(*rewritten).unwrap_or(i64::MAX).into(),
                ),
                (
                    "scanned",
                    i64::try_from(*scanned).unwrap_or(i64::MAX).into(),
                ),
            ],
        ),
        Notice::Retired { keys } => text.tr(
            "console-notice-retired",
            &[("keys", i64::try_from(*keys).unwrap_or(i64::MAX).into())],
        ),
        Notice::Requeued { queue, id, changed } => text.tr(
            if *changed {
                "console-notice-requeued"
            } else {
                "console-notice-not-dead"
            },
            &[
                ("queue", Arg::Str(&text.t(queue_key(*queue)))),
                ("id", (*id).into()),
            ],
        ),
        Notice::Discarded { queue, id, changed } => text.tr(
            if *changed {
                "console-notice-discarded"
            } else {
                "console-notice-not-dead"
            },
            &[
                ("queue", Arg::Str(&text.t(queue_key(*queue)))),
                ("id", (*id).into()),
            ],
        ),
        Notice::RequeuedAll { inbox, outbox } => text.tr(
            "console-notice-requeued-all",
            &[
                ("inbox", i64::try_from(*inbox).unwrap_or(i64::MAX).into()),
                ("outbox", i64::try_from(*outbox).unwrap_or(i64::MAX).into()),
            ],
        ),
        Notice::Purged { messages, tasks } => text.tr(
            "console-notice-purged",
            &[("messages", (*messages).into()), ("tasks", (*tasks).into())],
        ),
    }
}

/// The locale key naming a chat status.
pub fn status_key(s: ChatStatus) -> &'static str {
    match s {
        ChatStatus::Pending => "console-chat-pending",
        ChatStatus::Approved => "console-chat-approved",
        ChatStatus::Blocked => "console-chat-blocked",
    }
}
