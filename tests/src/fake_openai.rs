//! A fake OpenAI-compatible server: `POST /v1/chat/completions` on a
//! loopback port, with scripted replies per test.
//!
//! Replies are taken from a queue, one per request; when the queue is
//! empty the default reply (a valid task answer unless set) is used. The
//! server records every request body it receives, and can be told to
//! refuse `json_schema` output (as servers without structured output do)
//! or to flag any request carrying a forbidden string (redaction tests).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// What the fake answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200, with this JSON value (serialised) as the message content.
    Answer(Value),
    /// 200, with this exact string as the message content.
    Content(String),
    /// An error status with extra headers and a JSON body.
    Error {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
    /// Waits, then gives the inner reply.
    Slow(Duration, Box<Reply>),
    /// Starts a response, then breaks the connection.
    Drop,
}

impl Reply {
    /// A plain error status with an OpenAI-style body.
    pub fn status(status: u16) -> Reply {
        Reply::Error {
            status,
            headers: Vec::new(),
            body: json!({"error": {"message": "the fake is failing on purpose", "type": "server_error"}}),
        }
    }

    /// 429 with `Retry-After: SECS`.
    pub fn retry_after_secs(secs: u64) -> Reply {
        Reply::Error {
            status: 429,
            headers: vec![("retry-after".into(), secs.to_string())],
            body: json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}),
        }
    }

    /// 429 with `retry-after-ms: MS`.
    pub fn retry_after_ms(ms: u64) -> Reply {
        Reply::Error {
            status: 429,
            headers: vec![("retry-after-ms".into(), ms.to_string())],
            body: json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}),
        }
    }

    /// 429 saying the quota is used up (OpenAI's wording).
    pub fn quota_exhausted() -> Reply {
        Reply::Error {
            status: 429,
            headers: vec![("retry-after".into(), "1".into())],
            body: json!({"error": {
                "message": "You exceeded your current quota, please check your plan and billing details.",
                "type": "insufficient_quota", "code": "insufficient_quota"
            }}),
        }
    }

    /// A valid answer of this kind.
    pub fn kind(kind: &str) -> Reply {
        Reply::Answer(json!({
            "kind": kind, "title": "Fake title", "priority": "normal", "due": null,
            "assignees": [], "confidence": 0.9
        }))
    }
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The JSON body (`Value::Null` if it was not JSON).
    pub body: Value,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

impl Recorded {
    /// `response_format.type`, or `None` when absent.
    pub fn response_format(&self) -> Option<&str> {
        self.body["response_format"]["type"].as_str()
    }

    /// The system message.
    pub fn system(&self) -> &str {
        self.body["messages"][0]["content"].as_str().unwrap_or("")
    }

    /// The user message.
    pub fn user(&self) -> &str {
        self.body["messages"][1]["content"].as_str().unwrap_or("")
    }
}

#[derive(Debug)]
struct Inner {
    script: VecDeque<Reply>,
    default: Reply,
    reject_json_schema: bool,
    forbidden: Vec<String>,
    requests: Vec<Recorded>,
    violations: Vec<String>,
}

/// The running fake; stops when dropped.
#[derive(Debug)]
pub struct FakeOpenAi {
    addr: std::net::SocketAddr,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeOpenAi {
    /// Starts the fake on a free loopback port, in the current runtime.
    pub async fn start() -> FakeOpenAi {
        let inner = Arc::new(Mutex::new(Inner {
            script: VecDeque::new(),
            default: Reply::kind("task"),
            reject_json_schema: false,
            forbidden: Vec::new(),
            requests: Vec::new(),
            violations: Vec::new(),
        }));
        let app = Router::new()
            .route("/v1/chat/completions", post(handle))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeOpenAi { addr, inner, task }
    }

    /// The base URL to configure: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues replies, used one per request in order.
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().unwrap().script.extend(replies);
    }

    /// The reply when the queue is empty.
    pub fn set_default(&self, reply: Reply) {
        self.inner.lock().unwrap().default = reply;
    }

    /// Refuse `response_format: json_schema` with 400, like servers without
    /// structured outputs. Such refusals use no scripted reply.
    pub fn reject_json_schema(&self) {
        self.inner.lock().unwrap().reject_json_schema = true;
    }

    /// A request containing `s` anywhere is a violation: it is answered with
    /// 400 and recorded in [`FakeOpenAi::violations`].
    pub fn forbid(&self, s: &str) {
        self.inner.lock().unwrap().forbidden.push(s.to_owned());
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// How many requests arrived.
    pub fn request_count(&self) -> usize {
        self.inner.lock().unwrap().requests.len()
    }

    /// Forbidden strings that reached the fake.
    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().unwrap().violations.clone()
    }
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw = String::from_utf8_lossy(&body).into_owned();
    let parsed: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let reply = {
        let mut inner = inner.lock().unwrap();
        inner.requests.push(Recorded {
            body: parsed.clone(),
            authorization: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            at: Instant::now(),
        });
        let hits: Vec<String> = inner
            .forbidden
            .iter()
            .filter(|f| raw.contains(f.as_str()))
            .cloned()
            .collect();
        if !hits.is_empty() {
            inner.violations.extend(hits);
            return error_response(400, &[], json!({"error": {"message": "forbidden content"}}));
        }
        if inner.reject_json_schema && parsed["response_format"]["type"] == "json_schema" {
            return error_response(
                400,
                &[],
                json!({"error": {
                    "message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
                    "type": "invalid_request_error", "param": "response_format"
                }}),
            );
        }
        let default = inner.default.clone();
        inner.script.pop_front().unwrap_or(default)
    };
    respond(reply).await
}

async fn respond(mut reply: Reply) -> Response {
    while let Reply::Slow(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    match reply {
        Reply::Answer(v) => completion(&v.to_string()),
        Reply::Content(s) => completion(&s),
        Reply::Error {
            status,
            headers,
            body,
        } => error_response(status, &headers, body),
        Reply::Drop => {
            let broken = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("dropped on purpose"))
            });
            (StatusCode::OK, Body::from_stream(broken)).into_response()
        }
        Reply::Slow(..) => unreachable!(),
    }
}

fn completion(content: &str) -> Response {
    axum::Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }]
    }))
    .into_response()
}

fn error_response(status: u16, headers: &[(String, String)], body: Value) -> Response {
    let mut response = (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}
