//! hyper 1.x + hyper-util on Magpie: one server speaking HTTP/1.1 and HTTP/2, pooled
//! clients of each protocol sending 1,000 requests at once, and hyper's low-level
//! connection API.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Version};
use hyper_util::rt::TokioIo;
use magpie_ecosystem::http::{bind_loopback, client, serve_echo};

use tokio::task::JoinSet;

const REQUESTS: usize = 1_000;

async fn exchange(http2: bool) {
    magpie_ecosystem::raise_fd_limit();
    let (listener, addr) = bind_loopback().await;
    let server = tokio::spawn(serve_echo(listener));
    let client = client(http2);
    let mut requests = JoinSet::new();
    for i in 0..REQUESTS {
        let client = client.clone();
        requests.spawn(async move {
            let req = Request::builder()
                .method(Method::POST)
                .uri(format!("http://{addr}/item/{i}"))
                .body(Full::new(Bytes::from(format!("payload {i}"))))
                .unwrap();
            let resp = client.request(req).await.expect("request");
            assert_eq!(resp.status(), 200);
            let want = if http2 {
                Version::HTTP_2
            } else {
                Version::HTTP_11
            };
            assert_eq!(resp.version(), want);
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(
                body,
                format!("POST /item/{i} {want:?}\nPAYLOAD {i}").as_bytes()
            );
            i
        });
    }
    let mut done = vec![false; REQUESTS];
    while let Some(i) = requests.join_next().await {
        done[i.unwrap()] = true;
    }
    assert!(done.iter().all(|&d| d));
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_thousand_concurrent_requests() {
    exchange(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_thousand_concurrent_requests() {
    exchange(true).await;
}

#[tokio::test]
async fn http1_low_level_connection_on_current_thread() {
    let (listener, addr) = bind_loopback().await;
    let server = tokio::spawn(serve_echo(listener));
    let sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(sock))
        .await
        .unwrap();
    let conn = tokio::spawn(conn);
    for i in 0..50 {
        sender.ready().await.unwrap();
        let req = Request::builder()
            .uri(format!("/seq/{i}"))
            .header("host", addr.to_string())
            .body(Full::new(Bytes::from_static(b"abc")))
            .unwrap();
        let resp = sender.send_request(req).await.unwrap();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, format!("GET /seq/{i} HTTP/1.1\nABC").as_bytes());
    }
    drop(sender);
    conn.await.unwrap().unwrap();
    server.abort();
}
