//! The parameters of one Bot API call, whichever way they were sent.
//!
//! Telegram accepts parameters in the query string, as a JSON body, as an
//! urlencoded form or as multipart fields. In the last three, structured
//! values (`reply_markup`, `reply_parameters`, …) arrive as JSON text, so the
//! accessors here coerce: `i64` reads `123` and `"123"`, `json` parses a string
//! that holds JSON.

use serde_json::{Map, Value};

/// Named parameters of a call, as received.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params(pub Map<String, Value>);

impl Params {
    /// The raw value, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Whether the parameter was sent at all.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A string parameter (only if it was sent as a string).
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// An integer sent as a JSON number or as decimal text.
    pub fn i64(&self, name: &str) -> Option<i64> {
        match self.0.get(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A boolean sent as JSON or as `true`/`false` text.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.0.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// A structured value: objects and arrays as sent, or JSON text parsed.
    /// Text that is not JSON is returned as a string value.
    pub fn json(&self, name: &str) -> Option<Value> {
        match self.0.get(name)? {
            Value::String(s) => {
                Some(serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())))
            }
            v => Some(v.clone()),
        }
    }

    /// A parameter as text: strings as they are, numbers and booleans printed.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v => Some(v.to_string()),
        }
    }

    /// Inserts or replaces a parameter.
    pub(crate) fn insert(&mut self, name: String, value: Value) {
        self.0.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coerces_text_values() {
        let Value::Object(m) = json!({
            "chat_id": "-100123", "n": 5, "flag": "true",
            "reply_markup": "{\"inline_keyboard\":[]}", "text": "hi"
        }) else {
            unreachable!()
        };
        let p = Params(m);
        assert_eq!(p.i64("chat_id"), Some(-100123));
        assert_eq!(p.i64("n"), Some(5));
        assert_eq!(p.bool("flag"), Some(true));
        assert_eq!(p.json("reply_markup"), Some(json!({"inline_keyboard": []})));
        assert_eq!(p.json("text"), Some(json!("hi")));
        assert_eq!(p.text("n").as_deref(), Some("5"));
        assert_eq!(p.i64("missing"), None);
    }
}
