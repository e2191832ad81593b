//! An HTTP server on hyper + hyper-util (HTTP/1.1 and HTTP/2 on one port), a hyper client,
//! and a small axum JSON API.

use std::net::SocketAddr;

use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// The test service: the response body is the request body upper-cased, prefixed with the
/// method, path and protocol version the server saw.
pub async fn echo_upper(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let head = format!(
        "{} {} {:?}\n",
        req.method(),
        req.uri().path(),
        req.version()
    );
    let body = req.into_body().collect().await?.to_bytes();
    let mut out = head.into_bytes();
    out.extend(body.iter().map(u8::to_ascii_uppercase));
    Ok(Response::new(Full::new(Bytes::from(out))))
}

/// Accepts connections until the task is dropped, serving each with [`echo_upper`] over
/// HTTP/1.1 or HTTP/2 (prior knowledge), whichever the client speaks.
pub async fn serve_echo(listener: TcpListener) {
    let mut conns = JoinSet::new();
    loop {
        let (sock, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        conns.spawn(async move {
            let builder = auto::Builder::new(TokioExecutor::new());
            if let Err(e) = builder
                .serve_connection(TokioIo::new(sock), service_fn(echo_upper))
                .await
            {
                eprintln!("connection error: {e}");
            }
        });
        while conns.try_join_next().is_some() {}
    }
}

/// A pooled hyper-util client; `http2` selects HTTP/2 with prior knowledge.
pub fn client(http2: bool) -> Client<HttpConnector, Full<Bytes>> {
    let mut builder = Client::builder(TokioExecutor::new());
    builder.http2_only(http2);
    builder.build_http()
}

/// A user of the axum API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Its id, taken from the path.
    pub id: u64,
    /// `user-<id>`.
    pub name: String,
}

/// The body of `POST /sum`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SumRequest {
    /// The numbers to add up.
    pub values: Vec<i64>,
}

/// The reply of `POST /sum`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct SumReply {
    /// Their sum.
    pub sum: i64,
    /// How many there were.
    pub count: usize,
}

/// The axum app: `GET /users/{id}` and `POST /sum`.
pub fn app() -> Router {
    Router::new()
        .route(
            "/users/{id}",
            get(|Path(id): Path<u64>| async move {
                Json(User {
                    id,
                    name: format!("user-{id}"),
                })
            }),
        )
        .route(
            "/sum",
            post(|Json(req): Json<SumRequest>| async move {
                Json(SumReply {
                    sum: req.values.iter().sum(),
                    count: req.values.len(),
                })
            }),
        )
}

/// Binds a loopback listener on a free port.
pub async fn bind_loopback() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}
