//! An HTTP/1.1 + HTTP/2 server on hyper and hyper-util, running on Magpie through the
//! `tokio` shim.
//!
//! ```text
//! cargo run --example hyper_server -- 127.0.0.1:3000
//! curl -d hello http://127.0.0.1:3000/x            # HTTP/1.1
//! curl --http2-prior-knowledge -d hi http://127.0.0.1:3000/y
//! ```
//!
//! With `--demo` instead of an address it serves on a free port, sends one request of each
//! protocol with the hyper-util client, prints the replies and exits.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use magpie_ecosystem::http::{client, serve_echo};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let arg = std::env::args().nth(1);
    let demo = arg.as_deref() == Some("--demo");
    let addr = match arg {
        Some(a) if !demo => a,
        _ if demo => "127.0.0.1:0".to_string(),
        _ => "127.0.0.1:3000".to_string(),
    };
    let listener = TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    println!("listening on http://{local}");
    if !demo {
        serve_echo(listener).await;
        return Ok(());
    }
    let server = tokio::spawn(serve_echo(listener));
    for http2 in [false, true] {
        let req = Request::post(format!("http://{local}/demo"))
            .body(Full::new(Bytes::from_static(b"hello from magpie")))?;
        let resp = client(http2).request(req).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        println!(
            "{status}: {}",
            String::from_utf8_lossy(&body).replace('\n', " | ")
        );
    }
    server.abort();
    Ok(())
}
