//! `tasktracker-console`: the operators' terminal console, as a library so
//! that tests drive exactly what operators run.
//!
//! - [`app`]: the state and how actions change it; [`App::render`] draws it.
//! - [`action`]: actions, jobs and the data jobs load.
//! - [`keys`]: the keymaps, as data.
//! - [`screens`]: one module per screen; [`modals`]: confirm, form, help,
//!   message.
//! - [`tasks`]: database work in tasks, answering with actions.
//! - [`terminal`]: taking the terminal and giving it back, on a panic too.
//! - [`Console`]: the app, its worker and the loop, generic over ratatui's
//!   `Backend`, so tests run it on a `TestBackend`.
//!
//! This crate is the only one that knows ratatui and crossterm.

pub mod action;
pub mod app;
pub mod keys;
pub mod modals;
pub mod plain;
pub mod screens;
pub mod tasks;
pub mod terminal;
pub mod text;
pub mod theme;

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

pub use app::{App, Ctx};
/// Keys, for callers that drive a [`Console`] (tests): they need not know crossterm.
pub use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use action::Action;
use tasks::{Services, Worker};

/// How often the shown screen reloads.
pub const REFRESH: Duration = Duration::from_secs(2);

/// Where `--panic-for-test` makes the console panic (built with the
/// `test-hooks` feature only, for the tests that watch the terminal being
/// restored).
#[cfg(feature = "test-hooks")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PanicAt {
    /// Drawing the second frame, in the main task.
    Draw,
    /// The next job, in a task of its own.
    Job,
}

/// The app with its worker: keys in, jobs out to tasks, actions back.
#[derive(Debug)]
pub struct Console {
    /// The state.
    pub app: App,
    worker: Worker,
    actions: UnboundedReceiver<Action>,
    running: usize,
    #[cfg(feature = "test-hooks")]
    panic_at: Option<PanicAt>,
    #[cfg(feature = "test-hooks")]
    draws: u32,
}

impl Console {
    /// A console over `services`; asks for the first screen's data.
    pub fn new(mut app: App, services: Arc<Services>) -> Console {
        let (tx, rx) = unbounded_channel();
        app.start();
        let mut c = Console {
            app,
            worker: Worker::new(services, tx),
            actions: rx,
            running: 0,
            #[cfg(feature = "test-hooks")]
            panic_at: None,
            #[cfg(feature = "test-hooks")]
            draws: 0,
        };
        c.spawn_jobs();
        c
    }

    /// Makes the console panic at `at` (tests of the panic hook only).
    #[cfg(feature = "test-hooks")]
    pub fn panic_for_test(&mut self, at: PanicAt) {
        self.panic_at = Some(at);
        if at == PanicAt::Job {
            self.worker.panic_next_job();
        }
    }

    #[cfg(feature = "test-hooks")]
    fn test_panic_before_draw(&mut self) {
        self.draws += 1;
        if self.panic_at == Some(PanicAt::Draw) && self.draws == 2 {
            panic!("--panic-for-test draw: panicking while drawing, as asked");
        }
    }

    fn spawn_jobs(&mut self) {
        for job in self.app.take_jobs() {
            self.running += 1;
            self.worker.spawn(job);
        }
    }

    /// Applies an action and starts the jobs it asked for.
    pub fn dispatch(&mut self, action: Action) {
        if matches!(action, Action::JobEnded(_)) {
            self.running = self.running.saturating_sub(1);
        }
        self.app.update(action);
        self.spawn_jobs();
    }

    /// Handles a key press and starts the jobs it asked for.
    pub fn press(&mut self, key: KeyEvent) {
        self.app.handle_key(key);
        self.spawn_jobs();
    }

    /// What the console shows on a `width` × `height` terminal, as text:
    /// for tests, which need not know ratatui.
    pub fn screen_text(&mut self, width: u16, height: u16) -> Result<String> {
        let mut terminal = Terminal::new(ratatui::backend::TestBackend::new(width, height))
            .map_err(|e| eyre!("{e}"))?;
        terminal
            .draw(|f| self.app.render(f))
            .map_err(|e| eyre!("{e}"))?;
        Ok(format!("{}", terminal.backend()))
    }

    /// Waits until every job (and every job those started) has ended,
    /// applying their actions. For tests and for a clean exit.
    pub async fn settle(&mut self) {
        while self.running > 0 {
            match self.actions.recv().await {
                Some(a) => self.dispatch(a),
                None => break,
            }
        }
    }

    /// Runs until the operator quits or `shutdown` completes: draws, reads
    /// `events`, applies actions from jobs and refreshes every [`REFRESH`].
    /// Changes under way are finished before it returns. A panic in a job
    /// (or any other task) ends the run with an error: the panic hook has
    /// restored the terminal by then, so the console cannot draw on.
    pub async fn run<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        mut events: impl Stream<Item = std::io::Result<Event>> + Unpin,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<()>
    where
        B::Error: Send + Sync + 'static,
    {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            // Nothing more is drawn once leaving, least of all over a
            // panic's report on the restored terminal.
            if self.app.should_quit() || terminal::panicked() {
                break;
            }
            #[cfg(feature = "test-hooks")]
            self.test_panic_before_draw();
            terminal
                .draw(|f| self.app.render(f))
                .map_err(|e| eyre!("drawing the screen: {e}"))?;
            tokio::select! {
                () = &mut shutdown => break,
                _ = tick.tick() => self.dispatch(Action::Tick(domain::store::now())),
                Some(action) = self.actions.recv() => self.dispatch(action),
                event = events.next() => match event {
                    Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => self.press(key),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(eyre!("reading the terminal: {e}")),
                    None => break,
                },
            }
        }
        if self.app.is_busy() {
            tracing::info!("waiting for changes under way before leaving");
        }
        self.settle().await;
        // The panic hook restored the terminal and logged the panic.
        match self.app.crashed() {
            Some(what) => Err(eyre!("{what}; the console cannot go on")),
            None if terminal::panicked() => Err(eyre!("the console panicked; see its log")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod ui_tests;
