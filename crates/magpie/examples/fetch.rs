//! Fetches several URLs concurrently with a small HTTP/1.1 GET over raw TCP: the aiohttp
//! example of asyncio's note, on Magpie.
//!
//! `cargo run --example fetch -- http://127.0.0.1:8080/a http://127.0.0.1:8080/b` fetches
//! the given URLs (plain `http://host:port/path` only). With no arguments it starts a local
//! server of its own and fetches three paths from it (there is no internet here).

use std::time::{Duration, Instant};

use magpie::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use magpie::net::{TcpListener, TcpStream};

/// A parsed `http://host:port/path` URL.
#[derive(Debug, PartialEq)]
struct Url {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Result<Url, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| format!("{url}: bad port {p:?}"))?),
        None => (authority, 80),
    };
    if host.is_empty() {
        return Err(format!("{url}: missing host"));
    }
    Ok(Url {
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

/// GETs `url` and returns the status code and body.
async fn fetch(url: &str) -> Result<(u16, String), String> {
    let u = parse_url(url)?;
    let mut stream = TcpStream::connect((u.host.as_str(), u.port))
        .await
        .map_err(|e| format!("{url}: connect: {e}"))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: magpie-fetch\r\n\r\n",
        u.path, u.host
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("{url}: send: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .map_err(|e| format!("{url}: receive: {e}"))?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{url}: malformed response"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{url}: no status line"))?;
    Ok((status, body.to_string()))
}

/// A local server whose every response takes `delay`, like a slow API.
async fn local_server(delay: Duration) -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    magpie::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            magpie::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let Ok(Some(request_line)) = lines.next_line().await else {
                    return;
                };
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.is_empty() {
                        break;
                    }
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_string();
                magpie::time::sleep(delay).await;
                let body = format!("you asked for {path}\n");
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = write.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok(addr)
}

/// Fetches all `urls` concurrently, returning each result in the order given.
async fn fetch_all(urls: &[String]) -> Vec<Result<(u16, String), String>> {
    let tasks: Vec<_> = urls
        .iter()
        .cloned()
        .map(|url| magpie::spawn(async move { fetch(&url).await }))
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.unwrap_or_else(|e| Err(format!("task failed: {e}"))));
    }
    out
}

#[magpie::main]
async fn main() {
    let mut urls: Vec<String> = std::env::args().skip(1).collect();
    if urls.is_empty() {
        let addr = local_server(Duration::from_millis(500))
            .await
            .expect("cannot start the local server");
        urls = ["/data1", "/data2", "/data3"]
            .iter()
            .map(|p| format!("http://{addr}{p}"))
            .collect();
    }
    let start = Instant::now();
    for (url, result) in urls.iter().zip(fetch_all(&urls).await) {
        match result {
            Ok((status, body)) => println!("{url}: {status}, {} bytes", body.len()),
            Err(e) => println!("{url}: error: {e}"),
        }
    }
    println!(
        "{} fetches in {:.2} s",
        urls.len(),
        start.elapsed().as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            parse_url("http://localhost:8080/a/b").unwrap(),
            Url {
                host: "localhost".into(),
                port: 8080,
                path: "/a/b".into()
            }
        );
        assert_eq!(parse_url("http://example.org").unwrap().port, 80);
        assert!(parse_url("https://x").unwrap_err().contains("only http://"));
        assert!(parse_url("http://:80/")
            .unwrap_err()
            .contains("missing host"));
    }

    #[magpie::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fetches_concurrently_from_a_local_server() {
        let addr = local_server(Duration::from_millis(50)).await.unwrap();
        let urls: Vec<String> = (0..5).map(|i| format!("http://{addr}/p{i}")).collect();
        let results = fetch_all(&urls).await;
        for (i, r) in results.into_iter().enumerate() {
            let (status, body) = r.unwrap();
            assert_eq!(status, 200);
            assert_eq!(body, format!("you asked for /p{i}\n"));
        }
    }

    #[magpie::test]
    async fn reports_connection_refused() {
        // Bind then drop to find a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = fetch(&format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert!(err.contains("connect"), "{err}");
    }
}
