//! PII redaction before chat text leaves the machine.
//!
//! Emails, phone numbers, card numbers (Luhn-checked), IBANs (mod-97
//! checked), IPv4 and IPv6 addresses and `@handles` are replaced by
//! placeholders such as `[EMAIL_1]` or `[HANDLE_2]`. The same value gets
//! the same placeholder within one message. [`Redacted::restore`] maps the
//! placeholders in the model's answer back to the original values.
//!
//! Detection errs on the side of redacting: a long digit run that might be
//! a phone number is hidden even if it is an order number. Dates such as
//! `2026-12-15` and `15.12.2026` are left alone, since the model needs them
//! for due dates.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PiiKind {
    /// `name@example.com`.
    Email,
    /// A card number that passes the Luhn check.
    Card,
    /// An IBAN that passes the mod-97 check.
    Iban,
    /// An IPv4 or IPv6 address.
    Ip,
    /// A phone number (7 to 15 digits).
    Phone,
    /// A Telegram `@username`.
    Handle,
}

impl PiiKind {
    /// The placeholder's label: `[EMAIL_1]`.
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::Email => "EMAIL",
            PiiKind::Card => "CARD",
            PiiKind::Iban => "IBAN",
            PiiKind::Ip => "IP",
            PiiKind::Phone => "PHONE",
            PiiKind::Handle => "HANDLE",
        }
    }
}

/// One replaced value.
#[derive(Clone, PartialEq, Eq)]
pub struct Replacement {
    /// What it was.
    pub kind: PiiKind,
    /// The placeholder, e.g. `[EMAIL_1]`.
    pub placeholder: String,
    /// The original text.
    pub original: String,
}

impl std::fmt::Debug for Replacement {
    // The original is personal data: keep it out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replacement")
            .field("kind", &self.kind)
            .field("placeholder", &self.placeholder)
            .finish_non_exhaustive()
    }
}

/// Redacted text and the map back to the originals.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redacted {
    /// The text with placeholders.
    pub text: String,
    /// Every placeholder, in order of first appearance.
    pub replacements: Vec<Replacement>,
}

impl Redacted {
    /// The text unchanged, with no placeholders (redaction turned off).
    pub fn none(text: &str) -> Self {
        Redacted {
            text: text.to_owned(),
            replacements: Vec::new(),
        }
    }

    /// Replaces every placeholder in `s` by its original value.
    pub fn restore(&self, s: &str) -> String {
        if self.replacements.is_empty() || !s.contains('[') {
            return s.to_owned();
        }
        let mut out = s.to_owned();
        // Longest placeholders first, so `[EMAIL_1]` never eats into `[EMAIL_10]`
        // (the closing bracket already prevents it; this is belt and braces).
        let mut reps: Vec<&Replacement> = self.replacements.iter().collect();
        reps.sort_by_key(|r| std::cmp::Reverse(r.placeholder.len()));
        for r in reps {
            out = out.replace(&r.placeholder, &r.original);
        }
        out
    }

    /// The original of a placeholder, accepting `[HANDLE_1]`, `HANDLE_1`
    /// and `@[HANDLE_1]` as the model may write it.
    pub fn original_of(&self, s: &str) -> Option<&str> {
        let bare = s
            .trim()
            .trim_start_matches('@')
            .trim_start_matches('[')
            .trim_end_matches(']');
        self.replacements
            .iter()
            .find(|r| r.placeholder[1..r.placeholder.len() - 1].eq_ignore_ascii_case(bare))
            .map(|r| r.original.as_str())
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}",
    )
});
static IBAN: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b[A-Za-z]{2}[0-9]{2}(?:[ ]?[A-Za-z0-9]){11,30}\b"));
static CARD: LazyLock<Regex> = LazyLock::new(|| re(r"\b[0-9](?:[ \-]?[0-9]){12,18}\b"));
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:[0-9A-Fa-f]{1,4})?(?::(?:[0-9A-Fa-f]{1,4})?){2,7}(?:(?::|\b)[0-9]{1,3}(?:\.[0-9]{1,3}){3})?",
    )
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| re(r"\b[0-9]{1,3}(?:\.[0-9]{1,3}){3}\b"));
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\+?\(?[0-9]{1,4}\)?(?:[ .\-]?\(?[0-9]{1,4}\)?){2,7}"));
static HANDLE: LazyLock<Regex> = LazyLock::new(|| re(r"@[A-Za-z][A-Za-z0-9_]{2,31}"));
/// A date at the start of a phone candidate: `2026-12-15`, `15.12.2026`, `15.12`.
static DATE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:[0-9]{4}[\-./][0-9]{1,2}[\-./][0-9]{1,2}|[0-9]{1,2}[./][0-9]{1,2}(?:[./][0-9]{2,4})?)")
});

/// Compiles a pattern that is a constant of this module.
fn re(pattern: &str) -> Regex {
    // The patterns are constants covered by the tests below: failing here is
    // a programming error found on first use, not a run-time condition.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("redaction patterns are valid")
}

/// Replaces personal data in `text` by placeholders.
pub fn redact(text: &str) -> Redacted {
    let mut spans: Vec<(usize, usize, PiiKind)> = Vec::new();
    let free = |spans: &[(usize, usize, PiiKind)], s: usize, e: usize| {
        spans.iter().all(|&(a, b, _)| e <= a || s >= b)
    };
    let add = |spans: &mut Vec<(usize, usize, PiiKind)>, s: usize, e: usize, k: PiiKind| {
        if free(spans, s, e) {
            spans.push((s, e, k));
        }
    };

    for m in EMAIL.find_iter(text) {
        add(&mut spans, m.start(), m.end(), PiiKind::Email);
    }
    for m in IBAN.find_iter(text) {
        // The pattern may run on into following words ("… 566001 today"):
        // drop trailing space-separated parts until the check passes.
        let mut candidate = m.as_str();
        loop {
            if iban_valid(candidate) {
                add(
                    &mut spans,
                    m.start(),
                    m.start() + candidate.len(),
                    PiiKind::Iban,
                );
                break;
            }
            match candidate.rfind(' ') {
                Some(i) => candidate = &candidate[..i],
                None => break,
            }
        }
    }
    for m in CARD.find_iter(text) {
        if luhn_valid(m.as_str()) {
            add(&mut spans, m.start(), m.end(), PiiKind::Card);
        }
    }
    for m in IPV6.find_iter(text) {
        let s = m.as_str();
        // Not part of a longer word or path: "std::vec", "Foo::bar".
        let glued =
            |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        if glued(text[..m.start()].chars().next_back()) || glued(text[m.end()..].chars().next()) {
            continue;
        }
        if s.matches(':').count() >= 2
            && s.bytes().any(|b| b.is_ascii_hexdigit())
            && s.parse::<Ipv6Addr>().is_ok()
        {
            add(&mut spans, m.start(), m.end(), PiiKind::Ip);
        }
    }
    for m in IPV4.find_iter(text) {
        if m.as_str().parse::<Ipv4Addr>().is_ok() {
            add(&mut spans, m.start(), m.end(), PiiKind::Ip);
        }
    }
    let mut at = 0;
    while let Some(m) = PHONE.find_at(text, at) {
        let (mut s, e) = (m.start(), m.end());
        // A date in front ("2026-12-15 0671234567") is not part of the number.
        if let Some(d) = DATE_PREFIX.find(&text[s..e]) {
            let rest = &text[s + d.end()..e];
            if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                at = s + d.end();
                if at >= text.len() {
                    break;
                }
                continue;
            }
        }
        // Keep the match from starting mid-number ("x12345..." inside a word).
        let prev = text[..s].chars().next_back();
        if prev.is_some_and(|c| c.is_alphanumeric()) {
            at = e;
            continue;
        }
        // Trim a dangling separator or parenthesis on the left.
        while text[s..e].starts_with([' ', '.', '-']) {
            s += 1;
        }
        if phone_like(&text[s..e]) {
            add(&mut spans, s, e, PiiKind::Phone);
        }
        at = e;
    }
    for m in HANDLE.find_iter(text) {
        let prev = text[..m.start()].chars().next_back();
        if prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        add(&mut spans, m.start(), m.end(), PiiKind::Handle);
    }

    spans.sort_by_key(|&(s, _, _)| s);
    let mut out = Redacted {
        text: String::with_capacity(text.len()),
        replacements: Vec::new(),
    };
    let mut counters = [0usize; 6];
    let mut last = 0;
    for (s, e, kind) in spans {
        out.text.push_str(&text[last..s]);
        let original = &text[s..e];
        // Handles are case-insensitive; everything else is compared as written.
        let same = |r: &&Replacement| {
            r.kind == kind
                && if kind == PiiKind::Handle {
                    r.original.eq_ignore_ascii_case(original)
                } else {
                    r.original == original
                }
        };
        let placeholder = match out.replacements.iter().find(same) {
            Some(r) => r.placeholder.clone(),
            None => {
                let n = &mut counters[kind as usize];
                *n += 1;
                let placeholder = format!("[{}_{}]", kind.label(), n);
                out.replacements.push(Replacement {
                    kind,
                    placeholder: placeholder.clone(),
                    original: original.to_owned(),
                });
                placeholder
            }
        };
        out.text.push_str(&placeholder);
        last = e;
    }
    out.text.push_str(&text[last..]);
    out
}

/// Whether a phone candidate has 7 to 15 digits (E.164), and at least 9
/// unless it starts with `+` (so short numbers like "500" or "2026" stay).
fn phone_like(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let min = if s.starts_with('+') { 7 } else { 9 };
    (min..=15).contains(&digits)
}

/// The Luhn check for card numbers of 13 to 19 digits (spaces and dashes
/// allowed between digits).
pub fn luhn_valid(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) || s.chars().any(|c| !matches!(c, '0'..='9' | ' ' | '-'))
    {
        return false;
    }
    if digits.iter().all(|&d| d == 0) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The IBAN check (ISO 13616): 15 to 34 characters, country letters, check
/// digits, and the whole number mod 97 equal to 1. Spaces are allowed.
pub fn iban_valid(s: &str) -> bool {
    let compact: Vec<u8> = s
        .bytes()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if !(15..=34).contains(&compact.len())
        || !compact[..2].iter().all(u8::is_ascii_uppercase)
        || !compact[2..4].iter().all(u8::is_ascii_digit)
        || !compact.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        let v = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(PiiKind, String)> {
        redact(text)
            .replacements
            .into_iter()
            .map(|r| (r.kind, r.original))
            .collect()
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111 1111 1111 1111"));
        assert!(luhn_valid("5500-0000-0000-0004"));
        assert!(luhn_valid("378282246310005")); // Amex, 15 digits
        assert!(!luhn_valid("4111 1111 1111 1112"));
        assert!(!luhn_valid("1234"));
        assert!(!luhn_valid("0000 0000 0000 0000"));
    }

    #[test]
    fn iban() {
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(iban_valid("DE89370400440532013000"));
        assert!(iban_valid("UA213223130000026007233566001"));
        assert!(iban_valid("gb82west12345698765432"));
        assert!(!iban_valid("GB82 WEST 1234 5698 7654 33"));
        assert!(!iban_valid("GB82"));
    }

    #[test]
    fn cards_need_luhn() {
        let r = redact("pay with 4111 1111 1111 1111 or 4111 1111 1111 1112");
        assert_eq!(r.replacements.len(), 1);
        assert_eq!(r.replacements[0].kind, PiiKind::Card);
        assert!(r.text.starts_with("pay with [CARD_1] or "));
        // The failing number is still a long digit run: redacted as a phone-like number
        // would be wrong (16 digits > 15), so it stays.
        assert!(r.text.ends_with("4111 1111 1111 1112"));
    }

    #[test]
    fn ibans_need_mod97() {
        assert_eq!(
            kinds("send to UA213223130000026007233566001 today"),
            [(PiiKind::Iban, "UA213223130000026007233566001".into())]
        );
        assert!(
            !kinds("code UA213223130000026007233566002")
                .iter()
                .any(|(k, _)| *k == PiiKind::Iban)
        );
    }

    #[test]
    fn ip_addresses() {
        assert_eq!(
            kinds("ssh to 10.0.0.15 and 2001:db8::8a2e:370:7334, not 999.1.1.1"),
            [
                (PiiKind::Ip, "10.0.0.15".into()),
                (PiiKind::Ip, "2001:db8::8a2e:370:7334".into())
            ]
        );
        assert_eq!(kinds("::1 is loopback"), [(PiiKind::Ip, "::1".into())]);
        // Code paths are not addresses.
        assert!(kinds("use std::vec and Foo::bar, or a :: b").is_empty());
        assert_eq!(kinds("fe80::1%eth0"), [(PiiKind::Ip, "fe80::1".into())]);
        // Times and versions with two parts are not addresses.
        assert!(kinds("standup at 10:30, release 1.2").is_empty());
        assert!(kinds("at 10:30:00 sharp").is_empty());
    }

    #[test]
    fn phones() {
        assert_eq!(
            kinds("call +380 67 123 45 67 or (555) 123-4567"),
            [
                (PiiKind::Phone, "+380 67 123 45 67".into()),
                (PiiKind::Phone, "(555) 123-4567".into())
            ]
        );
        assert_eq!(
            kinds("мій номер 0671234567"),
            [(PiiKind::Phone, "0671234567".into())]
        );
        // Dates, times, short numbers and error codes stay for the model.
        assert!(kinds("due 2026-12-15 10:30, HTTP 500, ticket 4521").is_empty());
        assert!(kinds("до 15.12.2026 будь ласка").is_empty());
        assert_eq!(
            kinds("2026-12-15 0671234567"),
            [(PiiKind::Phone, "0671234567".into())]
        );
    }

    #[test]
    fn emails_and_handles() {
        let r = redact("@olena mail olena@example.com, cc @Petro_K and @OLENA");
        assert_eq!(
            r.text,
            "[HANDLE_1] mail [EMAIL_1], cc [HANDLE_2] and [HANDLE_1]"
        );
        assert_eq!(r.original_of("@[HANDLE_2]"), Some("@Petro_K"));
        assert_eq!(r.original_of("HANDLE_1"), Some("@olena"));
        assert_eq!(r.original_of("[HANDLE_9]"), None);
        assert_eq!(
            r.restore("Write to [EMAIL_1] for [HANDLE_2]"),
            "Write to olena@example.com for @Petro_K"
        );
    }

    #[test]
    fn no_pii_means_no_change() {
        let text = "please fix the login page by Friday, error 500 at 10:30";
        let r = redact(text);
        assert_eq!(r.text, text);
        assert!(r.replacements.is_empty());
        for text in [
            "deploy build 2026.12.04 tonight, ETA 2026-12-15T10:00:00Z",
            "PR #12345 and JIRA-12345, price 1 000 000 UAH",
            "version 10.2.3 released, v1.2.3.4; meeting 14:00-15:30",
            "commit a1b2c3d4e5f6, uuid 123e4567-e89b-12d3-a456-426614174000",
            "bug #4521 on line 12, port 5432, pid 123456",
        ] {
            assert_eq!(redact(text).text, text);
        }
        assert_eq!(r.restore("[EMAIL_1]"), "[EMAIL_1]");
    }

    #[test]
    fn debug_hides_originals() {
        let r = redact("mail olena@example.com");
        assert!(!format!("{r:?}").contains("olena@"));
    }
}
