//! Builds a short title from one clause of a message.

use super::text::Token;

/// Titles are cut to this many characters (including the ellipsis).
const MAX_TITLE_CHARS: usize = 80;

/// Long clauses are cut before rebuilding; a title never needs more.
const MAX_TITLE_TOKENS: usize = 40;

/// Characters trimmed from both ends of a title.
const EDGE_PUNCTUATION: &[char] = &[
    ',', '.', ';', ':', '!', '?', '-', '—', '–', '…', '(', '[', '/', '\\', '|', '*', '~', '>', '<',
    '=', '+', '&', '#',
];

/// Joins the kept tokens of `clean[range]` (token indices; `drop` marks the
/// ones to leave out), keeping original punctuation between neighbours,
/// then trims, capitalises and shortens. Falls back to the clause text if
/// everything was dropped ("Thanks!").
pub(crate) fn build(
    clean: &str,
    tokens: &[Token<'_>],
    drop: &[bool],
    range: (usize, usize),
) -> String {
    let (first, end) = range;
    let end = end.min(tokens.len()).min(first + MAX_TITLE_TOKENS);
    let mut out = String::new();
    let mut prev: Option<usize> = None;
    for i in first..end {
        if drop.get(i).copied().unwrap_or(false) {
            continue;
        }
        let Some(t) = tokens.get(i) else { break };
        if let Some(p) = prev {
            if p + 1 == i {
                push_gap(&mut out, clean.get(tokens[p].end..t.start).unwrap_or(" "));
            } else {
                out.push(' ');
            }
        }
        out.push_str(clean.get(t.start..t.end).unwrap_or(""));
        prev = Some(i);
    }
    let mut title = finish(&out);
    if title.is_empty() && first < end {
        let start = tokens[first].start;
        let stop = tokens[end - 1].end;
        title = finish(clean.get(start..stop).unwrap_or(""));
    }
    if title.is_empty() {
        title = finish(clean);
    }
    title
}

/// Keeps plain punctuation from a gap, drops emoji and other symbols.
fn push_gap(out: &mut String, gap: &str) {
    let kept: String = gap
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| {
            c.is_ascii_punctuation() || *c == ' ' || matches!(c, '—' | '–' | '«' | '»' | '…')
        })
        .collect();
    if kept.trim().is_empty() {
        out.push(' ');
    } else {
        out.push_str(&kept);
    }
}

/// Collapses whitespace, trims punctuation, capitalises, shortens.
fn finish(raw: &str) -> String {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed =
        collapsed.trim_matches(|c: char| EDGE_PUNCTUATION.contains(&c) || c.is_whitespace());
    let trimmed = balance_quotes(trimmed);
    let trimmed = trimmed.as_str();
    shorten(&capitalise(trimmed))
}

/// Drops double quotes when cutting left one of a pair behind.
fn balance_quotes(s: &str) -> String {
    if s.matches('"').count() % 2 == 1 {
        s.replace('"', "").trim().to_owned()
    } else {
        s.to_owned()
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Cuts to [`MAX_TITLE_CHARS`] on a word boundary, adding "…".
fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_TITLE_CHARS {
        return s.to_owned();
    }
    let head: String = s.chars().take(MAX_TITLE_CHARS - 1).collect();
    let cut = match head.rfind(' ') {
        Some(i) if i > MAX_TITLE_CHARS / 2 => &head[..i],
        _ => head.as_str(),
    };
    let cut = cut.trim_end_matches(|c: char| EDGE_PUNCTUATION.contains(&c) || c.is_whitespace());
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_on_word_boundary() {
        let long = "word ".repeat(40);
        let t = shorten(long.trim());
        assert!(t.chars().count() <= MAX_TITLE_CHARS);
        assert!(t.ends_with("word…"));
        let one = "x".repeat(200);
        assert_eq!(shorten(&one).chars().count(), MAX_TITLE_CHARS);
    }

    #[test]
    fn finishes_titles() {
        assert_eq!(finish("  fix the login,  "), "Fix the login");
        assert_eq!(finish("перевір макети!!!"), "Перевір макети");
        assert_eq!(finish("\"quoted thing"), "Quoted thing");
        assert_eq!(finish("went wrong\" error"), "Went wrong error");
        assert_eq!(finish(""), "");
    }
}
