//! More clients and protocols on Magpie: reqwest against the hyper server and the axum
//! API, and WebSockets with tokio-tungstenite.

use futures::{SinkExt, StreamExt};
use magpie_ecosystem::http::{app, bind_loopback, serve_echo, SumReply, SumRequest, User};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_against_hyper_and_axum() {
    let (listener, echo_addr) = bind_loopback().await;
    let echo = tokio::spawn(serve_echo(listener));
    let (listener, api_addr) = bind_loopback().await;
    let api = tokio::spawn(async move { axum::serve(listener, app()).await });

    // Loopback only: never through a proxy the environment may name.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut calls = JoinSet::new();
    for i in 0..100u64 {
        let client = client.clone();
        calls.spawn(async move {
            let text = client
                .post(format!("http://{echo_addr}/r/{i}"))
                .body(format!("body {i}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(text, format!("POST /r/{i} HTTP/1.1\nBODY {i}"));

            let user: User = client
                .get(format!("http://{api_addr}/users/{i}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(user.id, i);
            let reply: SumReply = client
                .post(format!("http://{api_addr}/sum"))
                .json(&SumRequest {
                    values: vec![i as i64, 1],
                })
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(
                reply,
                SumReply {
                    sum: i as i64 + 1,
                    count: 2
                }
            );
        });
    }
    while let Some(r) = calls.join_next().await {
        r.unwrap();
    }
    // A request timeout is a timer on Magpie's wheel: a server that accepts and never
    // answers.
    let (silent, silent_addr) = bind_loopback().await;
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            held.push(silent.accept().await.unwrap());
        }
    });
    let err = client
        .get(format!("http://{silent_addr}/"))
        .timeout(std::time::Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    hold.abort();
    echo.abort();
    api.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_echo() {
    let (listener, addr) = bind_loopback().await;
    let server = tokio::spawn(async move {
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut ws = tokio_tungstenite::accept_async(sock).await.unwrap();
                while let Some(msg) = ws.next().await {
                    match msg.unwrap() {
                        Message::Text(t) => ws
                            .send(Message::text(t.as_str().to_uppercase()))
                            .await
                            .unwrap(),
                        Message::Binary(b) => {
                            let mut v = b.to_vec();
                            v.reverse();
                            ws.send(Message::binary(v)).await.unwrap()
                        }
                        Message::Close(_) => break,
                        _ => {}
                    }
                }
            });
        }
    });
    let mut clients = JoinSet::new();
    for c in 0..10 {
        clients.spawn(async move {
            let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
                .await
                .unwrap();
            for i in 0..50 {
                ws.send(Message::text(format!("c{c} m{i}"))).await.unwrap();
                let reply = ws.next().await.unwrap().unwrap();
                assert_eq!(reply, Message::text(format!("C{c} M{i}")));
            }
            ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
            assert_eq!(
                ws.next().await.unwrap().unwrap(),
                Message::binary(vec![3u8, 2, 1])
            );
            ws.close(None).await.unwrap();
        });
    }
    while let Some(r) = clients.join_next().await {
        r.unwrap();
    }
    server.abort();
}
