//! Reading the model's answer: lenient JSON parsing, then local validation
//! and clamping of every field.
//!
//! The model can set nothing but the result fields. Anything else in its
//! answer (`classifier`, `actionable`, extra keys) is ignored; `actionable`
//! is recomputed from the kind and `classifier` is set by the caller.

use chrono::{Days, Months, NaiveDate};
use serde_json::{Map, Value};

use super::redact::Redacted;
use crate::classify::{Classification, Kind, Priority, text};

/// Titles are cut to this many characters, ellipsis included.
pub const MAX_TITLE_CHARS: usize = 80;

/// At most this many assignees are kept.
const MAX_ASSIGNEES: usize = 10;

/// Parses the message content into a JSON object: as it is, then inside a
/// Markdown code fence, then the first balanced `{…}` that parses.
pub fn parse_content(content: &str) -> Result<Map<String, Value>, String> {
    let trimmed = content.trim();
    if let Ok(Value::Object(map)) = serde_json::from_str(trimmed) {
        return Ok(map);
    }
    if let Some(inner) = fenced(trimmed)
        && let Ok(Value::Object(map)) = serde_json::from_str(inner.trim())
    {
        return Ok(map);
    }
    let mut from = 0;
    while let Some(offset) = trimmed[from..].find('{') {
        let start = from + offset;
        if let Some(end) = balanced_end(&trimmed[start..])
            && let Ok(Value::Object(map)) = serde_json::from_str(&trimmed[start..start + end])
        {
            return Ok(map);
        }
        from = start + 1;
    }
    Err("the answer holds no JSON object".to_owned())
}

/// The text inside the first Markdown code fence (```json … ```).
fn fenced(s: &str) -> Option<&str> {
    let open = s.find("```")?;
    let after = &s[open + 3..];
    // Skip the info string ("json") up to the end of the line.
    let body_start = after.find('\n').map_or(0, |i| i + 1);
    let body = &after[body_start..];
    let close = body.find("```")?;
    Some(&body[..close])
}

/// The length of the balanced `{…}` at the start of `s`, minding strings.
fn balanced_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// What validation needs besides the answer.
#[derive(Debug)]
pub struct Context<'a> {
    /// The original message text (before redaction).
    pub original_text: &'a str,
    /// The message's own local date.
    pub local_date: NaiveDate,
    /// The placeholders used in the request.
    pub redacted: &'a Redacted,
    /// The builtin classifier's title, used when the model gives none.
    pub fallback_title: &'a str,
}

/// Checks and clamps an answer. An unknown kind or priority rejects the
/// whole answer; other fields are repaired or dropped.
pub fn validate(
    answer: &Map<String, Value>,
    ctx: &Context<'_>,
    classifier: &str,
) -> Result<Classification, String> {
    let kind = match answer.get("kind") {
        Some(Value::String(s)) => s
            .parse::<Kind>()
            .map_err(|_| "the answer has an unknown kind".to_owned())?,
        _ => return Err("the answer has no kind".to_owned()),
    };
    let priority = match answer.get("priority") {
        None | Some(Value::Null) => Priority::Normal,
        Some(Value::String(s)) => s
            .parse::<Priority>()
            .map_err(|_| "the answer has an unknown priority".to_owned())?,
        Some(_) => return Err("the answer's priority is not a string".to_owned()),
    };
    let title = answer
        .get("title")
        .and_then(Value::as_str)
        .map(|t| clean_title(&ctx.redacted.restore(t)))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| clean_title(ctx.fallback_title));
    let due = answer
        .get("due")
        .and_then(Value::as_str)
        .and_then(|s| parse_due(s, ctx.local_date));
    let assignees = answer
        .get("assignees")
        .and_then(Value::as_array)
        .map(|a| assignees(a, ctx))
        .unwrap_or_default();
    let confidence = answer
        .get("confidence")
        .and_then(Value::as_f64)
        .map_or(0.5, |c| c.clamp(0.0, 1.0)) as f32;

    let actionable = kind.is_actionable();
    Ok(Classification {
        kind,
        actionable,
        title,
        // Priority, due date and assignees describe work: like the builtin
        // classifier, leave them empty for kinds that are not actionable.
        priority: if actionable {
            priority
        } else {
            Priority::Normal
        },
        due: due.filter(|_| actionable),
        assignees: if actionable { assignees } else { Vec::new() },
        confidence,
        classifier: classifier.to_owned(),
    })
}

/// One line, controls stripped, whitespace collapsed, at most
/// [`MAX_TITLE_CHARS`] characters.
pub fn clean_title(raw: &str) -> String {
    let stripped = text::strip_controls(raw);
    let collapsed = stripped.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= MAX_TITLE_CHARS {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(MAX_TITLE_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// A due date as `YYYY-MM-DD` (a time after it is ignored), kept only
/// within one day before and two years after the message's local date.
pub fn parse_due(s: &str, local_date: NaiveDate) -> Option<NaiveDate> {
    let date_part = s.trim().get(..10)?;
    let date = NaiveDate::parse_from_str(date_part, "%Y-%m-%d").ok()?;
    let earliest = local_date.checked_sub_days(Days::new(1))?;
    let latest = local_date.checked_add_months(Months::new(24))?;
    (earliest..=latest).contains(&date).then_some(date)
}

/// Assignees the text really mentions: placeholders are mapped back, then
/// only `@handles` present in the original text are kept (without '@',
/// lowercase, deduplicated).
fn assignees(raw: &[Value], ctx: &Context<'_>) -> Vec<String> {
    let present = text::handles(ctx.original_text);
    let mut out: Vec<String> = Vec::new();
    for v in raw {
        let Some(s) = v.as_str() else { continue };
        let s = ctx.redacted.original_of(s).unwrap_or(s);
        let name = s.trim().trim_start_matches('@').to_ascii_lowercase();
        if present.contains(&name) && !out.contains(&name) {
            out.push(name);
        }
        if out.len() == MAX_ASSIGNEES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::openai::redact;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn lenient_parsing() {
        assert!(parse_content(r#"{"kind":"task"}"#).is_ok());
        assert!(parse_content("Sure!\n```json\n{\"kind\": \"bug\"}\n```\nDone.").is_ok());
        let m = parse_content(r#"Here: {"kind": "info", "title": "a } in {text}"} and {"x":1}"#)
            .unwrap();
        assert_eq!(m["title"], "a } in {text}");
        assert!(parse_content("{ not json").is_err());
        assert!(parse_content("[1, 2]").is_err());
    }

    #[test]
    fn validation_clamps_and_drops() {
        let text = "@olena please fix the export, cc olena@example.com";
        let red = redact::redact(text);
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let ctx = Context {
            original_text: text,
            local_date: today,
            redacted: &red,
            fallback_title: "Fix the export",
        };
        let c = validate(
            &obj(json!({
                "kind": "TASK", "title": "  Fix\u{202E} export for [EMAIL_1]\n ",
                "priority": "high", "due": "2026-12-04",
                "assignees": ["[HANDLE_1]", "@mallory", "HANDLE_1"],
                "confidence": 7, "classifier": "evil", "actionable": false
            })),
            &ctx,
            "prov",
        )
        .unwrap();
        assert_eq!(c.kind, Kind::Task);
        assert!(c.actionable);
        assert_eq!(c.title, "Fix export for olena@example.com");
        assert_eq!(c.priority, Priority::High);
        assert_eq!(c.due, NaiveDate::from_ymd_opt(2026, 12, 4));
        assert_eq!(c.assignees, ["olena"]);
        assert_eq!(c.confidence, 1.0);
        assert_eq!(c.classifier, "prov");

        let c = validate(
            &obj(json!({"kind": "bug", "title": "", "due": "2031-01-01", "confidence": -3})),
            &ctx,
            "prov",
        )
        .unwrap();
        assert_eq!(c.title, "Fix the export");
        assert_eq!(c.due, None, "beyond two years");
        assert_eq!(c.confidence, 0.0);

        assert!(validate(&obj(json!({"kind": "urgent-task"})), &ctx, "p").is_err());
        assert!(validate(&obj(json!({"title": "x"})), &ctx, "p").is_err());
        assert!(
            validate(
                &obj(json!({"kind": "task", "priority": "extreme"})),
                &ctx,
                "p"
            )
            .is_err()
        );
    }

    #[test]
    fn due_window() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(
            parse_due("2026-12-01", d),
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        assert_eq!(parse_due("2026-11-30", d), None);
        assert_eq!(
            parse_due("2028-12-02", d),
            NaiveDate::from_ymd_opt(2028, 12, 2)
        );
        assert_eq!(parse_due("2028-12-03", d), None);
        assert_eq!(
            parse_due("2026-12-05T10:00:00Z", d),
            NaiveDate::from_ymd_opt(2026, 12, 5)
        );
        assert_eq!(parse_due("Friday", d), None);
    }

    #[test]
    fn titles_are_short_single_lines() {
        let long = "word ".repeat(40);
        let t = clean_title(&long);
        assert_eq!(t.chars().count(), MAX_TITLE_CHARS);
        assert!(t.ends_with('…'));
        assert_eq!(clean_title("a\n\tb\u{200B}c"), "a bc");
    }
}
