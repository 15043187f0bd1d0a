//! The builtin classifier: offline, deterministic, rule based.
//!
//! How it works:
//!
//! 1. The text is cleaned (controls stripped, apostrophes normalised),
//!    lowercased and tokenised once.
//! 2. One Aho-Corasick pass finds every keyword phrase ([`super::lexicon`]);
//!    overlapping phrases cancel each other where needed ("not urgent").
//! 3. The message is split into clauses (at sentence punctuation and at
//!    "but"/"але"). Each clause gets a kind from its cues and its shape:
//!    an imperative or question word at its start, a trailing '?'.
//! 4. The message kind is the most important clause kind:
//!    bug > task > question > info > chatter (a to-do prefix wins outright).
//!    A bug report plus a request to fix it is still a bug report.
//! 5. Priority, due date and assignees are only filled in for actionable
//!    messages; the title is cut from the clause that decided the kind.

use super::dates::{self, DueMatch};
use super::lexicon::{
    Cue, CueSet, GROUP_HANDLES, Hit, LEXICON, NOT_ASSIGNEE_BEFORE, QUESTION_SUBJECTS, WORDS,
};
use super::text::{self, Token, TokenKind};
use super::title;
use super::{Classification, Kind, MessageInput, Priority};

/// Only the start of very long messages is analysed: the kind of a message
/// is decided by its opening, and this bounds the work per message.
const MAX_ANALYSED_BYTES: usize = 8 * 1024;

/// Words that start a new clause: what follows "but" often reverses what
/// precedes it ("I fixed X but now Y crashes").
const CLAUSE_CONJUNCTIONS: &[&str] = &["but", "але", "проте", "однак", "though"];

/// Endings of error identifiers ("KeyError", "IOException").
const ERROR_SUFFIXES: &[&str] = &["error", "errors", "exception"];

/// POSIX error names as printed by Node, Go and friends.
const ERRNO_PREFIXES: &[&str] = &[
    "econn",
    "enoent",
    "eacces",
    "etimedout",
    "eaddrinuse",
    "epipe",
];

/// Modal verbs that, opening a question addressed to someone, make a
/// request ("@mira can we ship it tomorrow?").
const MODAL_REQUESTS: &[&str] = &["can", "could", "would", "will"];

/// Adjectives that end like Ukrainian plural imperatives ("-сте").
const NOT_IMPERATIVE_UK: &[&str] = &[
    "просте",
    "чисте",
    "густе",
    "пусте",
    "товсте",
    "місте",
    "тексте",
];

/// The builtin rule-based classifier.
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin;

impl Builtin {
    /// The name recorded in [`Classification::classifier`].
    pub const NAME: &'static str = "builtin";

    /// Classifies one message. Deterministic, no I/O, never panics.
    pub fn classify(&self, input: &MessageInput<'_>) -> Classification {
        let today = input.local_date();
        let clean = text::clean(text::truncate_at_char_boundary(
            input.text,
            MAX_ANALYSED_BYTES,
        ));
        let norm = text::lowercase_aligned(&clean);
        let tokens = text::tokenize(&norm);
        let hits = LEXICON.scan(&tokens);
        let due = dates::find_due(&tokens, today);
        let msg = Message::new(&clean, &norm, &tokens, &hits, due);
        let verdict = msg.verdict();
        let kind = verdict.kind;
        let actionable = kind.is_actionable();
        let drops = msg.title_drops(verdict.clause, kind);
        let title = title::build(&clean, &tokens, &drops, msg.clause_range(verdict.clause));
        Classification {
            kind,
            actionable,
            title,
            priority: if actionable {
                msg.priority(kind)
            } else {
                Priority::Normal
            },
            due: if actionable {
                due.map(|d| d.date)
            } else {
                None
            },
            assignees: if actionable {
                assignees(&clean, &tokens)
            } else {
                Vec::new()
            },
            confidence: verdict.confidence.clamp(0.05, 0.99),
            classifier: Self::NAME.to_owned(),
        }
    }
}

/// A clause: a token range plus whether it ends with '?'.
#[derive(Debug, Clone, Copy)]
struct Clause {
    first: usize,
    end: usize,
    question_mark: bool,
}

/// The decided kind, how sure we are, and which clause decided it.
#[derive(Debug, Clone, Copy)]
struct Verdict {
    kind: Kind,
    confidence: f32,
    clause: usize,
    /// A to-do prefix decides the message outright.
    prefixed: bool,
}

/// Everything computed once per message.
struct Message<'a> {
    clean: &'a str,
    norm: &'a str,
    tokens: &'a [Token<'a>],
    hits: &'a [Hit],
    due: Option<DueMatch>,
    clauses: Vec<Clause>,
}

impl<'a> Message<'a> {
    fn new(
        clean: &'a str,
        norm: &'a str,
        tokens: &'a [Token<'a>],
        hits: &'a [Hit],
        due: Option<DueMatch>,
    ) -> Self {
        let clauses = split_clauses(norm, tokens);
        Message {
            clean,
            norm,
            tokens,
            hits,
            due,
            clauses,
        }
    }

    /// Text between token `i - 1` and token `i` (or the text start).
    fn gap_before(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.tokens[i - 1].end };
        let end = self.tokens.get(i).map_or(self.norm.len(), |t| t.start);
        self.norm.get(start..end).unwrap_or("")
    }

    fn word(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| t.text)
    }

    fn is_mention(&self, i: usize) -> bool {
        self.tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Mention)
    }

    fn clause_range(&self, c: usize) -> (usize, usize) {
        self.clauses.get(c).map_or((0, 0), |cl| (cl.first, cl.end))
    }

    /// Cues of the hits lying inside clause `c`.
    fn clause_cues(&self, c: &Clause) -> CueSet {
        let mut set = CueSet::default();
        for h in self.hits {
            if h.first >= c.first && h.last < c.end {
                set.union(h.cues);
            }
        }
        set
    }

    /// Cues of hits covering token `i`.
    fn cues_at(&self, i: usize) -> CueSet {
        let mut set = CueSet::default();
        for h in self.hits {
            if h.first <= i && i <= h.last {
                set.union(h.cues);
            }
        }
        set
    }

    /// The last token of the hit starting at `i` that has one of `cues`.
    fn hit_end_from(&self, i: usize, cues: CueSet) -> Option<usize> {
        self.hits
            .iter()
            .filter(|h| h.first == i && h.cues.intersects(cues))
            .map(|h| h.last)
            .max()
    }

    fn in_due_span(&self, i: usize) -> bool {
        self.due.is_some_and(|d| d.first <= i && i < d.end)
    }

    /// First token of the clause that is not a mention or a filler word.
    fn lead(&self, c: &Clause) -> usize {
        let mut i = c.first;
        while i < c.end && (self.is_mention(i) || WORDS.fillers.contains(self.word(i))) {
            i += 1;
        }
        i
    }

    /// Last token of a short "Label:" opening ("Critical:", "Heads up:",
    /// "This is important:"), if the clause has one.
    /// Longer openings only count when they contain a known label word,
    /// so "Sprint 14 retro notes: <link>" keeps its words.
    fn header_end(&self, c: &Clause) -> Option<usize> {
        let limit = (c.first + 4).min(c.end.saturating_sub(1));
        let end = (c.first..limit).find(|&j| self.gap_before(j + 1).contains(':'))?;
        let labels = CueSet::of(&[
            Cue::Prefix,
            Cue::PrefixStrict,
            Cue::Urgent,
            Cue::High,
            Cue::Low,
            Cue::Info,
            Cue::Chatter,
            Cue::BugNoun,
            Cue::Polite,
        ]);
        let labelled = (c.first..=end).any(|i| self.cues_at(i).intersects(labels));
        (end - c.first < 2 || labelled).then_some(end)
    }

    /// Whether token `i` addresses someone: a capitalised word followed by
    /// a comma that means nothing else ("Olena, ...").
    fn is_vocative(&self, i: usize) -> bool {
        let Some(t) = self.tokens.get(i) else {
            return false;
        };
        let w = t.text;
        t.kind == TokenKind::Word
            && self
                .clean
                .get(t.start..t.end)
                .is_some_and(|s| s.starts_with(char::is_uppercase))
            && self.gap_before(i + 1).trim_start().starts_with(',')
            && self.cues_at(i) == CueSet::default()
            && !WORDS.imperatives_en.contains(w)
            && !WORDS.imperatives_uk.contains(w)
            && !is_uk_plural_imperative(w)
            && !WORDS.wh.contains(w)
            && !WORDS.yes_no.contains(w)
    }

    /// First token carrying meaning: skips mentions, fillers, greetings,
    /// politeness, urgency words, deadline phrases, "Header:" labels and
    /// a leading vocative ("Olena, ...").
    fn content_start(&self, c: &Clause) -> usize {
        let skippable = CueSet::of(&[Cue::Polite, Cue::Urgent, Cue::High, Cue::Low, Cue::Chatter]);
        let header = self.header_end(c);
        let mut i = c.first;
        while i < c.end {
            let w = self.word(i);
            if self.is_mention(i)
                || WORDS.fillers.contains(w)
                || self.cues_at(i).intersects(skippable)
                || self.in_due_span(i)
                || header.is_some_and(|h| i <= h)
                || (i == c.first && self.is_vocative(i))
            {
                i += 1;
            } else {
                break;
            }
        }
        i
    }

    /// Cues of clause `c` from hits that do not cover token `i`.
    fn cues_around(&self, c: &Clause, i: usize) -> CueSet {
        let mut set = CueSet::default();
        for h in self.hits {
            if h.first >= c.first && h.last < c.end && !(h.first <= i && i <= h.last) {
                set.union(h.cues);
            }
        }
        set
    }

    /// Whether token `i` of clause `c` opens an instruction ("fix the…",
    /// "перевірте…"). `at_start` allows Ukrainian infinitives, which read
    /// as to-do items only at the start ("Оновити бібліотеку").
    fn is_imperative(&self, c: &Clause, i: usize, at_start: bool) -> bool {
        let w = self.word(i);
        if w.is_empty() || self.tokens[i].kind != TokenKind::Word {
            return false;
        }
        // "Don't merge…", "do not deploy…": prohibitions are instructions too.
        if matches!(w, "don't" | "dont") {
            return WORDS.imperatives_en.contains(self.word(i + 1));
        }
        if w == "do" && self.word(i + 1) == "not" {
            return WORDS.imperatives_en.contains(self.word(i + 2));
        }
        if WORDS.imperatives_en.contains(w) {
            let next = self.word(i + 1);
            if WORDS.object_starts.contains(next) {
                return true;
            }
            if w == "do" && QUESTION_SUBJECTS.contains(&next) {
                return false;
            }
            let possessive = self.gap_before(i + 1).starts_with('\'');
            // "Test coverage went up": a noun-like verb in a report.
            let looks_like_subject = WORDS.statement_next.contains(next)
                || possessive
                || (WORDS.nounish_en.contains(w) && self.report_like(c, i));
            return !looks_like_subject;
        }
        // Infinitives double as plural nouns ("оплати", "дати"), so they
        // only count in clauses that do not read as a report.
        let infinitive = at_start && is_uk_infinitive(w) && !self.report_like(c, i);
        WORDS.imperatives_uk.contains(w) || is_uk_plural_imperative(w) || infinitive
    }

    /// Whether clause `c` reads as a report (done, broken, announced),
    /// ignoring the hits on token `i` itself.
    fn report_like(&self, c: &Clause, i: usize) -> bool {
        self.cues_around(c, i).intersects(CueSet::of(&[
            Cue::Completion,
            Cue::Info,
            Cue::Bug,
            Cue::Past,
            Cue::Recovery,
        ]))
    }

    /// Whether any segment of the clause (its start, or after a comma,
    /// colon or dash) opens with an imperative.
    fn has_imperative(&self, c: &Clause, start: usize) -> bool {
        if start < c.end && self.is_imperative(c, start, true) {
            return true;
        }
        (start + 1..c.end).any(|i| {
            let gap = self.gap_before(i);
            gap.chars()
                .any(|ch| matches!(ch, ',' | ':' | '-' | '—' | '–' | '('))
                && self.is_imperative(c, i, false)
        })
    }

    /// Whether the clause starts with a to-do prefix ("TODO", "Task:").
    fn has_prefix(&self, c: &Clause) -> bool {
        let lead = self.lead(c);
        if self
            .hit_end_from(lead, CueSet::of(&[Cue::Prefix]))
            .is_some()
        {
            return true;
        }
        self.hit_end_from(lead, CueSet::of(&[Cue::PrefixStrict]))
            .is_some_and(|last| {
                let gap = self.gap_before(last + 1);
                gap.contains(':') || gap.contains('-') || gap.contains('—')
            })
    }

    /// Decides one clause.
    fn clause_verdict(&self, idx: usize) -> Verdict {
        let c = self.clauses[idx];
        let cues = self.clause_cues(&c);
        let v = |kind, confidence| Verdict {
            kind,
            confidence,
            clause: idx,
            prefixed: false,
        };
        if self.has_prefix(&c) {
            return Verdict {
                prefixed: true,
                ..v(Kind::Task, 0.95)
            };
        }
        let start = self.content_start(&c);
        let first = self.word(start);
        let negated = cues.has(Cue::Negation);
        let imperative = self.has_imperative(&c, start);
        let request = !negated && (cues.has(Cue::Request) || cues.has(Cue::Polite) || imperative);
        let commit = cues.has(Cue::Commit);
        let oblig = !negated && cues.has(Cue::Oblig);
        let done = cues.has(Cue::Completion) || cues.has(Cue::Recovery);
        // A broken state ("crashes", "KeyError") reports a bug even in a
        // question; a problem noun ("bugs") only in a statement.
        let state = cues.has(Cue::Bug) || self.has_error_token(&c);
        let bug_cue = state || cues.has(Cue::BugNoun) || cues.has(Cue::Regression);
        let still_broken = (!done && !cues.has(Cue::Past)) || cues.has(Cue::Persist);
        let unresolved = !cues.has(Cue::Recovery) && still_broken;
        let bug_state = cues.has(Cue::Regression) || (state && unresolved);
        let bug = bug_state || (cues.has(Cue::BugNoun) && unresolved);
        let yes_no_start = WORDS.yes_no.contains(first);
        let question = c.question_mark || WORDS.strong_question.contains(first);
        let permission = self
            .hit_end_from(start, CueSet::of(&[Cue::Permission]))
            .is_some();

        if cues.has(Cue::QuestionPhrase) && !cues.has(Cue::BugCheck) {
            return v(Kind::Question, 0.85);
        }
        if cues.has(Cue::BugCheck) && (bug_cue || question) {
            return v(Kind::Bug, 0.85);
        }
        if cues.has(Cue::InfoRequest) {
            return v(Kind::Question, 0.8);
        }
        if cues.has(Cue::Suggest) {
            return v(Kind::Task, 0.7);
        }
        if permission {
            return v(Kind::Question, 0.75);
        }
        if request {
            return v(
                Kind::Task,
                if imperative && !cues.has(Cue::Request) {
                    0.75
                } else {
                    0.85
                },
            );
        }
        if question {
            // "why is checkout returning 500?" reports a bug; "is staging
            // down?" asks whether there is one.
            if bug_state && !yes_no_start {
                return v(Kind::Bug, 0.7);
            }
            // "@mira can we get the pricing table live by tomorrow?"
            if MODAL_REQUESTS.contains(&first) && self.has_mention() {
                return v(Kind::Task, 0.65);
            }
            if cues.has(Cue::SmallTalk) {
                return v(Kind::Chatter, 0.6);
            }
            return v(Kind::Question, if c.question_mark { 0.8 } else { 0.65 });
        }
        if negated {
            return v(Kind::Info, 0.7);
        }
        if commit || oblig {
            return v(Kind::Task, 0.8);
        }
        if bug {
            return v(Kind::Bug, 0.85);
        }
        if done {
            return v(Kind::Info, 0.8);
        }
        if cues.has(Cue::Info) {
            return v(Kind::Info, 0.75);
        }
        self.small_clause_verdict(&c, cues, idx)
    }

    fn has_mention(&self) -> bool {
        self.tokens.iter().any(|t| t.kind == TokenKind::Mention)
    }

    /// Error identifiers name a failure on their own: "KeyError",
    /// "ChunkLoadError", "NullPointerException", "ECONNREFUSED".
    fn has_error_token(&self, c: &Clause) -> bool {
        (c.first..c.end).any(|i| {
            let w = self.word(i);
            ERROR_SUFFIXES
                .iter()
                .any(|s| w.len() > s.len() && w.ends_with(s))
                || ERRNO_PREFIXES.iter().any(|p| w.starts_with(p))
        })
    }

    /// Clauses without work cues: chatter if short or made of chatter
    /// words, else a plain statement (info).
    fn small_clause_verdict(&self, c: &Clause, cues: CueSet, idx: usize) -> Verdict {
        let chatter_cues = CueSet::of(&[Cue::Chatter, Cue::SmallTalk]);
        let content: Vec<usize> = (c.first..c.end)
            .filter(|&i| !self.is_mention(i) && !WORDS.fillers.contains(self.word(i)))
            .collect();
        let uncovered = content
            .iter()
            .filter(|&&i| !self.cues_at(i).intersects(chatter_cues))
            .count();
        let v = |kind, confidence| Verdict {
            kind,
            confidence,
            clause: idx,
            prefixed: false,
        };
        let opens_with_chatter = content
            .first()
            .is_some_and(|&i| self.cues_at(i).intersects(chatter_cues));
        // "Видала доступи всім", "оновився сьогодні": a Ukrainian past-tense
        // verb makes a report.
        if !opens_with_chatter && content.iter().any(|&i| is_uk_past_tense(self.word(i))) {
            return v(Kind::Info, 0.6);
        }
        if cues.intersects(chatter_cues)
            && (uncovered <= 2 || content.len() <= 6 || (opens_with_chatter && content.len() <= 12))
        {
            return v(Kind::Chatter, 0.85);
        }
        if content.len() <= 3 {
            return v(Kind::Chatter, 0.6);
        }
        v(Kind::Info, 0.5)
    }

    /// Decides the whole message from its clauses.
    fn verdict(&self) -> Verdict {
        let fallback = Verdict {
            kind: Kind::Chatter,
            confidence: 0.9,
            clause: 0,
            prefixed: false,
        };
        let verdicts: Vec<Verdict> = (0..self.clauses.len())
            .map(|i| self.clause_verdict(i))
            .collect();
        if let Some(v) = verdicts.iter().find(|v| v.prefixed) {
            return *v;
        }
        let rank = |k: Kind| match k {
            Kind::Bug => 4,
            Kind::Task => 3,
            Kind::Question => 2,
            Kind::Info => 1,
            Kind::Chatter => 0,
        };
        // The first clause of the highest rank decides.
        let best = verdicts.iter().copied().reduce(|best, v| {
            if rank(v.kind) > rank(best.kind) {
                v
            } else {
                best
            }
        });
        let Some(mut best) = best else {
            return fallback;
        };
        // Mixed actionable and non-actionable clauses lower confidence.
        let mixed = verdicts.iter().any(|v| {
            v.kind.is_actionable() != best.kind.is_actionable() && v.kind != Kind::Chatter
        });
        if mixed {
            best.confidence -= 0.1;
        }
        best
    }

    /// Priority from urgency words anywhere in the message.
    fn priority(&self, kind: Kind) -> Priority {
        let mut all = CueSet::default();
        for h in self.hits {
            all.union(h.cues);
        }
        if all.has(Cue::Low) {
            Priority::Low
        } else if all.has(Cue::Urgent) {
            Priority::Urgent
        } else if all.has(Cue::High) || (kind == Kind::Bug && all.has(Cue::Outage)) {
            Priority::High
        } else {
            Priority::Normal
        }
    }

    /// Which tokens of clause `c` to leave out of the title.
    fn title_drops(&self, c: usize, kind: Kind) -> Vec<bool> {
        let (first, end) = self.clause_range(c);
        if kind == Kind::Chatter {
            // "Thanks, that helped": nothing to summarise, keep the words.
            return (0..self.tokens.len()).map(|i| self.is_mention(i)).collect();
        }
        let header = self.clauses.get(c).and_then(|cl| self.header_end(cl));
        let anywhere = CueSet::of(&[Cue::Polite, Cue::Urgent, Cue::High, Cue::Low]);
        let leading = CueSet::of(&[
            Cue::Polite,
            Cue::Request,
            Cue::Oblig,
            Cue::Prefix,
            Cue::PrefixStrict,
            Cue::Chatter,
            Cue::Urgent,
            Cue::High,
            Cue::Low,
        ]);
        let mut drop: Vec<bool> = (0..self.tokens.len())
            .map(|i| {
                // The deadline is its own field, so it leaves the title.
                let due = kind.is_actionable() && self.in_due_span(i);
                (first..end).contains(&i)
                    && (self.is_mention(i) || due || self.cues_at(i).intersects(anywhere))
            })
            .collect();
        // Strip the opening: fillers, "can you", "we need to", "I'll", "TODO:".
        let mut i = first;
        while i < end {
            let w = self.word(i);
            let commit_en = self
                .hit_end_from(i, CueSet::of(&[Cue::Commit]))
                .filter(|_| w.is_ascii());
            // "Make sure…", "Don't forget…" carry the meaning: keep them.
            let keep = matches!(w, "make" | "remember" | "don't" | "dont" | "do" | "не");
            let opener = self
                .hit_end_from(i, leading)
                .or(commit_en)
                .filter(|_| !keep);
            let pronoun = matches!(
                w,
                "i" | "we"
                    | "you"
                    | "я"
                    | "ми"
                    | "нам"
                    | "мені"
                    | "тобі"
                    | "вам"
                    | "someone"
                    | "somebody"
                    | "хтось"
            );
            let in_header = header.is_some_and(|h| i <= h);
            if let Some(last) = opener {
                for d in drop.iter_mut().take(last + 1).skip(i) {
                    *d = true;
                }
                i = last + 1;
            } else if drop.get(i).copied().unwrap_or(false)
                || WORDS.fillers.contains(w)
                || in_header
                || (pronoun && self.hit_end_from(i + 1, leading).is_some())
            {
                if let Some(d) = drop.get_mut(i) {
                    *d = true;
                }
                i += 1;
            } else {
                break;
            }
        }
        drop
    }
}

/// Splits at sentence punctuation, line breaks and contrastive conjunctions.
fn split_clauses(norm: &str, tokens: &[Token<'_>]) -> Vec<Clause> {
    let mut clauses = Vec::new();
    let mut first = 0;
    for i in 1..=tokens.len() {
        let gap_start = tokens[i - 1].end;
        let gap_end = tokens.get(i).map_or(norm.len(), |t| t.start);
        let gap = norm.get(gap_start..gap_end).unwrap_or("");
        let breaks = i == tokens.len()
            || gap.contains(['.', '!', '?', ';', '\n', '…'])
            || tokens
                .get(i)
                .is_some_and(|t| CLAUSE_CONJUNCTIONS.contains(&t.text));
        if breaks {
            clauses.push(Clause {
                first,
                end: i,
                question_mark: gap.contains('?'),
            });
            first = i;
        }
    }
    clauses
}

/// Ukrainian plural/polite imperatives: "перевірте", "зробіть",
/// "гляньте", "подивіться", "додайте". Present-tense forms ("можете",
/// "робите") end in a vowel + "те" and are excluded.
fn is_uk_plural_imperative(w: &str) -> bool {
    if w.chars().count() < 5 || !w.starts_with(|c: char| ('\u{0400}'..='\u{04FF}').contains(&c)) {
        return false;
    }
    if NOT_IMPERATIVE_UK.contains(&w) {
        return false;
    }
    const SUFFIXES: &[&str] = &[
        "іть",
        "йте",
        "ьте",
        "іться",
        "йтеся",
        "ьтеся",
        "йтесь",
        "ьтесь",
        "ітесь",
    ];
    if SUFFIXES.iter().any(|s| w.ends_with(s)) {
        return true;
    }
    // Consonant + "те": "перевірте", "виправте".
    let mut rev = w.chars().rev();
    matches!((rev.next(), rev.next(), rev.next()), (Some('е'), Some('т'), Some(c))
        if !"аеєиіїоуюяь'".contains(c))
}

/// Ukrainian infinitives ("оновити", "підготувати", "займатися"): a
/// clause opening with one is a to-do item.
fn is_uk_infinitive(w: &str) -> bool {
    const SUFFIXES: &[&str] = &["ати", "яти", "ити", "іти", "ути", "їти", "тися", "тись"];
    w.chars().count() >= 5
        && w.starts_with(|c: char| ('\u{0400}'..='\u{04FF}').contains(&c))
        && SUFFIXES.iter().any(|s| w.ends_with(s))
        && !WORDS.not_infinitive_uk.contains(w)
}

/// Ukrainian past-tense verbs ("видала", "оновився", "опублікували").
/// Only used to tell reports from chatter, where a noun that happens to
/// match ("правила") does little harm.
fn is_uk_past_tense(w: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "ала", "ила", "іла", "яла", "ула", "али", "или", "іли", "яли", "ули", "ував", "ався",
        "ився", "лася", "лися", "лось",
    ];
    w.chars().count() >= 6
        && w.starts_with(|c: char| ('\u{0400}'..='\u{04FF}').contains(&c))
        && SUFFIXES.iter().any(|s| w.ends_with(s))
}

/// Mentions that receive the work: not bots, not group mentions, not
/// courtesy copies ("cc @x"), not possessives ("@petro's draft").
fn assignees(clean: &str, tokens: &[Token<'_>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != TokenKind::Mention {
            continue;
        }
        let name = t.text.get(1..).unwrap_or("").to_ascii_lowercase();
        let before = i.checked_sub(1).map_or("", |p| tokens[p].text);
        let possessive = clean
            .get(t.end..)
            .is_some_and(|rest| rest.starts_with('\''));
        if !text::is_valid_handle(&name)
            || name.ends_with("bot")
            || GROUP_HANDLES.contains(&name.as_str())
            || NOT_ASSIGNEE_BEFORE.contains(&before)
            || possessive
            || out.contains(&name)
        {
            continue;
        }
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    /// Wednesday 2026-12-02, 10:15 in Kyiv.
    fn run(text: &str) -> Classification {
        let input = MessageInput {
            text,
            sent_at: Utc.with_ymd_and_hms(2026, 12, 2, 8, 15, 0).unwrap(),
            tz: chrono_tz::Europe::Kyiv,
        };
        Builtin.classify(&input)
    }

    fn kind(text: &str) -> Kind {
        run(text).kind
    }

    #[test]
    fn requests_and_commitments_are_tasks() {
        for t in [
            "@olena please review the PR",
            "can you deploy it?",
            "could you check why the import fails?",
            "I'll update the docs tomorrow",
            "we need to rotate the keys",
            "TODO: add pagination",
            "Task: migrate cron jobs",
            "Будь ласка, перевір логи",
            "Перевірте, будь ласка, переклади",
            "Підготую звіт до п'ятниці",
            "Треба оновити залежності",
            "Завдання: оновити сертифікат",
        ] {
            assert_eq!(kind(t), Kind::Task, "{t}");
        }
    }

    #[test]
    fn bugs_questions_info_chatter() {
        assert_eq!(kind("prod is down"), Kind::Bug);
        assert_eq!(kind("Сайт лежить"), Kind::Bug);
        assert_eq!(kind("is it just me or is Grafana not loading?"), Kind::Bug);
        assert_eq!(kind("what time is the standup?"), Kind::Question);
        assert_eq!(
            kind("does anyone know why the build fails?"),
            Kind::Question
        );
        assert_eq!(kind("is the build green?"), Kind::Question);
        assert_eq!(kind("А де лежить доступ до стейджингу?"), Kind::Question);
        assert_eq!(kind("I fixed the login bug"), Kind::Info);
        assert_eq!(kind("задеплоїв на прод"), Kind::Info);
        assert_eq!(kind("no need to add rate limiting"), Kind::Info);
        assert_eq!(kind("Не треба нічого перейменовувати"), Kind::Info);
        assert_eq!(kind("thanks!"), Kind::Chatter);
        assert_eq!(kind("дякую"), Kind::Chatter);
        assert_eq!(kind("👍"), Kind::Chatter);
    }

    #[test]
    fn fills_fields_for_actionable_messages() {
        let c = run("@olena urgent: please fix the checkout by Friday!! cc @petro");
        assert_eq!(c.kind, Kind::Task);
        assert!(c.actionable);
        assert_eq!(c.priority, Priority::Urgent);
        assert_eq!(c.due, NaiveDate::from_ymd_opt(2026, 12, 4));
        assert_eq!(c.assignees, ["olena"]);
        assert_eq!(c.title, "Fix the checkout");
        assert_eq!(c.classifier, "builtin");

        let c = run("@olena what time is the standup tomorrow?");
        assert_eq!(c.kind, Kind::Question);
        assert_eq!(c.due, None);
        assert!(c.assignees.is_empty());
        assert_eq!(c.priority, Priority::Normal);
    }

    #[test]
    fn priorities() {
        assert_eq!(
            run("when you have time, could you update the wiki?").priority,
            Priority::Low
        );
        assert_eq!(
            run("не горить, але треба перейменувати змінні").priority,
            Priority::Low
        );
        assert_eq!(
            run("Терміново треба оновити сертифікат").priority,
            Priority::Urgent
        );
        assert_eq!(
            run("high priority: migrate the webhooks").priority,
            Priority::High
        );
        assert_eq!(
            run("not urgent, but please fix the typo").priority,
            Priority::Low
        );
        assert_eq!(run("Прод лежить").priority, Priority::High);
    }

    #[test]
    fn assignee_rules() {
        assert_eq!(
            run("@anna @max @anna please pair on it").assignees,
            ["anna", "max"]
        );
        assert_eq!(
            run("@olena can you review @petro's draft?").assignees,
            ["olena"]
        );
        assert_eq!(
            run("@tasktracker_bot @all please fix it").assignees,
            Vec::<String>::new()
        );
        assert_eq!(
            run("please mail olena@example.com").assignees,
            Vec::<String>::new()
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        let big = "please fix ".repeat(10_000);
        let mixed = "Привіт @olena\u{202E} can you 👍🏽 перевір 15.12 ￼ \u{0000} ٣ 😀".to_owned();
        for t in [
            "",
            " ",
            "\n\n",
            "?",
            "@",
            "@@@",
            "'",
            "-",
            "…",
            &big,
            &mixed,
            "ﷺ",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        ] {
            let c = run(t);
            assert!(c.title.chars().count() <= 80, "{t:?}");
            assert!((0.0..=1.0).contains(&c.confidence));
        }
    }
}
