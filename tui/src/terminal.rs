//! Taking the terminal (raw mode, the alternate screen) and giving it back:
//! when the console leaves, and from the panic hook, whatever thread
//! panicked. Giving it back happens once: leaving the alternate screen a
//! second time would put the cursor back over what was printed since (a
//! panic's report).

use std::io::{Stdout, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The console's terminal: ratatui over crossterm on standard output.
pub type ConsoleTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Whether the terminal is taken (raw mode, alternate screen).
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Set when the panic hook has run: the terminal is given back by then, so
/// the console must draw no more.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Takes the terminal: raw mode, the alternate screen, and a ratatui
/// terminal drawing on standard output. Install [`install_panic_hook`]
/// first.
pub fn take() -> std::io::Result<ConsoleTerminal> {
    enable_raw_mode()?;
    TAKEN.store(true, Ordering::SeqCst);
    let taken = execute!(stdout(), EnterAlternateScreen)
        .and_then(|()| Terminal::new(CrosstermBackend::new(stdout())));
    if taken.is_err() {
        give_back();
    }
    taken
}

/// Gives the terminal back, if taken: leaves raw mode and the alternate
/// screen and shows the cursor. Does nothing the second time. Errors are
/// ignored: the terminal may be gone (SIGHUP), and there is nothing else
/// to do about them.
pub fn give_back() {
    if TAKEN.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(stdout(), LeaveAlternateScreen, Show);
    }
}

/// Installs a panic hook that marks the console as panicked ([`panicked`]),
/// logs the panic (the log file keeps it), gives the terminal back, then
/// hands over to the hook it replaces (color-eyre's report, printed on the
/// restored terminal).
pub fn install_panic_hook() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        tracing::error!(panic = %info, "the console panicked");
        give_back();
        report(info);
    }));
}

/// Whether the panic hook has run in this process.
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}
