//! `tasktracker classify`: classifies messages read from standard input, one
//! per line, and writes one JSON line per message, in order.
//!
//! A line is plain text, or a JSON object `{"text": "...", "sent_at":
//! "RFC3339"}`. A line that cannot be read gets an error on standard error and
//! an error JSON line in its place, and the rest continue.

use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};
use domain::classify::MessageInput;
use domain::classify::builtin::Builtin;

/// The classifier that needs no network and no configuration.
pub const BUILTIN: &str = "builtin";

/// Options of the subcommand.
#[derive(Debug, Clone)]
pub struct Options {
    /// The time of messages that do not carry `sent_at`.
    pub now: DateTime<Utc>,
    /// The chat's time zone for due dates.
    pub tz: chrono_tz::Tz,
}

#[derive(Debug, serde::Deserialize)]
struct JsonLine {
    text: String,
    #[serde(default)]
    sent_at: Option<DateTime<Utc>>,
}

/// Parses one input line into its text and time.
fn parse_line(line: &str, now: DateTime<Utc>) -> Result<(String, DateTime<Utc>), String> {
    let trimmed = line.trim_end_matches(['\r', '\n']);
    if trimmed.trim_start().starts_with('{') {
        let parsed: JsonLine = serde_json::from_str(trimmed).map_err(|e| {
            format!("not a valid JSON message ({e}); expected {{\"text\": \"...\", \"sent_at\": \"RFC3339\"}}")
        })?;
        Ok((parsed.text, parsed.sent_at.unwrap_or(now)))
    } else if trimmed.trim().is_empty() {
        Err("empty line: nothing to classify".to_owned())
    } else {
        Ok((trimmed.to_owned(), now))
    }
}

/// Runs the classification over `input`, writing results to `output` and
/// errors to `errors`. Returns how many lines were refused.
pub fn run(
    opts: &Options,
    input: impl BufRead,
    mut output: impl Write,
    mut errors: impl Write,
) -> std::io::Result<u64> {
    let classifier = Builtin;
    let mut refused = 0;
    for (index, line) in input.split(b'\n').enumerate() {
        let number = index + 1;
        let line = line?;
        let result = String::from_utf8(line)
            .map_err(|_| "the line is not valid UTF-8".to_owned())
            .and_then(|l| parse_line(&l, opts.now));
        match result {
            Ok((text, sent_at)) => {
                let c = classifier.classify(&MessageInput {
                    text: &text,
                    sent_at,
                    tz: opts.tz,
                });
                serde_json::to_writer(&mut output, &c)?;
            }
            Err(message) => {
                refused += 1;
                writeln!(errors, "tasktracker classify: line {number}: {message}")?;
                serde_json::to_writer(
                    &mut output,
                    &serde_json::json!({ "error": message, "line": number }),
                )?;
            }
        }
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn opts() -> Options {
        Options {
            now: Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap(),
            tz: chrono_tz::UTC,
        }
    }

    fn lines(input: &str) -> (Vec<serde_json::Value>, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        run(&opts(), input.as_bytes(), &mut out, &mut err).unwrap();
        let values = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (values, String::from_utf8(err).unwrap())
    }

    #[test]
    fn one_output_line_per_input_line_in_order() {
        let (out, err) = lines(
            "@olena please review the release notes by Friday\n\
             {\"text\": \"fix the login page tomorrow\", \"sent_at\": \"2026-12-04T09:00:00Z\"}\n\
             {\"text\": broken json}\n\
             \n\
             thanks all!\n",
        );
        assert_eq!(out.len(), 5);
        assert_eq!(out[0]["kind"], "task");
        assert_eq!(out[0]["assignees"], serde_json::json!(["olena"]));
        assert_eq!(
            out[0]["due"], "2026-12-04",
            "Friday after Wednesday the 2nd"
        );
        assert_eq!(out[0]["classifier"], "builtin");
        assert_eq!(out[1]["due"], "2026-12-05", "sent_at wins over --now");
        assert_eq!(out[2]["line"], 3);
        assert!(
            out[2]["error"]
                .as_str()
                .unwrap()
                .contains("not a valid JSON")
        );
        assert_eq!(out[3]["line"], 4);
        assert_eq!(out[4]["kind"], "chatter");
        assert_eq!(err.lines().count(), 2, "{err}");
        assert!(err.contains("line 3") && err.contains("line 4"));
    }

    #[test]
    fn invalid_utf8_is_refused_and_the_rest_continue() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let input: &[u8] = b"\xff\xfe\nthe API is down\n";
        let refused = run(&opts(), input, &mut out, &mut err).unwrap();
        assert_eq!(refused, 1);
        let text = String::from_utf8(out).unwrap();
        let out: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(out[0]["error"].as_str().unwrap().contains("UTF-8"));
        assert_eq!(out[1]["kind"], "bug");
    }
}
