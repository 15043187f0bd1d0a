//! What the bot writes in chats: task cards, the /tasks list, and the
//! callback data of their buttons. Pure functions over the locales, so the
//! texts are tested without a server.

use chrono::NaiveDate;
use domain::classify::{Kind, Priority};
use domain::i18n::{Arg, Lang, Locales};
use domain::store::chats::ReplyMode;

use crate::outgoing::{Button, ButtonRow};

/// Open tasks shown per /tasks page.
pub const TASKS_PER_PAGE: u64 = 10;

/// A task as a card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CardTask<'a> {
    /// Task id.
    pub id: i64,
    /// Task or bug.
    pub kind: Kind,
    /// Title.
    pub title: &'a str,
    /// Priority.
    pub priority: Priority,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// @handles.
    pub assignees: &'a [String],
}

/// How a card ends once someone acted on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed<'a> {
    /// ✅ pressed (or /done) by this person (unnamed when they opted out).
    Done(Option<&'a str>),
    /// ✖ pressed by this person (unnamed when they opted out).
    Dismissed(Option<&'a str>),
}

fn kind_label(l: &Locales, lang: Lang, kind: Kind) -> String {
    l.tr(lang, &format!("kind-{}", kind.as_str()), &[])
}

/// The card's text.
pub fn card_text(l: &Locales, lang: Lang, t: &CardTask<'_>, closed: Option<Closed<'_>>) -> String {
    let kind = kind_label(l, lang, t.kind);
    let mut lines = vec![l.tr(
        lang,
        "card-title",
        &[
            ("kind", Arg::Str(&kind)),
            ("id", Arg::Num(t.id)),
            ("title", Arg::Str(t.title)),
        ],
    )];
    let priority = l.tr(lang, &format!("priority-{}", t.priority.as_str()), &[]);
    lines.push(l.tr(lang, "card-priority", &[("priority", Arg::Str(&priority))]));
    if let Some(due) = t.due {
        let date = due.format("%Y-%m-%d").to_string();
        lines.push(l.tr(lang, "card-due", &[("date", Arg::Str(&date))]));
    }
    if !t.assignees.is_empty() {
        let people = t
            .assignees
            .iter()
            .map(|h| format!("@{}", h.trim_start_matches('@')))
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(l.tr(lang, "card-assignees", &[("people", Arg::Str(&people))]));
    }
    let (key, who) = match closed {
        Some(Closed::Done(who)) => ("card-done", who),
        Some(Closed::Dismissed(who)) => ("card-dismissed", who),
        None => return lines.join("\n"),
    };
    lines.push(match who {
        Some(who) => l.tr(lang, key, &[("who", Arg::Str(who))]),
        None => l.tr(lang, &format!("{key}-unnamed"), &[]),
    });
    lines.join("\n")
}

/// The card's buttons: ✅ Done and ✖ Not a task.
pub fn card_buttons(l: &Locales, lang: Lang, task_id: i64) -> Vec<ButtonRow> {
    vec![vec![
        Button::new(
            l.tr(lang, "button-done", &[]),
            CallbackData::TaskDone(task_id).encode(),
        ),
        Button::new(
            l.tr(lang, "button-not-task", &[]),
            CallbackData::NotATask(task_id).encode(),
        ),
    ]]
}

/// One line of /tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedTask {
    /// Task id.
    pub id: i64,
    /// Task or bug.
    pub kind: Kind,
    /// Title (or a placeholder when its author was erased).
    pub title: String,
    /// Due date.
    pub due: Option<NaiveDate>,
}

/// How many pages `count` open tasks fill (at least one).
pub fn pages(count: u64) -> u64 {
    count.div_ceil(TASKS_PER_PAGE).max(1)
}

/// One page of /tasks: its text and its ◀ ▶ buttons. `page` counts from 1.
pub fn tasks_page(
    l: &Locales,
    lang: Lang,
    tasks: &[ListedTask],
    page: u64,
    count: u64,
) -> (String, Vec<ButtonRow>) {
    if count == 0 {
        return (l.tr(lang, "tasks-empty", &[]), vec![]);
    }
    let total = pages(count);
    let mut lines = vec![l.tr(
        lang,
        "tasks-header",
        &[("count", Arg::Num(i64::try_from(count).unwrap_or(i64::MAX)))],
    )];
    for t in tasks {
        let kind = kind_label(l, lang, t.kind);
        let base = [
            ("kind", Arg::Str(&kind)),
            ("id", Arg::Num(t.id)),
            ("title", Arg::Str(&t.title)),
        ];
        lines.push(match t.due {
            Some(d) => {
                let date = d.format("%Y-%m-%d").to_string();
                let mut args = base.to_vec();
                args.push(("date", Arg::Str(&date)));
                l.tr(lang, "tasks-line-due", &args)
            }
            None => l.tr(lang, "tasks-line", &base),
        });
    }
    let mut buttons = vec![];
    if total > 1 {
        let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        lines.push(l.tr(
            lang,
            "tasks-page",
            &[
                ("page", Arg::Num(as_i64(page))),
                ("pages", Arg::Num(as_i64(total))),
            ],
        ));
        let mut row = vec![];
        if page > 1 {
            row.push(Button::new(
                l.tr(lang, "button-previous", &[]),
                CallbackData::TasksPage(page - 1).encode(),
            ));
        }
        if page < total {
            row.push(Button::new(
                l.tr(lang, "button-next", &[]),
                CallbackData::TasksPage(page + 1).encode(),
            ));
        }
        buttons.push(row);
    }
    (lines.join("\n"), buttons)
}

/// The /mode buttons: one per reply mode.
pub fn mode_buttons(l: &Locales, lang: Lang) -> Vec<ButtonRow> {
    vec![
        ReplyMode::ALL
            .iter()
            .map(|m| {
                let label = l.tr(lang, &format!("mode-{}", m.as_str()), &[]);
                Button::new(
                    l.tr(lang, "mode-button", &[("mode", Arg::Str(&label))]),
                    CallbackData::Mode(*m).encode(),
                )
            })
            .collect(),
    ]
}

/// What a button sends back. Short, since Telegram allows 64 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackData {
    /// ✅ on a task card.
    TaskDone(i64),
    /// ✖ on a task card.
    NotATask(i64),
    /// A /tasks page (from 1).
    TasksPage(u64),
    /// A /mode choice.
    Mode(ReplyMode),
    /// A /forget confirmation: the request, and yes or no.
    Forget {
        /// The erasure request.
        request: i64,
        /// Yes, erase.
        confirm: bool,
    },
}

impl CallbackData {
    /// The wire form.
    pub fn encode(self) -> String {
        match self {
            CallbackData::TaskDone(id) => format!("t:done:{id}"),
            CallbackData::NotATask(id) => format!("t:nt:{id}"),
            CallbackData::TasksPage(p) => format!("l:{p}"),
            CallbackData::Mode(m) => format!("m:{}", m.as_str()),
            CallbackData::Forget { request, confirm } => {
                format!("f:{}:{request}", if confirm { "yes" } else { "no" })
            }
        }
    }

    /// Reads the wire form; `None` for anything else (old or forged data).
    pub fn parse(data: &str) -> Option<CallbackData> {
        let parts: Vec<&str> = data.split(':').collect();
        match parts.as_slice() {
            ["t", "done", id] => id.parse().ok().map(CallbackData::TaskDone),
            ["t", "nt", id] => id.parse().ok().map(CallbackData::NotATask),
            ["l", p] => p
                .parse()
                .ok()
                .filter(|p| *p >= 1)
                .map(CallbackData::TasksPage),
            ["m", m] => ReplyMode::ALL
                .iter()
                .find(|r| r.as_str() == *m)
                .map(|r| CallbackData::Mode(*r)),
            ["f", yes_no, id] => {
                let confirm = match *yes_no {
                    "yes" => true,
                    "no" => false,
                    _ => return None,
                };
                id.parse()
                    .ok()
                    .map(|request| CallbackData::Forget { request, confirm })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn callback_data_round_trips_and_rejects_forgeries() {
        for d in [
            CallbackData::TaskDone(12),
            CallbackData::NotATask(3),
            CallbackData::TasksPage(2),
            CallbackData::Mode(ReplyMode::React),
            CallbackData::Forget {
                request: 9,
                confirm: true,
            },
            CallbackData::Forget {
                request: 9,
                confirm: false,
            },
        ] {
            let wire = d.encode();
            assert!(wire.len() <= 64);
            assert_eq!(CallbackData::parse(&wire), Some(d));
        }
        for bad in [
            "",
            "t:done:x",
            "l:0",
            "m:loud",
            "f:maybe:1",
            "t:done:1:2",
            "x",
        ] {
            assert_eq!(CallbackData::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn cards_and_pages_read_well_in_both_languages() {
        let l = Locales::load().unwrap();
        let assignees = vec!["olena".to_owned(), "@petro".to_owned()];
        let t = CardTask {
            id: 12,
            kind: Kind::Bug,
            title: "Login page fails",
            priority: Priority::High,
            due: NaiveDate::from_ymd_opt(2026, 12, 5),
            assignees: &assignees,
        };
        assert_eq!(
            card_text(&l, Lang::En, &t, None),
            "Bug #12: Login page fails\nPriority: high\nDue: 2026-12-05\nFor: @olena, @petro"
        );
        let done = card_text(&l, Lang::Uk, &t, Some(Closed::Done(Some("Olena"))));
        assert!(
            done.starts_with("Баг #12: Login page fails") || done.contains("#12"),
            "{done}"
        );
        assert!(done.ends_with("Виконав(ла) Olena."), "{done}");
        let unnamed = card_text(&l, Lang::En, &t, Some(Closed::Dismissed(None)));
        assert!(unnamed.ends_with("\nMarked as not a task."), "{unnamed}");
        assert_eq!(card_buttons(&l, Lang::En, 12)[0][0].data, "t:done:12");

        let listed: Vec<ListedTask> = (1..=10)
            .map(|id| ListedTask {
                id,
                kind: Kind::Task,
                title: format!("task {id}"),
                due: None,
            })
            .collect();
        let (text, buttons) = tasks_page(&l, Lang::En, &listed, 1, 25);
        assert!(
            text.starts_with("Open tasks (25):\nTask #1: task 1\n"),
            "{text}"
        );
        assert!(text.ends_with("Page 1 of 3"), "{text}");
        assert_eq!(buttons, vec![vec![Button::new("Next ▶", "l:2")]]);
        let (_, buttons) = tasks_page(&l, Lang::En, &listed, 3, 25);
        assert_eq!(buttons, vec![vec![Button::new("◀ Back", "l:2")]]);
        let (text, buttons) = tasks_page(&l, Lang::En, &[], 1, 0);
        assert_eq!(text, "No open tasks here.");
        assert!(buttons.is_empty());
    }
}
