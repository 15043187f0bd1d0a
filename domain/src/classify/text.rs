//! Text normalisation helpers shared by the builtin classifier, the date
//! parser and the LLM provider client.
//!
//! Chat text is untrusted: it can carry invisible or BiDi control
//! characters that change how it is displayed (or how a model reads it)
//! without changing what a human sees. Everything here is allocation-light
//! and never panics.

/// Whether `c` is an invisible formatting character, a BiDi control or a
/// C0/C1 control other than newline and tab.
///
/// Zero-width joiners are included: dropping them only splits composite
/// emoji into their parts, which is harmless for classification.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'                        // soft hyphen
            | '\u{034F}'                  // combining grapheme joiner
            | '\u{061C}'                  // Arabic letter mark (BiDi)
            | '\u{115F}' | '\u{1160}'     // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'     // Khmer invisible vowels
            | '\u{180E}'                  // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'     // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}'     // BiDi embeddings and overrides
            | '\u{2060}'..='\u{2064}'     // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}'     // BiDi isolates
            | '\u{206A}'..='\u{206F}'     // deprecated format characters
            | '\u{3164}'                  // Hangul filler
            | '\u{FEFF}'                  // BOM / zero-width no-break space
            | '\u{FFA0}'                  // half-width Hangul filler
            | '\u{FFF9}'..='\u{FFFB}'     // interlinear annotation
            | '\u{E0000}'..='\u{E007F}' // tag characters
    ) || (c.is_control() && c != '\n' && c != '\t')
}

/// Removes invisible and BiDi control characters (see
/// [`is_invisible_control`]), keeping newlines and tabs.
pub fn strip_controls(s: &str) -> String {
    s.chars().filter(|&c| !is_invisible_control(c)).collect()
}

/// Maps typographic apostrophe look-alikes (’ ‘ ʼ ʹ ` ′ ＇) to ASCII `'`.
///
/// Ukrainian text uses the apostrophe inside words ("п’ятниця"), and
/// keyboards produce any of these.
pub fn normalize_apostrophe(c: char) -> char {
    match c {
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02B9}' | '`' | '\u{2032}' | '\u{FF07}' => '\'',
        other => other,
    }
}

/// [`normalize_apostrophe`] applied to a whole string.
pub fn normalize_apostrophes(s: &str) -> String {
    s.chars().map(normalize_apostrophe).collect()
}

/// Lowercases `s` while keeping every byte offset valid for the input.
///
/// The rare characters whose lowercase form has a different UTF-8 length
/// (e.g. 'İ') are kept as they are, so spans found in the lowercase copy
/// can be cut out of the original text.
pub fn lowercase_aligned(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) if l.len_utf8() == c.len_utf8() => out.push(l),
            _ => out.push(c),
        }
    }
    out
}

/// Strips controls and normalises apostrophes, keeping the case.
/// This is the text titles are cut from.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| !is_invisible_control(c))
        .map(normalize_apostrophe)
        .collect()
}

/// [`clean`] followed by [`lowercase_aligned`]: the form matched against
/// keyword lists.
pub fn normalize(s: &str) -> String {
    lowercase_aligned(&clean(s))
}

/// What a [`Token`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters (possibly with digits, inner apostrophes, hyphens or dots).
    Word,
    /// Starts with a digit: "500", "15.12", "2026-12-15", "15th", "10:30".
    Number,
    /// An `@handle` (ASCII letters, digits, underscores).
    Mention,
}

/// One token of a normalised text, as a byte range into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token text (a slice of the tokenised string).
    pub text: &'a str,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
    /// What the token holds.
    pub kind: TokenKind,
}

/// Whether `c` can make up a word: letters, digits and underscore.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `c` may join two word characters into one token, given what
/// precedes and follows it. Keeps "п'ятниця", "to-do", "15.12",
/// "api.acme.io", "12/15" and "10:30" whole.
fn joins(c: char, prev: char, next: char) -> bool {
    match c {
        '\'' => prev.is_alphabetic() && next.is_alphabetic(),
        '-' | '.' => is_word_char(prev) && is_word_char(next),
        '/' | ':' => prev.is_ascii_digit() && next.is_ascii_digit(),
        _ => false,
    }
}

/// Splits normalised text into words, numbers and `@mentions`.
///
/// Everything else (spaces, punctuation, emoji) separates tokens; callers
/// that care about punctuation look at the gaps between tokens.
pub fn tokenize(s: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::with_capacity(s.len() / 5 + 1);
    let mut chars = s.char_indices().peekable();
    let mut prev_char = ' ';
    while let Some((start, c)) = chars.next() {
        let is_mention = c == '@'
            && !is_word_char(prev_char)
            && chars
                .peek()
                .is_some_and(|&(_, n)| n.is_ascii_alphanumeric() || n == '_');
        if !is_mention && !is_word_char(c) {
            prev_char = c;
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut last = c;
        while let Some(&(i, n)) = chars.peek() {
            let keep = if is_mention {
                n.is_ascii_alphanumeric() || n == '_'
            } else if is_word_char(n) {
                true
            } else {
                let after = s[i + n.len_utf8()..].chars().next().unwrap_or(' ');
                joins(n, last, after)
            };
            if !keep {
                break;
            }
            end = i + n.len_utf8();
            last = n;
            chars.next();
        }
        let kind = if is_mention {
            TokenKind::Mention
        } else if c.is_ascii_digit() {
            TokenKind::Number
        } else {
            TokenKind::Word
        };
        tokens.push(Token {
            text: &s[start..end],
            start,
            end,
            kind,
        });
        prev_char = last;
    }
    tokens
}

/// Whether `name` (without '@') looks like a Telegram username.
///
/// Telegram requires 5..=32 characters of `[A-Za-z0-9_]` starting with a
/// letter; we accept 3+ to be lenient with older and test accounts.
pub fn is_valid_handle(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Extracts `@handles` from raw text: without the '@', lowercased
/// (Telegram usernames are case-insensitive), deduplicated, in order of
/// appearance. Email addresses are not handles.
pub fn handles(s: &str) -> Vec<String> {
    let norm = normalize(s);
    let mut out: Vec<String> = Vec::new();
    for t in tokenize(&norm) {
        if t.kind != TokenKind::Mention {
            continue;
        }
        let name = &t.text[1..];
        if is_valid_handle(name) && !out.iter().any(|h| h == name) {
            out.push(name.to_ascii_lowercase());
        }
    }
    out
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn truncate_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn strips_invisible_and_bidi_controls() {
        let s = "a\u{200B}b\u{202E}c\u{2066}d\u{FEFF}e\u{00AD}f\u{200F}g\u{7}h\ni";
        assert_eq!(strip_controls(s), "abcdefgh\ni");
        assert_eq!(strip_controls(""), "");
        assert_eq!(strip_controls("привіт 👍"), "привіт 👍");
    }

    #[test]
    fn normalises_apostrophes_and_case() {
        assert_eq!(normalize("П’ятниця ʼ ` ′"), "п'ятниця ' ' '");
        assert_eq!(normalize("I’LL Do It"), "i'll do it");
        // Offsets survive lowercasing even for odd characters.
        let s = "İstanbul ÄÖ";
        assert_eq!(lowercase_aligned(s).len(), s.len());
    }

    #[test]
    fn tokenizes_words_numbers_and_mentions() {
        assert_eq!(
            texts("@olena, can you fix it by 15.12? (to-do) п'ятниця!"),
            [
                "@olena",
                "can",
                "you",
                "fix",
                "it",
                "by",
                "15.12",
                "to-do",
                "п'ятниця"
            ]
        );
        assert_eq!(
            texts("mail olena@example.com now"),
            ["mail", "olena", "example.com", "now"]
        );
        assert_eq!(
            texts("12/15 10:30 2026-12-15 31-го"),
            ["12/15", "10:30", "2026-12-15", "31-го"]
        );
        assert_eq!(texts("end. next"), ["end", "next"]);
        assert_eq!(texts("'quoted' don't"), ["quoted", "don't"]);
        assert!(texts("👍🎉 ... !!!").is_empty());
        let t = tokenize("500 @dev_1 ok");
        assert_eq!(t[0].kind, TokenKind::Number);
        assert_eq!(t[1].kind, TokenKind::Mention);
        assert_eq!(t[2].kind, TokenKind::Word);
    }

    #[test]
    fn extracts_handles() {
        assert_eq!(
            handles("@olena please review, cc @Petro_K and @olena"),
            ["olena", "petro_k"]
        );
        assert_eq!(handles("write to olena@example.com"), Vec::<String>::new());
        assert_eq!(
            handles("@ab too short, @1abc starts with digit"),
            Vec::<String>::new()
        );
        assert_eq!(handles("@oleh_\u{200B}bot"), ["oleh_bot"]);
    }

    #[test]
    fn truncates_on_char_boundary() {
        assert_eq!(truncate_at_char_boundary("привіт", 3), "п");
        assert_eq!(truncate_at_char_boundary("abc", 10), "abc");
    }
}
