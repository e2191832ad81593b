//! axum on Magpie: `axum::serve` on a loopback listener, called by the hyper-util client.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use magpie_ecosystem::http::{app, bind_loopback, client, SumReply, SumRequest, User};
use tokio::task::JoinSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_api_over_hyper_client() {
    let (listener, addr) = bind_loopback().await;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app())
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });
    let client = client(false);
    let mut calls = JoinSet::new();
    for id in 0..200u64 {
        let client = client.clone();
        calls.spawn(async move {
            let resp = client
                .get(format!("http://{addr}/users/{id}").parse().unwrap())
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(resp.headers()["content-type"], "application/json");
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let user: User = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                user,
                User {
                    id,
                    name: format!("user-{id}")
                }
            );

            let values: Vec<i64> = (0..id as i64).collect();
            let req = Request::builder()
                .method(Method::POST)
                .uri(format!("http://{addr}/sum"))
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(
                    serde_json::to_vec(&SumRequest {
                        values: values.clone(),
                    })
                    .unwrap(),
                )))
                .unwrap();
            let resp = client.request(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let reply: SumReply = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                reply,
                SumReply {
                    sum: values.iter().sum(),
                    count: values.len()
                }
            );
        });
    }
    while let Some(r) = calls.join_next().await {
        r.unwrap();
    }

    // Unknown routes and bad JSON get axum's errors, not hangs.
    let resp = client
        .get(format!("http://{addr}/nope").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("http://{addr}/sum"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(b"{\"values\": [1, \"x\"]}")))
        .unwrap();
    let resp = client.request(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);

    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}
