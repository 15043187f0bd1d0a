//! Evaluates the builtin classifier against the labelled message sets.
//!
//! `data/classification/labelled.jsonl` is the development set;
//! `data/classification/holdout.jsonl` was written first and not tuned
//! against. Both must stay above the floors below.
//!
//! Run with `cargo test --test eval -- --nocapture` to see the report;
//! set `EVAL_VERBOSE=1` to also list every mistake, `EVAL_TITLES=1` to
//! list every title.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use domain::classify::builtin::Builtin;
use domain::classify::{Classification, Kind, MessageInput, Priority};

/// Floors for the labelled and holdout sets, a little below what the
/// classifier achieves on both.
const FLOORS: Floors = Floors {
    actionable_f1: 0.95,
    kind_accuracy: 0.93,
    due_exact: 0.95,
    false_due: 0.03,
    assignee_exact: 0.95,
    priority_accuracy: 0.93,
};

/// Floors for the blind set: its scores before any tuning against it
/// (F1 0.851, kind 0.800, due 0.944, assignees 0.982, priority 0.929),
/// rounded down. It must never fall back below its untuned level.
const BLIND_FLOORS: Floors = Floors {
    actionable_f1: 0.85,
    kind_accuracy: 0.80,
    due_exact: 0.90,
    false_due: 0.05,
    assignee_exact: 0.95,
    priority_accuracy: 0.90,
};

struct Floors {
    actionable_f1: f64,
    kind_accuracy: f64,
    due_exact: f64,
    false_due: f64,
    assignee_exact: f64,
    priority_accuracy: f64,
}

#[derive(Debug, serde::Deserialize)]
struct Example {
    text: String,
    lang: String,
    sent_at: DateTime<Utc>,
    tz: String,
    kind: Kind,
    due: Option<NaiveDate>,
    assignees: Vec<String>,
    priority: Priority,
}

fn load(path: &str) -> Vec<Example> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let data = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    data.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}:{}: {e}", n + 1)))
        .collect()
}

fn classify(e: &Example) -> Classification {
    let tz: chrono_tz::Tz = e.tz.parse().unwrap_or_else(|_| panic!("bad tz {}", e.tz));
    Builtin.classify(&MessageInput {
        text: &e.text,
        sent_at: e.sent_at,
        tz,
    })
}

fn kind_index(k: Kind) -> usize {
    Kind::ALL.iter().position(|&x| x == k).unwrap()
}

#[derive(Default)]
struct Metrics {
    n: usize,
    tp: usize,
    fp: usize,
    fn_: usize,
    kind_correct: usize,
    confusion: [[usize; 5]; 5],
    due_labelled: usize,
    due_exact: usize,
    due_unlabelled: usize,
    due_false: usize,
    gold_actionable: usize,
    assignee_exact: usize,
    priority_correct: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

impl Metrics {
    fn add(&mut self, e: &Example, c: &Classification) {
        self.n += 1;
        let gold = e.kind.is_actionable();
        match (gold, c.actionable) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
        self.kind_correct += usize::from(c.kind == e.kind);
        self.confusion[kind_index(e.kind)][kind_index(c.kind)] += 1;
        if e.due.is_some() {
            self.due_labelled += 1;
            self.due_exact += usize::from(c.due == e.due);
        } else {
            self.due_unlabelled += 1;
            self.due_false += usize::from(c.due.is_some());
        }
        if gold {
            self.gold_actionable += 1;
            self.assignee_exact += usize::from(c.assignees == e.assignees);
            self.priority_correct += usize::from(c.priority == e.priority);
        }
    }

    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn kind_accuracy(&self) -> f64 {
        ratio(self.kind_correct, self.n)
    }
    fn due_exact_rate(&self) -> f64 {
        ratio(self.due_exact, self.due_labelled)
    }
    fn false_due_rate(&self) -> f64 {
        ratio(self.due_false, self.due_unlabelled)
    }
    fn assignee_rate(&self) -> f64 {
        ratio(self.assignee_exact, self.gold_actionable)
    }
    fn priority_rate(&self) -> f64 {
        ratio(self.priority_correct, self.gold_actionable)
    }

    fn summary(&self, label: &str) -> String {
        format!(
            "{label:<4} n={:<4} actionable P={:.3} R={:.3} F1={:.3} | kind acc={:.3} | due exact={:.3} ({}/{}) false-due={:.3} ({}/{}) | assignees={:.3} priority={:.3} (over {} actionable)",
            self.n,
            self.precision(),
            self.recall(),
            self.f1(),
            self.kind_accuracy(),
            self.due_exact_rate(),
            self.due_exact,
            self.due_labelled,
            self.false_due_rate(),
            self.due_false,
            self.due_unlabelled,
            self.assignee_rate(),
            self.priority_rate(),
            self.gold_actionable,
        )
    }

    fn confusion_table(&self) -> String {
        let mut s = String::from("     gold\\pred  task   bug    quest  info   chat\n");
        for (g, row) in self.confusion.iter().enumerate() {
            let _ = write!(s, "     {:<10}", Kind::ALL[g].as_str());
            for v in row {
                let _ = write!(s, " {v:<6}");
            }
            s.push('\n');
        }
        s
    }
}

fn evaluate(path: &str) -> Metrics {
    let examples = load(path);
    let verbose = std::env::var_os("EVAL_VERBOSE").is_some();
    let titles = std::env::var_os("EVAL_TITLES").is_some();
    let (mut all, mut en, mut uk) = (Metrics::default(), Metrics::default(), Metrics::default());
    for e in &examples {
        let c = classify(e);
        all.add(e, &c);
        match e.lang.as_str() {
            "en" => en.add(e, &c),
            "uk" => uk.add(e, &c),
            other => panic!("unknown lang {other}"),
        }
        if titles {
            println!("  {:<8} {:?} -> {:?}", c.kind.as_str(), e.text, c.title);
        }
        if verbose {
            let gold_act = e.kind.is_actionable();
            let wrong_kind = c.kind != e.kind;
            let wrong_due = c.due != e.due;
            let wrong_extra = gold_act && (c.assignees != e.assignees || c.priority != e.priority);
            if wrong_kind || wrong_due || wrong_extra {
                println!(
                    "  MISS {:?}\n       gold {} due={:?} {:?} {} | got {} due={:?} {:?} {} title={:?}",
                    e.text,
                    e.kind,
                    e.due,
                    e.assignees,
                    e.priority,
                    c.kind,
                    c.due,
                    c.assignees,
                    c.priority,
                    c.title
                );
            }
        }
    }
    println!("== {path}");
    println!("{}", all.summary("all"));
    println!("{}", en.summary("en"));
    println!("{}", uk.summary("uk"));
    print!("{}", all.confusion_table());
    all
}

fn assert_floors(path: &str, m: &Metrics, f: &Floors) {
    assert!(
        m.f1() >= f.actionable_f1,
        "{path}: actionable F1 {:.3}",
        m.f1()
    );
    assert!(
        m.kind_accuracy() >= f.kind_accuracy,
        "{path}: kind {:.3}",
        m.kind_accuracy()
    );
    assert!(
        m.due_exact_rate() >= f.due_exact,
        "{path}: due {:.3}",
        m.due_exact_rate()
    );
    assert!(
        m.false_due_rate() <= f.false_due,
        "{path}: false due {:.3}",
        m.false_due_rate()
    );
    assert!(
        m.assignee_rate() >= f.assignee_exact,
        "{path}: assignees {:.3}",
        m.assignee_rate()
    );
    assert!(
        m.priority_rate() >= f.priority_accuracy,
        "{path}: priority {:.3}",
        m.priority_rate()
    );
}

#[test]
fn labelled_set() {
    let path = "data/classification/labelled.jsonl";
    let m = evaluate(path);
    assert_floors(path, &m, &FLOORS);
}

#[test]
fn holdout_set() {
    let path = "data/classification/holdout.jsonl";
    let m = evaluate(path);
    assert_floors(path, &m, &FLOORS);
}

/// Written after the rules were first frozen, in new phrasing, and
/// evaluated once before any tuning (see [`BLIND_FLOORS`]); it has since
/// been used for one round of fixes, so it is no longer truly blind.
#[test]
fn blind_set() {
    let path = "data/classification/blind.jsonl";
    let m = evaluate(path);
    assert_floors(path, &m, &BLIND_FLOORS);
}

#[test]
fn sets_are_large_and_well_formed() {
    let labelled = load("data/classification/labelled.jsonl");
    let holdout = load("data/classification/holdout.jsonl");
    assert!(labelled.len() >= 420, "labelled has {}", labelled.len());
    assert!(labelled.iter().filter(|e| e.lang == "uk").count() >= 170);
    // The holdout is roughly a quarter of everything.
    let share = holdout.len() as f64 / (labelled.len() + holdout.len()) as f64;
    assert!((0.2..=0.3).contains(&share), "holdout share {share:.2}");
    for e in labelled.iter().chain(&holdout) {
        assert!(e.tz.parse::<chrono_tz::Tz>().is_ok(), "{}", e.tz);
        if !e.kind.is_actionable() {
            // Work fields only describe actionable messages.
            assert!(
                e.due.is_none() && e.assignees.is_empty() && e.priority == Priority::Normal,
                "{}",
                e.text
            );
        }
    }
    // No message appears in both sets.
    for h in &holdout {
        assert!(
            !labelled.iter().any(|l| l.text == h.text),
            "duplicate: {}",
            h.text
        );
    }
}
