//! Due-date extraction for English and Ukrainian chat messages.
//!
//! Everything resolves against `today`, the message's own date in the
//! chat's time zone. The rules, chosen to match how teams talk:
//!
//! * "today", "tonight", "EOD", "сьогодні (ввечері)" → today;
//!   "tomorrow", "завтра" → +1; "the day after tomorrow", "післязавтра" → +2.
//! * A bare or prefixed weekday ("Friday", "by Friday", "on Friday",
//!   "this Friday", "до п'ятниці", "у п'ятницю", "на п'ятницю") is the next
//!   such day, counting today: "by Friday" said on a Friday is today.
//! * "next Friday", "наступної п'ятниці" is the Friday of next week
//!   (weeks start on Monday).
//! * "next week", "наступного тижня" → Monday of next week; "this week",
//!   "end of (this) week", "до кінця тижня" → the coming Friday (counting
//!   today); "end of next week" → Friday of next week.
//! * "end of (the) month", "до кінця місяця" → last day of this month;
//!   "next month" → its first day.
//! * "in 3 days", "in two weeks", "через 3 дні", "через тиждень" → offsets.
//! * Month names ("Dec 15", "15 Dec", "December 15th", "15 грудня") and
//!   numbers ("15.12", "15.12.2026", "2026-12-15"). Dotted dates are
//!   day.month. Slashed dates are accepted only when unambiguous
//!   ("12/15" is December 15, "15/12" too; "05/12" is ignored).
//!   A date without a year that has already passed rolls to next year.
//! * Dates introduced by "since", "last", "from", "минулого", "з" are
//!   skipped: they describe the past or a start, not a deadline.
//!
//! The first deadline in the text wins.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::text::{Token, TokenKind, normalize, tokenize};

/// Finds the first due date in `text`, resolved against `today` (the
/// message's own date in the chat's time zone).
pub fn extract_due(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let norm = normalize(text);
    let tokens = tokenize(&norm);
    find_due(&tokens, today).map(|m| m.date)
}

/// A due date and the tokens that expressed it (including a leading
/// preposition), so callers can cut the phrase out of a title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DueMatch {
    /// The resolved date.
    pub date: NaiveDate,
    /// Index of the first token of the phrase.
    pub first: usize,
    /// Index just past the last token of the phrase.
    pub end: usize,
}

/// Words that introduce a deadline; included in the matched span.
const PREPOSITIONS: &[&str] = &[
    "by", "on", "until", "till", "til", "before", "due", "for", "at", "до", "на", "у", "в", "к",
    "во", "not", "later", "than",
];

/// Words that make the following date a past or starting point.
const PAST_MARKERS: &[&str] = &[
    "since",
    "last",
    "past",
    "previous",
    "from",
    "starting",
    "минулого",
    "минулої",
    "минулу",
    "минулий",
    "минулій",
    "минулому",
    "з",
    "із",
    "зі",
    "від",
    "починаючи",
];

/// Modifiers meaning "of next week" / "the next one".
const NEXT: &[&str] = &[
    "next",
    "наступного",
    "наступної",
    "наступну",
    "наступний",
    "наступній",
    "наступному",
    "наступна",
];

/// Modifiers meaning "of this week"; they change nothing but belong to the phrase.
const THIS: &[&str] = &[
    "this",
    "coming",
    "цього",
    "цієї",
    "цю",
    "цей",
    "цій",
    "цьому",
    "оцю",
    "поточного",
];

/// Time-of-day words that may follow a day ("tomorrow morning").
const DAY_PARTS: &[&str] = &[
    "morning",
    "afternoon",
    "evening",
    "night",
    "noon",
    "eod",
    "зранку",
    "вранці",
    "ввечері",
    "увечері",
    "вечором",
    "вдень",
    "зранечку",
];

const TODAY: &[&str] = &[
    "today",
    "tonight",
    "tonite",
    "eod",
    "cob",
    "сьогодні",
    "сьогодня",
];
const TOMORROW: &[&str] = &[
    "tomorrow",
    "tmrw",
    "tmr",
    "tmrrw",
    "tomorow",
    "tommorow",
    "tommorrow",
    "завтра",
];
const DAY_AFTER_TOMORROW: &[&str] = &["післязавтра", "позавтра"];

/// Number words up to ten (English and Ukrainian, common forms).
const NUMBER_WORDS: &[(&str, u64)] = &[
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("couple", 2),
    ("один", 1),
    ("одна", 1),
    ("одну", 1),
    ("два", 2),
    ("дві", 2),
    ("три", 3),
    ("чотири", 4),
    ("п'ять", 5),
    ("шість", 6),
    ("сім", 7),
    ("вісім", 8),
    ("дев'ять", 9),
    ("десять", 10),
    ("пару", 2),
    ("кілька", 3),
];

const DAY_UNITS: &[&str] = &["day", "days", "день", "дні", "днів", "дня", "діб", "доби"];
const WEEK_UNITS: &[&str] = &["week", "weeks", "тиждень", "тижні", "тижнів", "тижня"];

/// Weekday names and forms, Monday = 0. The bool marks abbreviations,
/// which only count after a preposition ("sat" and "sun" are words too).
const WEEKDAYS: &[(&str, u32, bool)] = &[
    ("monday", 0, false),
    ("mon", 0, true),
    ("tuesday", 1, false),
    ("tue", 1, true),
    ("tues", 1, true),
    ("wednesday", 2, false),
    ("wed", 2, true),
    ("thursday", 3, false),
    ("thu", 3, true),
    ("thur", 3, true),
    ("thurs", 3, true),
    ("friday", 4, false),
    ("fri", 4, true),
    ("saturday", 5, false),
    ("sat", 5, true),
    ("sunday", 6, false),
    ("sun", 6, true),
    ("понеділок", 0, false),
    ("понеділка", 0, false),
    ("понеділку", 0, false),
    ("вівторок", 1, false),
    ("вівторка", 1, false),
    ("вівторку", 1, false),
    ("середа", 2, false),
    ("середу", 2, false),
    ("середи", 2, false),
    ("середі", 2, false),
    ("четвер", 3, false),
    ("четверга", 3, false),
    ("четверг", 3, false),
    ("четвергу", 3, false),
    ("п'ятниця", 4, false),
    ("п'ятницю", 4, false),
    ("п'ятниці", 4, false),
    ("субота", 5, false),
    ("суботу", 5, false),
    ("суботи", 5, false),
    ("суботі", 5, false),
    ("неділя", 6, false),
    ("неділю", 6, false),
    ("неділі", 6, false),
];

/// Month names: English (full and short) and Ukrainian genitive.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    ("січня", 1),
    ("лютого", 2),
    ("березня", 3),
    ("квітня", 4),
    ("травня", 5),
    ("червня", 6),
    ("липня", 7),
    ("серпня", 8),
    ("вересня", 9),
    ("жовтня", 10),
    ("листопада", 11),
    ("грудня", 12),
];

/// Words for the end of a period: "end (of)", "кінця/кінці/кінець".
const END_WORDS: &[&str] = &["end", "кінця", "кінці", "кінець", "кінцю"];
const WEEK_WORDS: &[&str] = &["week", "тижня", "тиждень", "тижні"];
const MONTH_WORDS: &[&str] = &["month", "місяця", "місяць", "місяці"];
const DAY_WORDS: &[&str] = &["day", "дня", "день"];
/// Fillers inside "end of the week", "beginning of next week".
const OF_WORDS: &[&str] = &["of", "the"];
const START_WORDS: &[&str] = &["start", "beginning", "early", "початку", "початок"];

fn is_in(list: &[&str], word: &str) -> bool {
    list.contains(&word)
}

/// A token's text, with a trailing possessive "'s" removed ("friday's").
fn word<'a>(tokens: &[Token<'a>], i: usize) -> &'a str {
    tokens
        .get(i)
        .map(|t| t.text.strip_suffix("'s").unwrap_or(t.text))
        .unwrap_or("")
}

fn weekday_of(w: &str) -> Option<(u32, bool)> {
    WEEKDAYS
        .iter()
        .find(|(name, _, _)| *name == w)
        .map(|&(_, d, abbr)| (d, abbr))
}

fn month_of(w: &str) -> Option<u32> {
    let w = w.strip_suffix('.').unwrap_or(w);
    MONTHS.iter().find(|(name, _)| *name == w).map(|&(_, m)| m)
}

fn add_days(d: NaiveDate, n: u64) -> Option<NaiveDate> {
    d.checked_add_days(Days::new(n))
}

fn weekday_index(d: NaiveDate) -> u32 {
    d.weekday().num_days_from_monday()
}

/// The next `weekday` counting today.
fn upcoming(today: NaiveDate, weekday: u32) -> Option<NaiveDate> {
    add_days(today, u64::from((weekday + 7 - weekday_index(today)) % 7))
}

/// `weekday` of next week (weeks start on Monday).
fn of_next_week(today: NaiveDate, weekday: u32) -> Option<NaiveDate> {
    add_days(today, u64::from(7 - weekday_index(today) + weekday))
}

fn first_of_next_month(d: NaiveDate) -> Option<NaiveDate> {
    d.with_day(1)?.checked_add_months(Months::new(1))
}

fn end_of_month(d: NaiveDate) -> Option<NaiveDate> {
    first_of_next_month(d)?.pred_opt()
}

/// A month/day without a year: this year, or next year if already past.
fn roll_forward(today: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    let this_year = NaiveDate::from_ymd_opt(today.year(), month, day);
    match this_year {
        Some(d) if d >= today => Some(d),
        _ => NaiveDate::from_ymd_opt(today.year() + 1, month, day),
    }
}

fn expand_year(y: u32, digits: usize) -> Option<i32> {
    match digits {
        2 => i32::try_from(2000 + y).ok(),
        4 if (1900..=2200).contains(&y) => i32::try_from(y).ok(),
        _ => None,
    }
}

/// "15", "15th", "1st", "15-го", "15го", "15-е" → 15.
fn day_number(w: &str) -> Option<u32> {
    let digits_end = w.find(|c: char| !c.is_ascii_digit()).unwrap_or(w.len());
    if digits_end == 0 || digits_end > 2 {
        return None;
    }
    let suffix = &w[digits_end..];
    let ok = matches!(
        suffix,
        "" | "st" | "nd" | "rd" | "th" | "-го" | "го" | "-е" | "-ого" | "-ге"
    );
    let day: u32 = w[..digits_end].parse().ok()?;
    (ok && (1..=31).contains(&day)).then_some(day)
}

/// Whether a day number carries an ordinal suffix ("15th", "31-го").
fn is_ordinal(w: &str) -> bool {
    w.ends_with(|c: char| !c.is_ascii_digit()) && day_number(w).is_some()
}

fn count_of(w: &str) -> Option<u64> {
    if let Ok(n) = w.parse::<u64>() {
        return (n <= 366).then_some(n);
    }
    NUMBER_WORDS
        .iter()
        .find(|(name, _)| *name == w)
        .map(|&(_, n)| n)
}

/// Parses a numeric date token: "15.12", "15.12.2026", "15.12.26",
/// "2026-12-15", "12/15", "15/12". `loose` allows single-digit months in
/// dotted dates (only after a preposition, where "5.1" is not a version).
fn numeric_date(w: &str, today: NaiveDate, loose: bool) -> Option<NaiveDate> {
    let sep = w.chars().find(|c| matches!(c, '.' | '/' | '-'))?;
    let parts: Vec<&str> = w.split(sep).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let nums: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    if nums.len() != parts.len() {
        return None;
    }
    match (sep, nums.as_slice()) {
        // ISO 8601, or 2026.12.15.
        ('-' | '.', &[y, m, d]) if parts[0].len() == 4 => {
            NaiveDate::from_ymd_opt(expand_year(y, 4)?, m, d)
        }
        ('.', &[d, m]) if (parts[0].len() == 2 && parts[1].len() == 2) || loose => {
            roll_forward(today, m, d)
        }
        ('.', &[d, m, y]) if parts[0].len() <= 2 && parts[1].len() <= 2 => {
            NaiveDate::from_ymd_opt(expand_year(y, parts[2].len())?, m, d)
        }
        ('/', &[a, b]) => {
            let (m, d) = unambiguous_slash(a, b)?;
            roll_forward(today, m, d)
        }
        ('/', &[a, b, y]) => {
            let (m, d) = unambiguous_slash(a, b)?;
            NaiveDate::from_ymd_opt(expand_year(y, parts[2].len())?, m, d)
        }
        _ => None,
    }
}

/// Slashed dates are US month/day or European day/month; only accept them
/// when one part cannot be a month. Returns (month, day).
fn unambiguous_slash(a: u32, b: u32) -> Option<(u32, u32)> {
    match (a > 12, b > 12) {
        (true, false) => Some((b, a)),
        (false, true) => Some((a, b)),
        _ => None,
    }
}

/// Outcome of trying to read a date expression at one position.
enum Step {
    /// A date spanning tokens up to (excluding) `end`.
    Found(NaiveDate, usize),
    /// Not a date here.
    Miss,
}

/// Tries every date form starting at token `i`. `after_prep` says whether a
/// preposition precedes it (loosens a few ambiguous forms).
fn date_at(tokens: &[Token<'_>], i: usize, today: NaiveDate, after_prep: bool) -> Step {
    let w = word(tokens, i);
    if w.is_empty() {
        return Step::Miss;
    }
    let found = relative_day(tokens, i, today)
        .or_else(|| period_end(tokens, i, today))
        .or_else(|| week_or_month(tokens, i, today))
        .or_else(|| offset(tokens, i, today))
        .or_else(|| weekday(tokens, i, today, after_prep))
        .or_else(|| month_date(tokens, i, today))
        .or_else(|| {
            (tokens[i].kind == TokenKind::Number)
                .then(|| numeric_date(w, today, after_prep).map(|d| (d, i + 1)))
                .flatten()
        })
        .or_else(|| ordinal_day(tokens, i, today, after_prep));
    match found {
        Some((d, end)) => Step::Found(d, skip_day_parts(tokens, end)),
        None => Step::Miss,
    }
}

/// Extends a span over "morning", "ввечері", "до обіду", "end of day".
fn skip_day_parts(tokens: &[Token<'_>], mut end: usize) -> usize {
    loop {
        let w = word(tokens, end);
        if is_in(DAY_PARTS, w) {
            end += 1;
        } else if w == "до" && matches!(word(tokens, end + 1), "обіду" | "вечора" | "ранку")
        {
            end += 2;
        } else {
            return end;
        }
    }
}

/// today / tomorrow / the day after tomorrow (+ "this evening").
fn relative_day(tokens: &[Token<'_>], i: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let w = word(tokens, i);
    if is_in(TODAY, w) {
        return Some((today, i + 1));
    }
    if is_in(DAY_AFTER_TOMORROW, w) {
        return Some((add_days(today, 2)?, i + 1));
    }
    // "(the) day after tomorrow"
    let j = if w == "the" { i + 1 } else { i };
    if word(tokens, j) == "day"
        && word(tokens, j + 1) == "after"
        && is_in(TOMORROW, word(tokens, j + 2))
    {
        return Some((add_days(today, 2)?, j + 3));
    }
    if is_in(TOMORROW, w) {
        return Some((add_days(today, 1)?, i + 1));
    }
    if w == "this" && matches!(word(tokens, i + 1), "evening" | "afternoon" | "morning") {
        return Some((today, i + 2));
    }
    None
}

/// "(by the) end of (the|this|next) day/week/month", "EOW", "EOM",
/// "(до) кінця (цього|наступного) дня/тижня/місяця".
fn period_end(tokens: &[Token<'_>], i: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let w = word(tokens, i);
    match w {
        "eow" => return Some((upcoming(today, 4)?, i + 1)),
        "eom" => return Some((end_of_month(today)?, i + 1)),
        _ => {}
    }
    let j = if w == "the" { i + 1 } else { i };
    if !is_in(END_WORDS, word(tokens, j)) {
        return None;
    }
    let mut k = j + 1;
    while is_in(OF_WORDS, word(tokens, k)) {
        k += 1;
    }
    let mut next = false;
    if is_in(NEXT, word(tokens, k)) {
        next = true;
        k += 1;
    } else if is_in(THIS, word(tokens, k)) {
        k += 1;
    }
    let unit = word(tokens, k);
    let date = if is_in(DAY_WORDS, unit) {
        today
    } else if is_in(WEEK_WORDS, unit) {
        if next {
            of_next_week(today, 4)?
        } else {
            upcoming(today, 4)?
        }
    } else if is_in(MONTH_WORDS, unit) {
        let base = if next {
            first_of_next_month(today)?
        } else {
            today
        };
        end_of_month(base)?
    } else {
        return None;
    };
    Some((date, k + 1))
}

/// "next week", "this week", "next month", "(early|beginning of) next week",
/// "наступного тижня", "на наступному тижні", "цього тижня".
fn week_or_month(tokens: &[Token<'_>], i: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let mut k = i;
    let mut start = false;
    if is_in(START_WORDS, word(tokens, k)) {
        start = true;
        k += 1;
        while is_in(OF_WORDS, word(tokens, k)) {
            k += 1;
        }
    }
    let modifier = word(tokens, k);
    let unit = word(tokens, k + 1);
    let next = is_in(NEXT, modifier);
    let this = is_in(THIS, modifier);
    if !(next || this) {
        return None;
    }
    let date = match (next, is_in(WEEK_WORDS, unit), is_in(MONTH_WORDS, unit)) {
        (true, true, _) => of_next_week(today, 0)?,
        (false, true, _) if !start => upcoming(today, 4)?,
        (true, _, true) => first_of_next_month(today)?,
        _ => return None,
    };
    Some((date, k + 2))
}

/// "in 3 days", "in two weeks", "within a week", "через 3 дні",
/// "через тиждень", "за 2 дні", "3 days from now".
fn offset(tokens: &[Token<'_>], i: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let w = word(tokens, i);
    let mut k = i;
    let introduced = matches!(w, "in" | "within" | "через" | "за");
    if introduced {
        k += 1;
    }
    // "in a couple of days"
    if word(tokens, k) == "a" && word(tokens, k + 1) == "couple" {
        k += 1;
    }
    let mut count = count_of(word(tokens, k));
    if count.is_some() {
        k += 1;
        if word(tokens, k) == "of" {
            k += 1;
        }
    }
    let unit = word(tokens, k);
    let days_per = if is_in(DAY_UNITS, unit) {
        1
    } else if is_in(WEEK_UNITS, unit) {
        7
    } else {
        return None;
    };
    if count.is_none() {
        // "через тиждень", "через день": the unit alone means one.
        if !introduced || w == "in" || w == "within" {
            return None;
        }
        count = Some(1);
    }
    let from_now = word(tokens, k + 1) == "from" && word(tokens, k + 2) == "now";
    if !introduced && !from_now {
        return None;
    }
    let end = if from_now { k + 3 } else { k + 1 };
    Some((add_days(today, count? * days_per)?, end))
}

/// A weekday, optionally after "this"/"next" modifiers.
fn weekday(
    tokens: &[Token<'_>],
    i: usize,
    today: NaiveDate,
    after_prep: bool,
) -> Option<(NaiveDate, usize)> {
    let w = word(tokens, i);
    let (next, this, k) = if is_in(NEXT, w) {
        (true, false, i + 1)
    } else if is_in(THIS, w) {
        (false, true, i + 1)
    } else {
        (false, false, i)
    };
    let (day, abbr) = weekday_of(word(tokens, k))?;
    if abbr && !(after_prep || next || this) {
        return None;
    }
    let date = if next {
        of_next_week(today, day)?
    } else {
        upcoming(today, day)?
    };
    Some((date, k + 1))
}

/// "Dec 15", "December 15th, 2026", "15 Dec", "15th of December",
/// "15 грудня (2026 року)".
fn month_date(tokens: &[Token<'_>], i: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let w = word(tokens, i);
    let (month, day, mut end) = if let Some(m) = month_of(w) {
        (m, day_number(word(tokens, i + 1))?, i + 2)
    } else {
        let day = day_number(w)?;
        let k = if word(tokens, i + 1) == "of" {
            i + 2
        } else {
            i + 1
        };
        (month_of(word(tokens, k))?, day, k + 1)
    };
    let year_word = word(tokens, end);
    let year = (year_word.len() == 4)
        .then(|| year_word.parse::<u32>().ok())
        .flatten()
        .and_then(|y| expand_year(y, 4));
    let date = match year {
        Some(y) => {
            end += 1;
            if matches!(word(tokens, end), "року" | "р" | "рік") {
                end += 1;
            }
            NaiveDate::from_ymd_opt(y, month, day)?
        }
        None => roll_forward(today, month, day)?,
    };
    Some((date, end))
}

/// "by the 15th", "до 20-го": a day of this month (or next, if passed).
/// Only after a preposition and with an ordinal suffix, so that
/// "31-го" alone or "the 3 options" are not dates.
fn ordinal_day(
    tokens: &[Token<'_>],
    i: usize,
    today: NaiveDate,
    after_prep: bool,
) -> Option<(NaiveDate, usize)> {
    let k = if word(tokens, i) == "the" { i + 1 } else { i };
    let w = word(tokens, k);
    if !after_prep || !is_ordinal(w) {
        return None;
    }
    let day = day_number(w)?;
    let this_month = today.with_day(day).filter(|d| *d >= today);
    let date = match this_month {
        Some(d) => d,
        None => first_of_next_month(today)?.with_day(day)?,
    };
    Some((date, k + 1))
}

/// Finds the first due date in tokenised, normalised text.
pub(crate) fn find_due(tokens: &[Token<'_>], today: NaiveDate) -> Option<DueMatch> {
    let mut i = 0;
    while i < tokens.len() {
        let w = word(tokens, i);
        if is_in(PAST_MARKERS, w) {
            // Skip the date it introduces ("since Friday", "з понеділка").
            if let Step::Found(_, end) = date_at(tokens, i + 1, today, true) {
                i = end;
                continue;
            }
        }
        let after_prep = i > 0 && is_in(PREPOSITIONS, word(tokens, i - 1));
        if let Step::Found(date, end) = date_at(tokens, i, today, after_prep) {
            let first = leading_prepositions(tokens, i);
            let end = absorb_refinements(tokens, end, today);
            return Some(DueMatch { date, first, end });
        }
        i += 1;
    }
    None
}

/// Extends a span over date phrases right after it ("Fri EOD",
/// "сьогодні до кінця дня"): the first date decides, the rest refines it.
fn absorb_refinements(tokens: &[Token<'_>], mut end: usize, today: NaiveDate) -> usize {
    loop {
        let start = if is_in(PREPOSITIONS, word(tokens, end)) {
            end + 1
        } else {
            end
        };
        match date_at(tokens, start, today, start > end) {
            Step::Found(_, next) if next > end => end = next,
            _ => return end,
        }
    }
}

/// Walks back over prepositions ("not later than", "by the", "до") so the
/// whole deadline phrase can be removed from a title.
fn leading_prepositions(tokens: &[Token<'_>], mut i: usize) -> usize {
    while i > 0 {
        let prev = word(tokens, i - 1);
        if is_in(PREPOSITIONS, prev) || prev == "the" {
            i -= 1;
        } else {
            break;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wednesday.
    fn wed() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    fn due(text: &str) -> Option<NaiveDate> {
        extract_due(text, wed())
    }

    fn due_on(text: &str, y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        extract_due(text, NaiveDate::from_ymd_opt(y, m, day).unwrap())
    }

    #[test]
    fn relative_days() {
        assert_eq!(due("do it today"), d(2026, 12, 2));
        assert_eq!(due("deploy tonight"), d(2026, 12, 2));
        assert_eq!(due("by EOD please"), d(2026, 12, 2));
        assert_eq!(due("by end of day"), d(2026, 12, 2));
        assert_eq!(due("tomorrow morning"), d(2026, 12, 3));
        assert_eq!(due("by tmrw"), d(2026, 12, 3));
        assert_eq!(due("the day after tomorrow"), d(2026, 12, 4));
        assert_eq!(due("сьогодні"), d(2026, 12, 2));
        assert_eq!(due("сьогодні ввечері"), d(2026, 12, 2));
        assert_eq!(due("завтра"), d(2026, 12, 3));
        assert_eq!(due("післязавтра"), d(2026, 12, 4));
    }

    #[test]
    fn weekdays_this_week_and_next() {
        assert_eq!(due("by Friday"), d(2026, 12, 4));
        assert_eq!(due("on Monday"), d(2026, 12, 7));
        assert_eq!(due("this Friday"), d(2026, 12, 4));
        assert_eq!(due("Friday's party"), d(2026, 12, 4));
        assert_eq!(due("next Friday"), d(2026, 12, 11));
        assert_eq!(due("next Monday"), d(2026, 12, 7));
        assert_eq!(
            due("by Wednesday"),
            d(2026, 12, 2),
            "same day counts as today"
        );
        assert_eq!(due("next Wednesday"), d(2026, 12, 9));
        assert_eq!(due("on Fri"), d(2026, 12, 4));
        assert_eq!(
            due("the sun is out"),
            None,
            "abbreviation without preposition"
        );
        // Said on Friday / Saturday / Sunday.
        assert_eq!(due_on("by Friday", 2026, 12, 4), d(2026, 12, 4));
        assert_eq!(due_on("next Friday", 2026, 12, 4), d(2026, 12, 11));
        assert_eq!(due_on("by Friday", 2026, 12, 5), d(2026, 12, 11));
        assert_eq!(due_on("next Friday", 2026, 12, 6), d(2026, 12, 11));
        assert_eq!(due_on("on Tuesday", 2026, 12, 6), d(2026, 12, 8));
    }

    #[test]
    fn ukrainian_weekdays() {
        assert_eq!(due("до п'ятниці"), d(2026, 12, 4));
        assert_eq!(due("до п’ятниці"), d(2026, 12, 4));
        assert_eq!(due("у понеділок"), d(2026, 12, 7));
        assert_eq!(due("в понеділок"), d(2026, 12, 7));
        assert_eq!(due("на понеділок"), d(2026, 12, 7));
        assert_eq!(due("до понеділка"), d(2026, 12, 7));
        assert_eq!(due("у вівторок"), d(2026, 12, 8));
        assert_eq!(due("до вівторка"), d(2026, 12, 8));
        assert_eq!(due("в середу"), d(2026, 12, 2));
        assert_eq!(due("до середи"), d(2026, 12, 2));
        assert_eq!(due("наступної середи"), d(2026, 12, 9));
        assert_eq!(due("у четвер"), d(2026, 12, 3));
        assert_eq!(due("до четверга"), d(2026, 12, 3));
        assert_eq!(due("в п'ятницю"), d(2026, 12, 4));
        assert_eq!(due("в наступну п'ятницю"), d(2026, 12, 11));
        assert_eq!(due("наступної п’ятниці"), d(2026, 12, 11));
        assert_eq!(due("в суботу"), d(2026, 12, 5));
        assert_eq!(due("до суботи"), d(2026, 12, 5));
        assert_eq!(due("у неділю"), d(2026, 12, 6));
        assert_eq!(due("до неділі"), d(2026, 12, 6));
        assert_eq!(due("наступного понеділка"), d(2026, 12, 7));
    }

    #[test]
    fn weeks_and_months() {
        assert_eq!(due("next week"), d(2026, 12, 7));
        assert_eq!(due("early next week"), d(2026, 12, 7));
        assert_eq!(due("this week"), d(2026, 12, 4));
        assert_eq!(due("by end of week"), d(2026, 12, 4));
        assert_eq!(due("by the end of this week"), d(2026, 12, 4));
        assert_eq!(due("EOW"), d(2026, 12, 4));
        assert_eq!(due("by the end of next week"), d(2026, 12, 11));
        assert_eq!(due("end of month"), d(2026, 12, 31));
        assert_eq!(due("by the end of the month"), d(2026, 12, 31));
        assert_eq!(due("end of next month"), d(2027, 1, 31));
        assert_eq!(due("next month"), d(2027, 1, 1));
        assert_eq!(due("наступного тижня"), d(2026, 12, 7));
        assert_eq!(due("на наступному тижні"), d(2026, 12, 7));
        assert_eq!(due("на початку наступного тижня"), d(2026, 12, 7));
        assert_eq!(due("до кінця тижня"), d(2026, 12, 4));
        assert_eq!(due("до кінця наступного тижня"), d(2026, 12, 11));
        assert_eq!(due("до кінця місяця"), d(2026, 12, 31));
        assert_eq!(due("до кінця дня"), d(2026, 12, 2));
        assert_eq!(due_on("end of month", 2027, 2, 10), d(2027, 2, 28));
        assert_eq!(due_on("end of week", 2026, 12, 4), d(2026, 12, 4));
    }

    #[test]
    fn offsets() {
        assert_eq!(due("in 3 days"), d(2026, 12, 5));
        assert_eq!(due("in two weeks"), d(2026, 12, 16));
        assert_eq!(due("in a week"), d(2026, 12, 9));
        assert_eq!(due("within 2 days"), d(2026, 12, 4));
        assert_eq!(due("in a couple of days"), d(2026, 12, 4));
        assert_eq!(due("5 days from now"), d(2026, 12, 7));
        assert_eq!(due("через 3 дні"), d(2026, 12, 5));
        assert_eq!(due("через тиждень"), d(2026, 12, 9));
        assert_eq!(due("через два тижні"), d(2026, 12, 16));
        assert_eq!(due("через п'ять днів"), d(2026, 12, 7));
        assert_eq!(due("за 2 дні"), d(2026, 12, 4));
        assert_eq!(due("3 days"), None);
        assert_eq!(due("in days"), None);
    }

    #[test]
    fn month_names() {
        assert_eq!(due("Dec 15"), d(2026, 12, 15));
        assert_eq!(due("by 15 Dec"), d(2026, 12, 15));
        assert_eq!(due("December 15th"), d(2026, 12, 15));
        assert_eq!(due("the 15th of December"), d(2026, 12, 15));
        assert_eq!(due("December 15, 2027"), d(2027, 12, 15));
        assert_eq!(due("Dec. 15"), d(2026, 12, 15));
        assert_eq!(due("15 грудня"), d(2026, 12, 15));
        assert_eq!(due("до 15 грудня"), d(2026, 12, 15));
        assert_eq!(due("до 15-го грудня 2026 року"), d(2026, 12, 15));
        assert_eq!(due("4 січня"), d(2027, 1, 4), "passed dates roll over");
        assert_eq!(due("Nov 20"), d(2027, 11, 20));
        assert_eq!(due("may 5"), d(2027, 5, 5));
        assert_eq!(due("you may go"), None);
        assert_eq!(due("Feb 30"), None);
    }

    #[test]
    fn numeric_dates() {
        assert_eq!(due("15.12"), d(2026, 12, 15));
        assert_eq!(due("до 15.12"), d(2026, 12, 15));
        assert_eq!(due("15.12.2026"), d(2026, 12, 15));
        assert_eq!(due("15.12.26"), d(2026, 12, 15));
        assert_eq!(due("2026-12-15"), d(2026, 12, 15));
        assert_eq!(due("12/15"), d(2026, 12, 15));
        assert_eq!(due("15/12"), d(2026, 12, 15));
        assert_eq!(due("05/12"), None, "ambiguous slash date");
        assert_eq!(due("01.03.2027"), d(2027, 3, 1));
        assert_eq!(due("15.01"), d(2027, 1, 15));
        assert_eq!(due("by 5.1"), d(2027, 1, 5));
        assert_eq!(due("release 2.4"), None, "version numbers are not dates");
        assert_eq!(due("v3.2.0"), None);
        assert_eq!(due("python 3.10"), None);
        assert_eq!(due("at 10:30"), None);
        assert_eq!(due("32.12"), None);
        assert_eq!(due("by the 15th"), d(2026, 12, 15));
        assert_eq!(due("до 20-го"), d(2026, 12, 20));
        assert_eq!(due("by the 1st"), d(2027, 1, 1));
        assert_eq!(due("хто чергує 31-го?"), None);
    }

    #[test]
    fn skips_past_and_start_dates() {
        assert_eq!(due("broken since Friday"), None);
        assert_eq!(due("last Monday it worked"), None);
        assert_eq!(due("з понеділка не працює"), None);
        assert_eq!(due("since Monday, fix by Friday"), d(2026, 12, 4));
        assert_eq!(due("no dates here"), None);
        assert_eq!(due(""), None);
    }

    #[test]
    fn spans_cover_prepositions() {
        let norm = normalize("please finish it by the end of next week, thanks");
        let tokens = tokenize(&norm);
        let m = find_due(&tokens, wed()).unwrap();
        let phrase: Vec<&str> = tokens[m.first..m.end].iter().map(|t| t.text).collect();
        assert_eq!(phrase, ["by", "the", "end", "of", "next", "week"]);
    }

    #[test]
    fn never_panics_near_date_limits() {
        let max = NaiveDate::MAX;
        for text in [
            "tomorrow",
            "next month",
            "end of month",
            "in 300 days",
            "next friday",
            "Dec 15",
        ] {
            let _ = extract_due(text, max);
            let _ = extract_due(text, NaiveDate::MIN);
        }
    }
}
