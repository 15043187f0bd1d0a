//! Keyword lists for the builtin classifier, kept as data.
//!
//! Phrases are lowercase words separated by single spaces, matched against
//! the message's tokens (so punctuation between words does not matter).
//! A trailing `*` makes the last word a stem ("crash*" matches "crashes").
//! Apostrophes are ASCII: the text is normalised before matching.
//!
//! All phrases are compiled once into a single Aho-Corasick automaton.

use std::collections::HashSet;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::text::{Token, TokenKind};

/// What a matched phrase signals. Used as bit positions in a [`CueSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Cue {
    /// "TODO", "Action item": a to-do when it opens a clause.
    Prefix,
    /// "Task:", "AI:", "Задача:": a to-do only when followed by ':' or '-'.
    PrefixStrict,
    /// "please", "будь ласка": politeness; also a request.
    Polite,
    /// "can you", "could someone", "let's", "можеш", "давайте".
    Request,
    /// "tell me", "підкажіть": a request for information only.
    InfoRequest,
    /// "can I", "should we", "чи можна": asking for permission or opinion.
    Permission,
    /// "I'll", "on it", "зроблю": the speaker commits to doing something.
    Commit,
    /// "I'll be (late/out)", "let me know": looks like a commitment, is not.
    NotCommit,
    /// "need to", "must", "треба": an obligation.
    Oblig,
    /// "should work", "due to": looks like an obligation, is not.
    NotOblig,
    /// "no need", "не треба": cancels obligations and requests.
    Negation,
    /// "crashes", "500", "не працює": something is broken.
    Bug,
    /// "bug", "errors", "баги": names a problem without saying something
    /// is broken now; a bug report in statements, a topic in questions.
    BugNoun,
    /// "will be down for maintenance", "де лежить": looks broken, is not.
    NotBug,
    /// "is down", "outage", "лежить": a bug that takes a whole service out.
    Outage,
    /// "was fine yesterday", "раніше працювало": a regression, broken now.
    Regression,
    /// "fixed", "deployed", "зробила": something was done.
    Completion,
    /// "works again", "знову працює": the problem is gone.
    Recovery,
    /// "still", "again", "досі", "знову": the problem persists.
    Persist,
    /// "yesterday", "вчора": refers to the past.
    Past,
    /// "does anyone know", "хтось знає": a question even if it names a bug.
    QuestionPhrase,
    /// "is it just me", "у когось ще": a bug report phrased as a question.
    BugCheck,
    /// "shouldn't we", "why don't we": a proposal to act.
    Suggest,
    /// "FYI", "heads up", "до відома", "we decided": an announcement.
    Info,
    /// "thanks", "lol", "привіт": greetings, thanks, reactions.
    Chatter,
    /// "lunch", "meme": small talk.
    SmallTalk,
    /// "urgent", "asap", "терміново".
    Urgent,
    /// "high priority", "critical", "blocker", "важливо".
    High,
    /// "low priority", "when you have time", "не горить".
    Low,
}

/// A set of cues, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CueSet(u32);

impl CueSet {
    pub(crate) fn has(self, cue: Cue) -> bool {
        self.0 & (1 << cue as u8) != 0
    }

    pub(crate) fn insert(&mut self, cue: Cue) {
        self.0 |= 1 << cue as u8;
    }

    pub(crate) fn remove(&mut self, cue: Cue) {
        self.0 &= !(1 << cue as u8);
    }

    pub(crate) fn union(&mut self, other: CueSet) {
        self.0 |= other.0;
    }

    pub(crate) fn intersects(self, other: CueSet) -> bool {
        self.0 & other.0 != 0
    }

    pub(crate) fn of(cues: &[Cue]) -> CueSet {
        let mut set = CueSet::default();
        for &c in cues {
            set.insert(c);
        }
        set
    }
}

#[rustfmt::skip]
const PREFIX: &[&str] = &[
    "todo", "to-do", "todos", "action item", "action items", "туду", "тудушка", "todo list",
];

#[rustfmt::skip]
const PREFIX_STRICT: &[&str] = &[
    "ai", "task", "to do", "задача", "завдання", "задачка", "таска", "action",
];

#[rustfmt::skip]
const POLITE: &[&str] = &[
    "please", "pls", "plz", "plse", "pleas", "kindly", "будь ласка", "будь-ласка", "будьласка",
    "плз", "пліз", "плиз", "плс", "пожалуйста",
];

#[rustfmt::skip]
const REQUEST: &[&str] = &[
    "can you", "could you", "would you", "will you", "can u", "could u", "would u", "can someone",
    "can somebody", "could someone", "could somebody", "can anyone", "could anyone",
    "can anybody", "would you mind", "would you be able", "would be great if", "would be nice if",
    "it'd be great if", "i'd like you to", "i need you to", "need you to", "let's", "lets",
    "let us", "don't forget", "dont forget", "do not forget", "remember to", "make sure",
    "who can take", "who wants to take", "who will take", "anyone want to take", "someone should",
    "somebody should", "someone needs to", "somebody needs to", "someone has to", "someone must",
    "we need someone", "need someone", "whoever", "can i ask you", "i'd ask you", "прошу",
    "просимо", "попросити", "попрошу", "можеш", "можете", "зможеш", "зможете", "могли б",
    "міг би", "могла б", "не могли б", "хтось може", "хто може взяти", "хто візьме",
    "хто займеться", "хто візьметься", "давайте", "давай", "не забудь", "не забудьте",
    "не забувайте", "глянеш", "зробиш", "перевіриш", "подивишся", "скинеш", "допоможеш",
    "візьмеш", "поглянеш", "нагадай", "нагадайте", "можешь", "сделай",
];

#[rustfmt::skip]
const INFO_REQUEST: &[&str] = &[
    "tell me", "can you tell", "could you tell", "remind me what", "remind me when",
    "remind me where", "remind me how", "remind me who", "explain to me", "підкажи", "підкажіть",
    "підкажете", "підкажеш", "підказати", "хто підкаже", "скажіть", "скажи", "нагадай коли",
    "нагадайте коли", "нагадай де", "нагадайте де", "нагадай як", "нагадайте як", "поясни мені",
    "поясніть мені",
];

#[rustfmt::skip]
const PERMISSION: &[&str] = &[
    "can i", "may i", "should i", "shall i", "could i", "shall we", "should we", "do we need",
    "do i need", "is it ok", "is it okay", "можна я", "можна мені", "чи можна", "мені можна",
    "чи можу я", "чи треба", "чи потрібно", "чи варто", "може варто", "чи маємо",
];

#[rustfmt::skip]
const COMMIT: &[&str] = &[
    "i'll", "i will", "i'm going to", "im going to", "i am going to", "i'm gonna", "im gonna",
    "i am gonna", "will do", "let me", "lemme", "on it", "i'm on it", "i can take", "i can do",
    "i can handle", "we'll", "we will", "i'm taking", "i plan to", "i'm planning to",
    "i am planning to", "i intend to", "we're going to", "we are going to", "leave it to me",
    "assign it to me", "i shall", "i'd take", "зроблю", "напишу", "підготую", "гляну", "погляну",
    "займусь", "займуся", "візьму", "перевірю", "подивлюсь", "подивлюся", "поправлю", "виправлю",
    "пофікшу", "додам", "оновлю", "задеплою", "викочу", "закину", "скину", "відпишу", "розберусь",
    "розберуся", "допишу", "запущу", "перезапущу", "відкочу", "замерджу", "змерджу", "протестую",
    "перегляну", "налаштую", "підключу", "надішлю", "відправлю", "створю", "видалю", "приберу",
    "перенесу", "домовлюсь", "домовлюся", "зателефоную", "подзвоню", "оплачу", "закрию", "почищу",
    "перепишу", "оформлю", "дороблю", "допилю", "підніму", "оновимо", "зробимо", "підготуємо",
    "задеплоїмо", "виправимо", "перевіримо", "глянемо", "додамо", "напишемо", "доробимо",
    "займемося", "займемось", "беру", "на мені", "постараюсь", "постараюся", "спробую", "сделаю",
    "посмотрю", "я можу",
];

#[rustfmt::skip]
const NOT_COMMIT: &[&str] = &[
    "i'll be", "i will be", "i'm going to be", "we'll be", "we will be", "let me know",
    "i'll let you know", "i will let you know", "i'll keep you posted",
];

#[rustfmt::skip]
const OBLIG: &[&str] = &[
    "need to", "needs to", "need", "needs", "have to", "has to", "must", "should", "gotta",
    "got to", "ought to", "it'd be good to", "would be good to", "is due", "are due", "due",
    "deadline", "it's time to", "треба", "потрібно", "потрібен", "потрібна", "потрібні",
    "потрібне", "слід", "необхідно", "маємо", "мусимо", "мушу", "мусиш", "маєш", "маєте", "варто",
    "було б добре", "було б непогано", "не завадило б", "дедлайн", "нужно", "надо",
];

#[rustfmt::skip]
const NOT_OBLIG: &[&str] = &[
    "should work", "should be fine", "should be ok", "should be okay", "should be good",
    "should be fixed", "should be live", "should be back", "should be working", "should now",
    "due to", "маєш рацію", "маєте рацію", "як і треба", "так і треба", "must be the",
    "must have been",
];

#[rustfmt::skip]
const NEGATION: &[&str] = &[
    "no need", "don't need", "dont need", "do not need", "doesn't need", "does not need",
    "not necessary", "unnecessary", "no longer need", "no longer needed", "don't have to",
    "do not have to", "don't bother", "no action needed", "no action required", "nothing to do",
    "not needed", "ignore this", "please ignore", "disregard", "nevermind", "never mind",
    "не треба", "не потрібно", "не потрібен", "не потрібна", "не слід", "не варто",
    "не обов'язково", "немає потреби", "нема потреби", "не мусимо", "нічого не треба",
    "не треба нічого", "ігноруйте", "не звертайте уваги", "відбій",
];

#[rustfmt::skip]
const BUG: &[&str] = &[
    // English
    "buggy", "crash*", "broken", "breaks", "broke", "breaking", "fails", "failing", "failed",
    "failure", "failures", "not working", "doesn't work", "does not work", "dont work",
    "don't work", "isn't working", "is not working", "aren't working", "are not working",
    "stopped working", "no longer works", "no longer work", "not loading", "won't load",
    "doesn't load", "does not load", "won't start", "won't open", "doesn't open", "not opening",
    "can't log in", "cannot log in", "can't login", "cannot login", "can't sign in", "unable to",
    "can't access", "cannot access", "can't pay", "can't connect", "cannot connect", "can't save",
    "can't open", "500", "500s", "502", "502s", "503", "503s", "504", "504s", "404", "404s",
    "400", "401", "403", "timeout", "timeouts", "times out", "timed out", "timing out",
    "regression", "is down", "are down", "it's down", "site down", "prod down", "staging down",
    "server down", "api down", "went down", "goes down", "down again", "outage", "unreachable",
    "stack trace", "stacktrace", "traceback", "panic", "panicked", "segfault", "nullpointer*",
    "npe", "oom", "outofmemory*", "typeerror", "referenceerror", "cannot read propert*",
    "nothing happens", "does nothing", "do nothing", "wrong", "glitch*", "freezes", "freezing",
    "frozen", "hangs", "logs me out", "logged out", "keeps logging", "is red", "are red",
    "something went wrong", "something is wrong", "something's wrong", "not showing",
    "doesn't show", "don't show", "isn't showing", "not displayed", "not receiving",
    "not sending", "not sent", "not arriving", "blank page", "white screen", "empty page",
    "empty file", "in spam", "to spam", "dropping requests", "connection reset",
    "connection refused", "overlap*", "duplicated", "twice", "memory leak", "too slow",
    "takes forever", "not fixed", "isn't fixed", "is missing", "are missing", "corrupted",
    // Ukrainian
    "падає", "падають", "впав", "впала", "впало", "впали", "упав", "упала", "лежить", "ліг",
    "лягло", "лягла", "не працює", "не працюють", "не працювало", "не працював",
    "перестав працювати", "перестала працювати", "перестало працювати", "перестали працювати",
    "зламав*", "зламал*", "зламан*", "зламано", "ламає", "ламається", "ламаються", "поламав*",
    "поламал*", "поламан*", "не відкривається", "не відкриваються", "не відкрився",
    "не завантажується", "не завантажуються", "не вантажиться", "не вантажаться", "не грузиться",
    "не грузяться", "не відправляється", "не відправляються", "не приходять", "не приходить",
    "не приходили", "не відображаються", "не відображається", "не показує", "не показується",
    "не натискається", "не зберігається", "не зберігаються", "не збирається", "не пускає",
    "не можу зайти", "не можу залогінитись", "не можу увійти", "не заходить", "не проходять",
    "не проходить", "не оновлюється", "не синхронізується", "не реагує", "не приймає",
    "не вдається", "виснет", "висне", "зависає", "зависло", "завис", "зависла", "глючить",
    "глюк*", "лагає", "білий екран", "тайм-аут", "таймаут", "злетіл*", "злетів", "поїхал*",
    "фейлит*", "фейлиться", "відвалив*", "відвалил*", "спамить", "вилітає", "вилітають",
    "крашиться", "краш", "ексепшн", "двічі", "неправильн*", "некоректн*", "зникл*",
    "не виправлено", "не пофікшено",
    // Common Russian in Ukrainian chats
    "не работает", "упал", "лежит", "сломал*", "throwing", "throws", "spins forever",
    "spinning forever", "loads forever", "takes ages", "blank screen", "ran out of",
    "out of disk", "out of memory", "no space left", "disk full", "fail", "permission denied",
    "access denied", "rejected", "empty", "super slow", "is slow", "so slow", "very slow",
    "not responding", "unresponsive", "not found", "не підтягу*", "пропал*", "пропав",
    "не спрацьову*", "не спрацював", "не спрацювала", "не відповідає", "не грузить",
    "не вантажить", "не завантажує", "не відкриває", "гальмує", "дуже повільно", "порожн*",
    "тормозит*",
];

/// Problem nouns: see [`Cue::BugNoun`].
#[rustfmt::skip]
const BUG_NOUN: &[&str] = &[
    "bug", "bugs", "error", "errors", "exception", "exceptions", "помилк*", "баг", "бага", "багу",
    "баги", "багів", "багом", "баґ", "ошибк*",
];

#[rustfmt::skip]
const NOT_BUG: &[&str] = &[
    "will be down", "be down for", "maintenance", "planned", "де лежить", "там лежить",
    "тут лежить", "лежить у", "лежить в", "лежить на", "no errors", "without errors",
    "без помилок", "no bugs", "not broken", "isn't broken", "if it fails", "if anything breaks",
    "if something breaks", "якщо щось зламається", "якщо впаде", "error handling",
    "wrong channel", "sorry wrong",
];

#[rustfmt::skip]
const OUTAGE: &[&str] = &[
    "is down", "are down", "it's down", "site down", "prod down", "went down", "down again",
    "outage", "unreachable", "лежить", "ліг", "лягло", "впав", "впало", "упав", "всіх сторінках",
    "весь сайт", "whole site", "entire site", "everything is down", "у всіх", "в усіх",
    "для всіх", "всіх клієнтів", "всі клієнти", "усі клієнти", "for everyone", "for all users",
    "all users", "all customers",
];

#[rustfmt::skip]
const REGRESSION: &[&str] = &[
    "was fine yesterday", "it was fine", "worked yesterday", "was working", "used to work",
    "worked before", "все було ок", "було ок", "вчора працювало", "раніше працювало",
];

#[rustfmt::skip]
const COMPLETION: &[&str] = &[
    // English
    "fixed", "deployed", "merged", "done", "shipped", "released", "finished", "completed",
    "resolved", "closed", "rolled back", "reverted", "pushed", "uploaded", "sent", "added",
    "removed", "migrated", "upgraded", "updated", "published", "cleaned", "approved", "confirmed",
    "is live", "are live", "went live", "went out", "went well", "i've", "we've", "has been",
    "have been", "joined", "cancelled", "canceled", "decided", "rolled out", "looked into",
    "ran fine", "wrote", "created", "renewed", "rotated", "restored", "is ready", "are ready",
    "ready for review", "pr is up", "passed", "all green", "went fine", "sorted", "handled",
    "reviewed", "tested", "verified", "investigated", "booked", "ordered", "paid", "signed",
    "finalized", "finalised", "delivered", "landed",
    // Ukrainian
    "виправив", "виправила", "виправили", "виправлено", "задеплоїв", "задеплоїла", "задеплоїли",
    "задеплоєно", "зробив", "зробила", "зробили", "зроблено", "готово", "готовий", "готова",
    "готові", "закрив", "закрила", "закрили", "закрито", "змерджив", "змерджила", "змерджили",
    "змержив", "змерджено", "замерджив", "замерджено", "оновив", "оновила", "оновили", "оновлено",
    "пофіксив", "пофіксила", "пофіксили", "пофікшено", "залив", "залила", "залили", "викотив",
    "викотила", "викотили", "додав", "додала", "додали", "додано", "видалив", "видалила",
    "видалили", "видалено", "відправив", "відправила", "відправили", "надіслав", "надіслала",
    "підготував", "підготувала", "підготували", "перевірив", "перевірила", "перевірили",
    "протестував", "протестувала", "протестували", "запустив", "запустила", "запустили",
    "перезапустив", "перезапустила", "відкотив", "відкотила", "відкотили", "налаштував",
    "налаштувала", "налаштували", "полагодили", "полагодив", "полагодила", "вийшов", "вийшла",
    "вийшли", "вирішили", "вирішено", "поправив", "поправила", "поправили", "скинув", "скинула",
    "почистив", "почистила", "почистили", "повернув", "повернула", "повернули", "перенесли",
    "перенесено", "затвердили", "затверджено", "підтвердив", "підтвердила", "підтвердили",
    "розібрався", "розібралась", "розібралася", "розгорнули", "мігрували", "оплатив", "оплатила",
    "підписав", "підписали", "погодили", "погоджено", "завершив", "завершила", "завершили",
    "завершено", "переглянув", "переглянула", "відповів", "відповіла", "замовив", "замовила",
    "забронював", "домовились", "домовилися", "знайшли причину", "з'ясували",
];

#[rustfmt::skip]
const RECOVERY: &[&str] = &[
    "works again", "working again", "back up", "is back", "are back", "back online", "works now",
    "working now", "all good now", "back to normal", "is fine now", "fine now", "ok now",
    "okay now", "passes again", "green again", "it's fixed", "is fixed", "are fixed", "fixed now",
    "все працює", "вже працює", "знову працює", "працює нормально", "запрацювало", "запрацював",
    "запрацювала", "знову працюють", "все ок", "все окей", "стихли", "відновили", "відновлено",
    "відновився", "errors gone", "error is gone", "errors are gone", "no more", "відновились",
    "відновилось", "відновилася", "відновилися",
];

#[rustfmt::skip]
const PERSIST: &[&str] = &[
    "still", "again", "anymore", "no longer", "keeps", "since", "every time", "each time", "досі",
    "знову", "все ще", "як і раніше", "з ранку", "з учора", "з вчора", "постійно", "кожні",
    "кожен раз",
];

#[rustfmt::skip]
const PAST: &[&str] = &[
    "yesterday", "yesterday's", "last night", "last week", "earlier today", "for an hour",
    "вчора", "вчорашн*", "учора", "минулого тижня",
];

#[rustfmt::skip]
const QUESTION_PHRASE: &[&str] = &[
    "anyone know", "anybody know", "does anyone know", "do you know", "any idea", "any ideas",
    "anyone knows", "anybody knows", "who knows", "do we know", "is there a way",
    "is there any way", "quick q", "quick question", "what do you think", "thoughts", "wdyt",
    "хтось знає", "хто знає", "не знаєте", "не знаєш", "не пам'ятаєш", "не пам'ятаєте",
    "хтось пробував", "хтось вже", "хто-небудь знає", "що думаєте", "як думаєте", "як вважаєте",
    "є ідеї", "хтось в курсі", "хто в курсі",
];

#[rustfmt::skip]
const BUG_CHECK: &[&str] = &[
    "just me", "only me", "anyone else", "anybody else", "у когось ще", "в когось ще",
    "тільки в мене", "тільки у мене", "лише в мене", "лише у мене", "тільки мені", "в когось теж",
    "у когось теж", "anyone else's", "anybody else's",
];

#[rustfmt::skip]
const SUGGEST: &[&str] = &[
    "shouldn't we", "why don't we", "how about we", "what if we", "maybe we should",
    "хіба не варто", "пропоную",
];

#[rustfmt::skip]
const INFO: &[&str] = &[
    "fyi", "f.y.i", "heads up", "heads-up", "до відома", "для інфо", "update", "status",
    "announcement", "we decided", "decided", "decision", "is scheduled", "scheduled", "moved to",
    "has moved", "перенесли", "переносимо", "переноситься", "cancelled", "canceled", "скасовано",
    "скасували", "у відпустці", "відпустці", "відпустка", "i'm off", "im off", "i'm out", "ooo",
    "out of office", "wfh", "working from home", "працюю з дому", "працюю віддалено", "on call",
    "on vacation", "back from", "catching up", "на лікарняному", "now final", "went up",
    "increased", "decreased", "dropped to", "оголошення",
];

#[rustfmt::skip]
const CHATTER: &[&str] = &[
    "hi", "hello", "hey", "hiya", "yo", "morning", "good morning", "good afternoon",
    "good evening", "good night", "gn", "gm", "thanks", "thank you", "thanks a lot", "thx",
    "thnx", "ty", "tysm", "cheers", "lol", "lmao", "rofl", "haha", "hahaha", "ahah", "ahaha",
    "hehe", "ok", "okay", "okey", "k", "kk", "cool", "nice", "great", "awesome", "amazing", "wow",
    "yay", "congrats", "congratulations", "well done", "great job", "good job", "nice job",
    "nice work", "great work", "kudos", "bravo", "sounds good", "makes sense", "agreed", "agree",
    "got it", "noted", "no worries", "np", "no problem", "sure", "yep", "yeah", "yes", "yup",
    "nope", "same", "me too", "welcome", "bye", "see you", "see ya", "cya", "have a nice weekend",
    "have a great weekend", "enjoy your weekend", "happy friday", "happy holidays",
    "merry christmas", "merry xmas", "happy new year", "omg", "legend", "the best", "love it",
    "sad", "oops", "lgtm", "sorry", "thanks so much", "thank you so much", "that helped",
    "helped a lot", "appreciate it", "much appreciated", "привіт", "привітики", "вітаю",
    "доброго ранку", "добрий ранок", "добрий день", "добрий вечір", "доброї ночі", "на добраніч",
    "дякую", "дяка", "дякс", "дякі", "спасибі", "спс", "ок", "окей", "окі", "добре", "гаразд",
    "ага", "угу", "супер", "клас", "класно", "круто", "топ", "вау", "ого", "ахах", "ахаха",
    "хаха", "хахаха", "ггг", "лол", "зрозумів", "зрозуміла", "зрозуміло", "ясно", "прийнято",
    "до завтра", "бувай", "бувайте", "гарних вихідних", "гарного дня", "гарного вечора",
    "з днем народження", "веселого різдва", "з різдвом", "з новим роком", "молодці", "жиза",
    "класика", "капець", "згоден", "згодна", "сорі", "вибачте", "have a good one", "have a good",
    "have fun", "good luck",
];

#[rustfmt::skip]
const SMALL_TALK: &[&str] = &[
    "lunch", "coffee", "meme", "vibes", "weather", "обід", "обідати", "кава", "каву", "мем",
    "погода", "pizza", "beer", "cake", "snacks", "піца", "піцу", "пиво", "торт",
];

#[rustfmt::skip]
const URGENT: &[&str] = &[
    "urgent", "urgently", "asap", "a.s.a.p", "immediately", "right now", "right away", "at once",
    "emergency", "straight away", "терміново", "термінове", "терміновий", "негайно", "срочно",
    "прямо зараз", "якнайшвидше", "якомога швидше", "як можна швидше", "p0", "sev1", "sev-1",
    "sev0", "горить",
];

#[rustfmt::skip]
const HIGH: &[&str] = &[
    "high priority", "high prio", "top priority", "important", "critical", "critically",
    "blocker", "blocking", "p1", "prio 1", "sev2", "критично", "критична", "критичний",
    "критичне", "важливо", "важливе", "важлива", "високий пріоритет", "пріоритетно",
    "першочергово", "блокер", "блокує", "в пріоритеті",
];

#[rustfmt::skip]
const LOW: &[&str] = &[
    "low priority", "low prio", "when you have time", "when you get a chance",
    "when you get the chance", "when you can", "no rush", "no hurry", "not urgent", "whenever",
    "nice to have", "eventually", "someday", "не горить", "коли буде час", "як буде час",
    "коли матимеш час", "не терміново", "не срочно", "низький пріоритет", "не поспішай",
    "без поспіху", "не критично", "not critical", "when you have a minute",
    "when you get a minute", "if you have a sec", "when you're free", "як матимете хвилинку",
    "як матимеш хвилинку", "коли матимете час", "як матимеш час", "як матимете час",
    "як буде хвилинка", "коли буде хвилинка",
];

/// Every list with the cue it signals.
const LISTS: &[(Cue, &[&str])] = &[
    (Cue::Prefix, PREFIX),
    (Cue::PrefixStrict, PREFIX_STRICT),
    (Cue::Polite, POLITE),
    (Cue::Request, REQUEST),
    (Cue::InfoRequest, INFO_REQUEST),
    (Cue::Permission, PERMISSION),
    (Cue::Commit, COMMIT),
    (Cue::NotCommit, NOT_COMMIT),
    (Cue::Oblig, OBLIG),
    (Cue::NotOblig, NOT_OBLIG),
    (Cue::Negation, NEGATION),
    (Cue::Bug, BUG),
    (Cue::BugNoun, BUG_NOUN),
    (Cue::NotBug, NOT_BUG),
    (Cue::Outage, OUTAGE),
    (Cue::Bug, OUTAGE),
    (Cue::Regression, REGRESSION),
    (Cue::Completion, COMPLETION),
    (Cue::Recovery, RECOVERY),
    (Cue::Persist, PERSIST),
    (Cue::Past, PAST),
    (Cue::QuestionPhrase, QUESTION_PHRASE),
    (Cue::BugCheck, BUG_CHECK),
    (Cue::Suggest, SUGGEST),
    (Cue::Info, INFO),
    (Cue::Chatter, CHATTER),
    (Cue::SmallTalk, SMALL_TALK),
    (Cue::Urgent, URGENT),
    (Cue::High, HIGH),
    (Cue::Low, LOW),
];

/// When two hits overlap, the first cue cancels the second: "not urgent"
/// is not urgent, "not sent" is not a completion, "I'll be late" is not a
/// commitment.
const SUPPRESSES: &[(Cue, Cue)] = &[
    (Cue::NotBug, Cue::Bug),
    (Cue::NotBug, Cue::BugNoun),
    (Cue::NotBug, Cue::Outage),
    (Cue::Bug, Cue::Completion),
    (Cue::Recovery, Cue::BugNoun),
    (Cue::Low, Cue::Urgent),
    (Cue::Low, Cue::High),
    (Cue::NotCommit, Cue::Commit),
    (Cue::NotOblig, Cue::Oblig),
    (Cue::Negation, Cue::Oblig),
    (Cue::Negation, Cue::Request),
    (Cue::Negation, Cue::Polite),
    (Cue::InfoRequest, Cue::Request),
    (Cue::Permission, Cue::Oblig),
    (Cue::Suggest, Cue::Oblig),
    (Cue::Recovery, Cue::Completion),
    (Cue::Recovery, Cue::Persist),
    (Cue::Regression, Cue::Past),
];

/// One matched phrase: its cues and the tokens it covers (inclusive).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub cues: CueSet,
    pub first: usize,
    pub last: usize,
}

struct Pattern {
    cues: CueSet,
    /// The last word may be a prefix of the matched word.
    stem: bool,
}

/// The compiled phrase automaton.
pub(crate) struct Lexicon {
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
}

impl Lexicon {
    fn build() -> Lexicon {
        let mut texts: Vec<&'static str> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        for &(cue, list) in LISTS {
            for &phrase in list {
                let (text, stem) = match phrase.strip_suffix('*') {
                    Some(t) => (t, true),
                    None => (phrase, false),
                };
                // Identical phrases from several lists share one pattern.
                match texts.iter().position(|&t| t == text) {
                    Some(i) => {
                        patterns[i].cues.insert(cue);
                        patterns[i].stem |= stem;
                    }
                    None => {
                        texts.push(text);
                        patterns.push(Pattern {
                            cues: CueSet::of(&[cue]),
                            stem,
                        });
                    }
                }
            }
        }
        // Building only fails for absurd pattern sets; without an automaton
        // the classifier still works, just without keyword cues.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&texts)
            .ok();
        Lexicon {
            automaton,
            patterns,
        }
    }

    /// Finds every phrase in `tokens` (words and numbers; mentions are
    /// skipped so "@olena please" reads as "please").
    pub(crate) fn scan(&self, tokens: &[Token<'_>]) -> Vec<Hit> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        // Tokens joined by single spaces, with each token's offset.
        let mut flat = String::with_capacity(tokens.iter().map(|t| t.text.len() + 1).sum());
        let mut starts: Vec<(usize, usize)> = Vec::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if t.kind == TokenKind::Mention {
                continue;
            }
            if !flat.is_empty() {
                flat.push(' ');
            }
            starts.push((flat.len(), i));
            flat.push_str(t.text);
        }
        let bytes = flat.as_bytes();
        let mut hits = Vec::new();
        for m in automaton.find_overlapping_iter(&flat) {
            let Some(pattern) = self.patterns.get(m.pattern().as_usize()) else {
                continue;
            };
            let at_word_start = m.start() == 0 || bytes[m.start() - 1] == b' ';
            let at_word_end = m.end() == bytes.len() || bytes[m.end()] == b' ';
            if !at_word_start || !(at_word_end || pattern.stem) {
                continue;
            }
            let first = token_at(&starts, m.start());
            let last = token_at(&starts, m.end().saturating_sub(1));
            hits.push(Hit {
                cues: pattern.cues,
                first,
                last,
            });
        }
        suppress(&mut hits);
        hits
    }
}

/// The token index containing flat-string offset `offset`.
fn token_at(starts: &[(usize, usize)], offset: usize) -> usize {
    let idx = starts.partition_point(|&(s, _)| s <= offset);
    starts.get(idx.saturating_sub(1)).map_or(0, |&(_, i)| i)
}

/// Applies [`SUPPRESSES`]: removes cues cancelled by an overlapping hit.
/// Hits are sorted by position so only overlapping neighbours are compared.
fn suppress(hits: &mut [Hit]) {
    hits.sort_by_key(|h| (h.first, h.last));
    let original: Vec<CueSet> = hits.iter().map(|h| h.cues).collect();
    for i in 0..hits.len() {
        let mut j = i + 1;
        while j < hits.len() && hits[j].first <= hits[i].last {
            cancel(&mut hits[j].cues, original[i]);
            cancel(&mut hits[i].cues, original[j]);
            j += 1;
        }
    }
}

/// Removes from `target` the cues that `by` cancels.
fn cancel(target: &mut CueSet, by: CueSet) {
    for &(winner, loser) in SUPPRESSES {
        if by.has(winner) && !target.has(winner) {
            target.remove(loser);
        }
    }
}

/// The shared, compiled lexicon.
pub(crate) static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::build);

/// Words that may open a clause without carrying meaning: greetings,
/// addressees, discourse markers.
#[rustfmt::skip]
const FILLERS: &[&str] = &[
    "hi", "hey", "hello", "guys", "team", "folks", "all", "everyone", "everybody", "yo", "so",
    "ok", "okay", "also", "and", "then", "btw", "hmm", "oh", "well", "now", "ps", "upd", "quick",
    "q", "note", "reminder", "колеги", "друзі", "хлопці", "дівчата", "народ", "всім", "усім",
    "привіт", "ну", "і", "й", "а", "також", "ще", "тоді", "ок", "окей", "слухайте", "слухай",
    "коротше", "ага", "ой", "хм", "ем", "but", "але", "проте", "однак", "though", "fyi",
];

/// English verbs that, opening a clause, make it an instruction.
#[rustfmt::skip]
const IMPERATIVES_EN: &[&str] = &[
    "fix", "check", "review", "deploy", "update", "add", "remove", "create", "write", "send",
    "prepare", "look", "investigate", "merge", "rebase", "test", "move", "rename", "schedule",
    "book", "call", "ping", "reply", "respond", "upload", "share", "set", "install", "configure",
    "migrate", "delete", "revert", "rollback", "restart", "reboot", "bump", "document", "clean",
    "refactor", "implement", "finish", "close", "make", "do", "help", "approve", "sign", "draft",
    "translate", "order", "pay", "renew", "rotate", "backup", "push", "pull", "run", "rerun",
    "re-run", "trigger", "escalate", "contact", "email", "notify", "tell", "ask", "invite",
    "grab", "get", "pick", "take", "handle", "fill", "submit", "file", "open", "raise", "track",
    "archive", "disable", "enable", "turn", "switch", "upgrade", "downgrade", "patch", "hotfix",
    "verify", "confirm", "double-check", "ensure", "organize", "organise", "plan", "sort",
    "collect", "compile", "export", "import", "generate", "publish", "release", "ship", "cut",
    "tag", "label", "assign", "reassign", "estimate", "design", "mock", "sketch", "prototype",
    "print", "buy", "reserve", "cancel", "postpone", "reschedule", "prioritize", "prioritise",
    "triage", "reproduce", "repro", "debug", "benchmark", "profile", "optimize", "optimise",
    "measure", "record", "summarize", "summarise", "follow", "reach", "sync", "align", "wrap",
    "finalize", "finalise", "complete", "keep", "avoid", "stop", "start", "begin", "clarify",
    "coordinate", "provide", "attach", "forward", "post", "announce", "prep", "setup", "rewrite",
    "redo", "replace", "extend", "increase", "reduce", "freeze", "unfreeze", "block", "unblock",
    "grant", "revoke", "give", "drop", "kill", "retry", "fetch", "deliver", "hand", "present",
    "put", "bring", "change", "adjust", "tweak", "polish", "convert", "split", "join", "attend",
    "pair", "babysit", "cover", "remind", "double", "go", "read", "think", "consider", "discuss",
    "talk", "write-up", "audit", "monitor", "watch", "clean-up", "cleanup", "restore", "tidy",
    "recover", "resolve", "refresh", "reindex", "rebuild", "redeploy", "reinstall", "reset",
    "repair", "rework",
];

/// Words after a verb that show it is a verb with an object ("fix the
/// crash", "update it"), whatever else the clause says.
#[rustfmt::skip]
const OBJECT_STARTS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "my", "your", "our", "his", "her",
    "their", "it", "them", "me", "us", "all", "some", "up", "out", "off", "into", "at",
];

/// Pronouns after "do" that make it a question ("do we have…").
#[rustfmt::skip]
pub(crate) const QUESTION_SUBJECTS: &[&str] = &[
    "we", "you", "i", "they", "he", "she", "anyone", "anybody", "someone", "somebody",
];

/// Nouns that end like Ukrainian infinitives ("звіти" = reports).
#[rustfmt::skip]
const NOT_INFINITIVE_UK: &[&str] = &[
    "звіти", "квіти", "діти", "світи", "маршрути", "атрибути", "інститути", "мати",
];

/// English words that also work as nouns ("test coverage went up"); they
/// only count as instructions in clauses without report-like cues.
#[rustfmt::skip]
const NOUNISH_EN: &[&str] = &[
    "test", "review", "update", "call", "release", "design", "record", "order", "plan", "run",
    "patch", "tag", "label", "profile", "file", "email", "export", "import", "print", "cut",
    "block", "post", "start", "stop", "check", "mock", "draft", "backup", "setup", "hotfix",
    "benchmark", "sync", "cover", "present", "hand", "change", "split", "measure", "track",
    "help", "sort", "ship", "push", "pull", "merge", "deploy", "rollback", "upgrade", "fix",
    "audit", "monitor", "watch", "cleanup", "talk", "go", "read", "freeze",
];

/// Words that, right after a clause's first word, show it is a subject
/// rather than a verb ("test failed", "release is out").
#[rustfmt::skip]
const STATEMENT_NEXT: &[&str] = &[
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "should",
    "might", "may", "must", "did", "does", "'s", "failed", "fails", "failing", "passed", "passes",
    "works", "worked", "moved", "went", "goes", "looks", "seems", "keeps", "broke", "crashed",
    "crashes", "got", "gets", "takes", "took", "returns", "returned", "shows", "showed", "needs",
    "isn't", "wasn't", "doesn't", "didn't", "won't", "can't", "of", "in", "and", "or", "with",
    "for", "from", "coverage", "results", "team", "meeting", "notes", "went", "by", "done",
    "finished", "merged", "deployed",
];

/// Ukrainian imperatives that the suffix rule in `builtin` does not catch
/// (singular forms).
#[rustfmt::skip]
const IMPERATIVES_UK: &[&str] = &[
    "зроби", "перевір", "глянь", "подивись", "подивися", "виправ", "пофікси", "онови", "обнови",
    "додай", "видали", "прибери", "напиши", "скинь", "відправ", "надішли", "підготуй", "задеплой",
    "залий", "викоти", "відкоти", "перенеси", "створи", "зміни", "поправ", "розберись",
    "розберися", "займись", "займися", "візьми", "запусти", "перезапусти", "замерджи", "змерджи",
    "протестуй", "переглянь", "затвердь", "погодь", "подзвони", "зателефонуй", "домовся",
    "запиши", "закрий", "відкрий", "вимкни", "увімкни", "почисти", "перепиши", "допиши", "оформи",
    "налаштуй", "підключи", "заблокуй", "розблокуй", "продовж", "відпиши", "відповідай", "дай",
    "покажи", "поясни", "опиши", "оціни", "склади", "збери", "знайди", "купи", "забронюй",
    "замов", "розглянь", "підтверди", "заведи", "заповни", "постав", "підніми", "перезавантаж",
    "вичисти", "дороби", "допили", "заміни", "винеси", "переконайся", "проконтролюй", "проведи",
    "організуй", "надрукуй", "відпрацюй", "сделай", "проверь", "посмотри", "оплатіть",
];

/// Question openers that ask for content ("why", "хто").
#[rustfmt::skip]
const WH_WORDS: &[&str] = &[
    "what", "what's", "whats", "when", "where", "where's", "why", "who", "who's", "whom", "whose",
    "how", "how's", "which", "що", "шо", "коли", "де", "куди", "звідки", "чому", "чого", "хто",
    "кого", "кому", "як", "який", "яка", "яке", "які", "якого", "якої", "скільки", "навіщо",
    "нащо", "котра", "котрий", "котрої",
];

/// Question openers that ask yes or no ("is it", "чи").
#[rustfmt::skip]
const YES_NO_WORDS: &[&str] = &[
    "is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "can", "could", "will",
    "would", "should", "shall", "may", "isn't", "aren't", "don't", "doesn't", "didn't", "any",
    "anyone", "anybody", "чи", "хіба", "невже", "може", "є", "можна",
];

/// Openers that make a clause a question even without '?'. "When" and
/// "коли" are left out: "when I click save nothing happens" is a statement.
#[rustfmt::skip]
const STRONG_QUESTION_WORDS: &[&str] = &[
    "what", "what's", "why", "who", "who's", "where", "where's", "how", "which", "does", "did",
    "чому", "навіщо", "нащо", "хто", "де", "скільки", "чи",
];

/// Group mentions that address nobody in particular.
#[rustfmt::skip]
pub(crate) const GROUP_HANDLES: &[&str] = &[
    "all", "here", "channel", "everyone", "everybody", "team", "group",
];

/// Words right before a mention that make it a courtesy copy, not an assignee.
#[rustfmt::skip]
pub(crate) const NOT_ASSIGNEE_BEFORE: &[&str] = &[
    "cc", "fyi", "thanks", "thx", "дякую", "as", "як", "from", "від",
];

fn set(lists: &[&[&'static str]]) -> HashSet<&'static str> {
    lists.iter().flat_map(|l| l.iter().copied()).collect()
}

/// Word sets for single-token lookups, built once.
pub(crate) struct WordSets {
    pub fillers: HashSet<&'static str>,
    pub imperatives_en: HashSet<&'static str>,
    pub nounish_en: HashSet<&'static str>,
    pub statement_next: HashSet<&'static str>,
    pub imperatives_uk: HashSet<&'static str>,
    pub wh: HashSet<&'static str>,
    pub yes_no: HashSet<&'static str>,
    pub strong_question: HashSet<&'static str>,
    pub object_starts: HashSet<&'static str>,
    pub not_infinitive_uk: HashSet<&'static str>,
}

/// The shared word sets.
pub(crate) static WORDS: LazyLock<WordSets> = LazyLock::new(|| WordSets {
    fillers: set(&[FILLERS]),
    imperatives_en: set(&[IMPERATIVES_EN]),
    nounish_en: set(&[NOUNISH_EN]),
    statement_next: set(&[STATEMENT_NEXT]),
    imperatives_uk: set(&[IMPERATIVES_UK]),
    wh: set(&[WH_WORDS]),
    yes_no: set(&[YES_NO_WORDS]),
    strong_question: set(&[STRONG_QUESTION_WORDS]),
    object_starts: set(&[OBJECT_STARTS]),
    not_infinitive_uk: set(&[NOT_INFINITIVE_UK]),
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::text::{normalize, tokenize};

    fn cues_of(text: &str) -> CueSet {
        let norm = normalize(text);
        let tokens = tokenize(&norm);
        let mut all = CueSet::default();
        for h in LEXICON.scan(&tokens) {
            all.union(h.cues);
        }
        all
    }

    #[test]
    fn lexicon_compiles() {
        assert!(LEXICON.automaton.is_some());
    }

    #[test]
    fn matches_words_phrases_and_stems() {
        assert!(cues_of("the app crashes on start").has(Cue::Bug));
        assert!(cues_of("@olena, can   you review?").has(Cue::Request));
        assert!(cues_of("Будь ласка, перевір").has(Cue::Polite));
        assert!(cues_of("помилки в логах").has(Cue::BugNoun));
        assert!(
            !cues_of("багато роботи").has(Cue::Bug),
            "stems only where marked"
        );
        assert!(!cues_of("please").has(Cue::Bug));
        assert!(cues_of("I’ll do it").has(Cue::Commit));
    }

    #[test]
    fn overlapping_hits_suppress() {
        let c = cues_of("not urgent");
        assert!(c.has(Cue::Low) && !c.has(Cue::Urgent));
        let c = cues_of("emails are not sent");
        assert!(c.has(Cue::Bug) && !c.has(Cue::Completion));
        let c = cues_of("I'll be late");
        assert!(!c.has(Cue::Commit));
        let c = cues_of("no need to do it");
        assert!(c.has(Cue::Negation) && !c.has(Cue::Oblig));
        let c = cues_of("the VPN will be down for maintenance");
        assert!(!c.has(Cue::Bug));
    }
}
