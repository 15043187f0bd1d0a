//! HTTP: the accept loop, the route `/bot<TOKEN>/<method>`, parameter
//! parsing, and the faults that act on the connection or the response.
//!
//! The accept loop is our own (hyper's HTTP/1 connection per TCP stream, the
//! axum router as the service) rather than `axum::serve`, because a dropped
//! connection must be a real one: each request carries a [`ConnectionKill`]
//! and the connection task, on that signal, drops the stream without writing
//! a response.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Form};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::Shared;
use super::faults::Fault;
use super::methods::{self, ApiError};
use super::params::Params;
use super::state::{Call, UploadedFile};
use super::updates::get_updates;

/// Bodies up to this size are read; Telegram refuses uploads over 50 MB
/// with 413, which `sendDocument` checks itself.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Asks the connection that carried a request to close without answering.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionKill(Arc<Notify>);

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{bot}/{method}", any(handle))
        .fallback(|| async { error_response(&ApiError::not_found()) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

/// Serves connections until the task is aborted, which also aborts them.
pub(crate) async fn serve(listener: TcpListener, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        while connections.try_join_next().is_some() {}
        let router = router.clone();
        connections.spawn(async move {
            let kill = Arc::new(Notify::new());
            let signal = ConnectionKill(kill.clone());
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(signal.clone());
                router.clone().oneshot(req)
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                // Dropping the connection closes the socket mid-request.
                () = kill.notified() => {}
            }
        });
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    kill: Option<Extension<ConnectionKill>>,
    req: Request,
) -> Response {
    match bot.strip_prefix("bot") {
        None => return error_response(&ApiError::not_found()),
        Some(token) if token != shared.token => {
            return error_response(&ApiError::new(401, "Unauthorized"));
        }
        Some(_) => {}
    }
    let name = methods::canonical(&method).map_or(method, str::to_owned);
    let (params, files) = match read_params(req).await {
        Ok(p) => p,
        Err(e) => return error_response(&e),
    };
    let fault = shared.lock().faults.take(&name);
    let mut call = Call {
        seq: 0,
        method: name,
        params,
        files,
        fault: fault.clone(),
        ok: false,
        error_code: None,
        result: None,
        date: 0,
    };

    // Faults that stop the call before it takes effect.
    let refused = match &fault {
        Some(Fault::TooManyRequests { retry_after }) => {
            Some(error_response(&ApiError::too_many_requests(*retry_after)))
        }
        Some(Fault::ServerError(code)) => Some(server_error(*code)),
        Some(Fault::Refused(code, description)) => {
            Some(error_response(&ApiError::new(*code, description)))
        }
        Some(Fault::DropConnection) => {
            shared.record(call);
            return drop_connection(kill).await;
        }
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(*delay).await;
            None
        }
        _ => None,
    };
    if let Some(response) = refused {
        call.error_code = Some(response.status().as_u16());
        shared.record(call);
        return response;
    }

    let outcome = if call.method == "getUpdates" {
        get_updates(&shared, &call.params)
            .await
            .map(|(json, ids)| (json, json!(ids)))
    } else {
        run_method(&shared, &call)
    };
    let (status, body) = match outcome {
        Ok((json, recorded)) => {
            call.ok = true;
            call.result = Some(recorded);
            (200, format!(r#"{{"ok":true,"result":{json}}}"#))
        }
        Err(e) => {
            call.error_code = Some(e.code);
            (e.code, e.envelope().to_string())
        }
    };
    shared.record(call);
    match fault {
        Some(Fault::DropAfterProcessing) => drop_connection(kill).await,
        Some(Fault::MalformedBody) => {
            let mut cut = body.len() / 2;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            json_response(200, body[..cut].to_owned())
        }
        _ => json_response(status, body),
    }
}

/// A method other than getUpdates, under the state lock.
fn run_method(shared: &Shared, call: &Call) -> Result<(String, Value), ApiError> {
    if methods::canonical(&call.method).is_none() {
        return Err(ApiError::not_found());
    }
    let mut s = shared.lock();
    let v = methods::dispatch(&mut s, &call.method, &call.params, &call.files)?;
    Ok((v.to_string(), v))
}

async fn drop_connection(kill: Option<Extension<ConnectionKill>>) -> Response {
    match kill {
        Some(Extension(ConnectionKill(notify))) => {
            notify.notify_one();
            // The connection task drops this future with the socket.
            std::future::pending().await
        }
        // Not served by our accept loop: the best we can do is an error.
        None => server_error(500),
    }
}

/// Query string and body (JSON, urlencoded or multipart) merged.
async fn read_params(req: Request) -> Result<(Params, Vec<UploadedFile>), ApiError> {
    let mut params = Params::default();
    let mut files = Vec::new();
    if let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(req.uri()) {
        for (k, v) in pairs {
            params.insert(k, Value::String(v));
        }
    }
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let rejected = |status: StatusCode, what: String| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(413, "Request Entity Too Large")
        } else {
            ApiError::bad_request(&what)
        }
    };

    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(req, &())
            .await
            .map_err(|e| rejected(e.status(), e.body_text()))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| rejected(e.status(), e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let part_type = field.content_type().map(str::to_owned);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| rejected(e.status(), e.body_text()))?;
            if file_name.is_some() {
                files.push(UploadedFile {
                    field: name,
                    file_name,
                    content_type: part_type,
                    bytes: bytes.to_vec(),
                });
            } else {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                params.insert(name, Value::String(text));
            }
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, &())
            .await
            .map_err(|e| rejected(e.status(), e.body_text()))?;
        for (k, v) in pairs {
            params.insert(k, Value::String(v));
        }
    } else {
        let bytes = Bytes::from_request(req, &())
            .await
            .map_err(|e| rejected(e.status(), e.body_text()))?;
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice(&bytes) {
                Ok(Value::Object(map)) => params.0.extend(map),
                _ => return Err(ApiError::bad_request("can't parse JSON object")),
            }
        }
    }
    Ok((params, files))
}

fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(CONTENT_TYPE, "application/json")], body).into_response()
}

pub(crate) fn error_response(e: &ApiError) -> Response {
    json_response(e.code, e.envelope().to_string())
}

/// 500 as the Bot API answers it; other codes as the nginx in front of it
/// does, with an HTML page.
fn server_error(code: u16) -> Response {
    if code == 500 {
        return error_response(&ApiError::new(500, "Internal Server Error"));
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
    let reason = status.canonical_reason().unwrap_or("Error");
    let page = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
         <center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n\
         </body>\r\n</html>\r\n"
    );
    (status, [(CONTENT_TYPE, "text/html")], page).into_response()
}
