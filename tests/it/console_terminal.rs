//! The real `tasktracker-console` in a pseudo-terminal, as an operator runs
//! it over SSH. Once it has drawn (the alternate screen entered), leaving
//! with `q`, SIGTERM, SIGHUP, a panic while drawing and a panic in a job
//! each end it with the terminal restored: the output ends by leaving the
//! alternate screen and showing the cursor, and the terminal is out of raw
//! mode again (its termios has ICANON and ECHO back). A panic also lands in
//! the console's log file, and the exit status says what happened.
//!
//! The panics come from the hidden `--panic-for-test` flag, which exists
//! only in builds with the `test-hooks` feature (`tests::bin::console()`
//! builds it so). The console's terminal is its standard input and output,
//! as crossterm takes standard input when it is a terminal; it runs in a
//! process group of its own, so no signal meant for the test reaches it.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::pty::{Winsize, openpty};
use nix::sys::signal::{Signal, kill};
use nix::sys::termios::{LocalFlags, Termios, tcgetattr};
use nix::unistd::Pid;

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const HIDE_CURSOR: &[u8] = b"\x1b[?25l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// How long a wait may take before the test fails (not a performance
/// bound: the first test builds the binary).
const WAIT: Duration = Duration::from_secs(60);

/// The console running in a pseudo-terminal of 80×24.
struct InPty {
    child: Child,
    keys: std::fs::File,
    /// Kept open so that the terminal's modes can be read after the exit.
    slave: OwnedFd,
    output: Arc<Mutex<Vec<u8>>>,
    reader: JoinHandle<()>,
    dir: tempfile::TempDir,
}

/// What the console left behind.
struct Ended {
    status: ExitStatus,
    output: Vec<u8>,
    termios: Termios,
    log: String,
}

impl Ended {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// The output is left on the main screen with the cursor shown, the
    /// terminal out of raw mode; returns what came after the last time the
    /// console left the alternate screen (a panic's report, if any).
    fn assert_restored(&self) -> String {
        let out = &self.output;
        let entered = rfind(out, ENTER_ALT).unwrap_or_else(|| {
            panic!(
                "the console never entered the alternate screen:\n{}",
                self.text()
            )
        });
        let left = find_from(out, LEAVE_ALT, entered).unwrap_or_else(|| {
            panic!(
                "the alternate screen was not left after it was entered:\n{:?}",
                self.text()
            )
        });
        assert!(
            rfind(out, ENTER_ALT) < Some(left),
            "the alternate screen was entered again"
        );
        let shown = rfind(out, SHOW_CURSOR).expect("the cursor is shown at the end");
        assert!(
            rfind(out, HIDE_CURSOR).is_none_or(|hidden| hidden < shown),
            "the cursor stays hidden: {:?}",
            self.text()
        );
        assert!(shown > entered, "the cursor was not shown after drawing");
        let lflags = self.termios.local_flags;
        assert!(
            lflags.contains(LocalFlags::ICANON) && lflags.contains(LocalFlags::ECHO),
            "the terminal is still in raw mode: {lflags:?}"
        );
        String::from_utf8_lossy(&out[left..]).into_owned()
    }
}

fn find_from(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

impl InPty {
    /// Starts the console in a fresh directory (an SQLite database and a
    /// key file are made there), logging to `console.log` in it.
    fn start(args: &[&str]) -> InPty {
        let dir = tempfile::tempdir().unwrap();
        let pty = openpty(
            Some(&Winsize {
                ws_row: 24,
                ws_col: 80,
                ws_xpixel: 0,
                ws_ypixel: 0,
            }),
            None,
        )
        .expect("opening a pseudo-terminal");
        let terminal = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
        let child = tests::bin::command_of(&tests::bin::console(), dir.path())
            .args(["--log-file", "console.log"])
            .args(args)
            .env("USER", "olena")
            .env("TERM", "xterm-256color")
            .stdin(terminal(&pty.slave))
            .stdout(terminal(&pty.slave))
            .stderr(terminal(&pty.slave))
            .process_group(0)
            .spawn()
            .expect("starting tasktracker-console");
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut from_console = std::fs::File::from(pty.master.try_clone().unwrap());
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once the last slave descriptor is closed.
            while let Ok(n @ 1..) = from_console.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        InPty {
            child,
            keys: std::fs::File::from(pty.master),
            slave: pty.slave,
            output,
            reader,
            dir,
        }
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn output(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    /// Waits until `ok` holds, failing with the output if the console
    /// exits first or the wait is too long.
    fn wait_until(&mut self, what: &str, ok: impl Fn(&InPty) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !ok(self) {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "the console exited ({status}) before {what}:\n{}",
                    String::from_utf8_lossy(&self.output())
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{:?}",
                String::from_utf8_lossy(&self.output())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the console has entered the alternate screen and drawn
    /// its first frame (the tab bar).
    fn wait_drawn(&mut self) {
        self.wait_until("the first frame", |p| {
            let out = p.output();
            find_from(&out, ENTER_ALT, 0)
                .and_then(|at| find_from(&out, b"tasktracker", at))
                .is_some()
        });
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir().join("console.log")).unwrap_or_default()
    }

    /// Waits until the log file holds `needle`.
    fn wait_logged(&mut self, needle: &str) {
        self.wait_until(&format!("{needle:?} in the log"), |p| {
            p.log().contains(needle)
        });
    }

    /// Types `keys` as the terminal would send them.
    fn type_keys(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).unwrap();
        self.keys.flush().unwrap();
    }

    fn signal(&self, signal: Signal) {
        let pid = i32::try_from(self.child.id()).unwrap();
        kill(Pid::from_raw(pid), signal).unwrap();
    }

    /// Waits for the console to exit (killing it if it does not) and reads
    /// what it left: its output, the terminal's modes, its log.
    fn end(mut self) -> Ended {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the console did not exit:\n{:?}",
                    String::from_utf8_lossy(&self.output())
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let termios = tcgetattr(&self.slave).expect("reading the terminal's modes");
        // Let the reader take what is still buffered, then hang up.
        let mut seen = self.output().len();
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let now = self.output().len();
            if now == seen {
                break;
            }
            seen = now;
        }
        let InPty {
            slave,
            keys,
            reader,
            output,
            dir,
            ..
        } = self;
        drop(slave);
        drop(keys);
        let stop = Instant::now() + Duration::from_secs(5);
        while !reader.is_finished() && Instant::now() < stop {
            std::thread::sleep(Duration::from_millis(10));
        }
        let output = output.lock().unwrap().clone();
        let log = std::fs::read_to_string(dir.path().join("console.log")).unwrap_or_default();
        Ended {
            status,
            output,
            termios,
            log,
        }
    }
}

#[test]
fn quitting_restores_the_terminal() {
    let mut c = InPty::start(&[]);
    c.wait_drawn();
    c.type_keys(b"q");
    let ended = c.end();
    assert_eq!(ended.status.code(), Some(0), "{}", ended.text());
    ended.assert_restored();
    assert!(
        ended.output.ends_with(b"\x1b[?1049l\x1b[?25h"),
        "the last thing written restores the terminal: {:?}",
        ended.text()
    );
    assert!(ended.log.contains("console stopped"), "{}", ended.log);
}

fn a_signal_restores_the_terminal(signal: Signal) {
    let mut c = InPty::start(&[]);
    c.wait_drawn();
    c.signal(signal);
    let ended = c.end();
    assert_eq!(
        ended.status.code(),
        Some(0),
        "{signal}: a clean exit, not death by the signal ({:?}):\n{}",
        ended.status.signal(),
        ended.text()
    );
    ended.assert_restored();
    assert!(
        ended.output.ends_with(b"\x1b[?1049l\x1b[?25h"),
        "{signal}: the last thing written restores the terminal: {:?}",
        ended.text()
    );
    assert!(
        ended.log.contains("signal received; leaving") && ended.log.contains("console stopped"),
        "{}",
        ended.log
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    a_signal_restores_the_terminal(Signal::SIGTERM);
}

#[test]
fn sighup_restores_the_terminal() {
    a_signal_restores_the_terminal(Signal::SIGHUP);
}

/// The report of a panic comes after the terminal is restored (so the
/// operator can read it), and the log keeps it.
fn assert_panic_reported(ended: &Ended, message: &str) {
    assert!(
        !ended.status.success() && ended.status.signal().is_none(),
        "a panic exits with an error status: {:?}",
        ended.status
    );
    let after = ended.assert_restored();
    assert!(
        after.contains(message),
        "the report follows on the restored terminal:\n{after:?}"
    );
    assert!(
        ended.log.contains("the console panicked") && ended.log.contains(message),
        "the log keeps the panic:\n{}",
        ended.log
    );
}

#[test]
fn a_panic_while_drawing_restores_the_terminal_and_is_logged() {
    let c = InPty::start(&["--panic-for-test", "draw"]);
    // The second frame panics: the first is on the alternate screen.
    let ended = c.end();
    assert_eq!(ended.status.code(), Some(101), "{}", ended.text());
    assert_panic_reported(&ended, "panicking while drawing");
}

#[test]
fn a_panic_in_a_job_restores_the_terminal_and_is_logged() {
    let mut c = InPty::start(&["--panic-for-test", "job"]);
    c.wait_drawn();
    // Switching to the chats screen loads it: a job, which panics.
    c.type_keys(b"2");
    let ended = c.end();
    assert_eq!(ended.status.code(), Some(1), "{}", ended.text());
    assert_panic_reported(&ended, "panicking in a job");
    assert!(
        ended.log.contains("a console job panicked"),
        "the console's own error is logged too:\n{}",
        ended.log
    );
}

/// A base URL typed with a password and a key in its query: the save is
/// refused (not an http(s) URL), and neither the log file nor the error
/// the form shows holds the password or the key.
#[test]
fn a_refused_provider_url_keeps_its_secrets_out_of_the_log() {
    let mut c = InPty::start(&[]);
    c.wait_drawn();
    c.type_keys(b"3");
    c.type_keys(b"n");
    c.type_keys(b"leaky\t\t");
    c.type_keys(b"htps://olena:hunter2-pw@llm.example/v1?api_key=sk-in-query-123\t");
    c.type_keys(b"some-model\r");
    c.wait_logged("console job failed");
    c.type_keys(b"\x1b");
    // Esc alone is told from the start of an escape sequence by a pause.
    std::thread::sleep(Duration::from_millis(300));
    c.type_keys(b"q");
    let ended = c.end();
    assert_eq!(ended.status.code(), Some(0), "{}", ended.text());
    ended.assert_restored();
    let log = &ended.log;
    assert!(log.contains("is not an http(s) URL"), "{log}");
    assert!(log.contains("[redacted]"), "{log}");
    for secret in ["hunter2-pw", "sk-in-query-123"] {
        assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
    }
    assert!(
        ended
            .text()
            .contains("[redacted]@llm.example/v1?api_key=[redacted]"),
        "the form shows the refusal with the URL redacted: {:?}",
        ended.text()
    );
}
