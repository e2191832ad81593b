//! A tour of Magpie through the examples of Python's asyncio, one section each.
//!
//! Run it with `cargo run --release --example tour`. Every section prints what it shows
//! and how long it took, so the concurrency is visible: a "1 unit" wait here is 200 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use magpie::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use magpie::net::{TcpListener, TcpStream};
use magpie::sync::{Mutex, Semaphore};
use magpie::time::sleep;

const UNIT: Duration = Duration::from_millis(200);

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

async fn long_operation(name: String, units: u32) -> String {
    println!("    {name} started");
    sleep(UNIT * units).await;
    println!("    {name} done");
    format!("{name} result")
}

async fn failing_operation(name: &str) -> Result<String, String> {
    sleep(UNIT).await;
    Err(format!("{name} failed"))
}

fn main() {
    // asyncio.run(main()): build a runtime and block on the top-level future.
    let rt = magpie::runtime::Runtime::new().expect("failed to build the runtime");
    let total = Instant::now();
    rt.block_on(tour());
    println!(
        "\n== metrics after the tour ({} total)",
        secs(total.elapsed())
    );
    let m = rt.metrics();
    println!("    workers: {}", m.num_workers());
    println!("    alive tasks: {}", m.num_alive_tasks());
    println!("    blocking threads: {}", m.num_blocking_threads());
    for w in 0..m.num_workers() {
        println!(
            "    worker {w}: {} polls, {} steals, {} parks",
            m.worker_poll_count(w),
            m.worker_steal_count(w),
            m.worker_park_count(w)
        );
    }
}

async fn tour() {
    println!("== 1. asyncio.run: a coroutine's result");
    let hello = async { "Hello, World!" }.await;
    println!("    {hello}");

    println!("\n== 2. await: one after another");
    let t = Instant::now();
    sleep(UNIT).await;
    sleep(UNIT).await;
    println!(
        "    two 1-unit sleeps awaited in turn: {}",
        secs(t.elapsed())
    );

    println!("\n== 3. create_task: start now, collect later");
    let t = Instant::now();
    let task1 = magpie::spawn(long_operation("task 1".into(), 2));
    let task2 = magpie::spawn(long_operation("task 2".into(), 1));
    println!("    doing other work meanwhile...");
    let (r1, r2) = (task1.await.unwrap(), task2.await.unwrap());
    println!("    {r1}, {r2}: {} (2 units, not 3)", secs(t.elapsed()));

    println!("\n== 4. gather: run several and collect the results in order");
    let t = Instant::now();
    let (a, b, c) = magpie::join!(
        long_operation("A".into(), 1),
        long_operation("B".into(), 1),
        long_operation("C".into(), 1)
    );
    println!("    [{a}, {b}, {c}]: {}", secs(t.elapsed()));

    println!("\n== 5. gather(return_exceptions=True) and try_join!");
    let (ok, err) = magpie::join!(
        long_operation("fine".into(), 1),
        failing_operation("broken")
    );
    println!("    results kept side by side: {ok:?}, {err:?}");
    let first_error: Result<(String, String), String> = magpie::try_join!(
        async { Ok(long_operation("slow".into(), 3).await) },
        failing_operation("fails first")
    );
    println!("    try_join! stops at the first error: {first_error:?}");

    println!("\n== 6. fetching URLs concurrently (a local HTTP server the tour starts)");
    let addr = start_http_server().await;
    let t = Instant::now();
    let fetches: Vec<_> = ["/data1", "/data2", "/data3"]
        .into_iter()
        .map(|path| magpie::spawn(http_get(addr, path)))
        .collect();
    for f in fetches {
        let (path, body) = f.await.unwrap().expect("fetch failed");
        println!("    http://{addr}{path}: {} bytes", body.len());
    }
    println!("    3 fetches of 1 unit each: {}", secs(t.elapsed()));

    println!("\n== 7. concurrent queries over a connection pool (a key-value server over TCP)");
    println!("    (asyncpg against real PostgreSQL becomes tokio-postgres on Magpie in compat/ecosystem)");
    let kv = start_kv_server().await;
    let pool = Pool::connect(kv, 3).await;
    let t = Instant::now();
    let queries: Vec<_> = (20..30)
        .map(|age| {
            let pool = pool.clone();
            magpie::spawn(async move { pool.query(&format!("users_older_than {age}")).await })
        })
        .collect();
    let mut rows = 0;
    for q in queries {
        rows += q.await.unwrap().split(',').count();
    }
    println!(
        "    10 queries of 1 unit on 3 connections: {rows} rows in {} (4 rounds)",
        secs(t.elapsed())
    );

    println!("\n== 8. await vs create_task");
    let t = Instant::now();
    sleep(UNIT).await;
    sleep(UNIT).await;
    println!("    await, await: {}", secs(t.elapsed()));
    let t = Instant::now();
    let (s1, s2) = (magpie::spawn(sleep(UNIT)), magpie::spawn(sleep(UNIT)));
    s1.await.unwrap();
    s2.await.unwrap();
    println!("    create_task, create_task: {}", secs(t.elapsed()));

    println!("\n== 9. Semaphore(3): at most three at a time");
    let t = Instant::now();
    let semaphore = Arc::new(Semaphore::new(3));
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let semaphore = semaphore.clone();
            magpie::spawn(async move {
                let _permit = semaphore.acquire().await.unwrap();
                sleep(UNIT).await;
                i
            })
        })
        .collect();
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.unwrap());
    }
    println!(
        "    10 tasks of 1 unit, 3 at a time: {} (4 rounds), results {done:?}",
        secs(t.elapsed())
    );

    println!("\n== 10. run_in_executor: blocking work off the async threads");
    let t = Instant::now();
    let (b1, b2) = (
        magpie::task::spawn_blocking(|| std::thread::sleep(UNIT)),
        magpie::task::spawn_blocking(|| std::thread::sleep(UNIT)),
    );
    sleep(UNIT).await; // the workers stay free meanwhile
    b1.await.unwrap();
    b2.await.unwrap();
    println!(
        "    two blocking sleeps and an async one, side by side: {}",
        secs(t.elapsed())
    );

    println!("\n== 11. cancel: task.cancel() and CancelledError");
    let t = Instant::now();
    let task = magpie::spawn(long_operation("long task".into(), 50));
    sleep(UNIT * 2).await;
    task.abort();
    match task.await {
        Err(e) if e.is_cancelled() => {
            println!("    cancelled after {}: {e}", secs(t.elapsed()))
        }
        other => println!("    unexpected: {other:?}"),
    }
}

/// A tiny HTTP/1.1 server: every response takes one unit, like a slow API.
async fn start_http_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    magpie::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            magpie::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let Ok(Some(request)) = lines.next_line().await else {
                    return;
                };
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.is_empty() {
                        break;
                    }
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                sleep(UNIT).await;
                let body = format!("{{\"path\": \"{path}\", \"data\": [1, 2, 3]}}");
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = write.write_all(response.as_bytes()).await;
            });
        }
    });
    addr
}

/// GET over raw TCP; returns the path and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<(String, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((path.to_string(), body))
}

/// A line-based key-value "database": each query takes one unit.
async fn start_kv_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    magpie::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            magpie::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(query)) = lines.next_line().await {
                    sleep(UNIT).await;
                    let age: u32 = query
                        .rsplit(' ')
                        .next()
                        .and_then(|a| a.parse().ok())
                        .unwrap_or(0);
                    let rows: Vec<String> =
                        (age + 1..age + 4).map(|a| format!("user{a}")).collect();
                    if write
                        .write_all(format!("{}\n", rows.join(",")).as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// A fixed pool of connections, handed out one query at a time.
#[derive(Clone)]
struct Pool {
    permits: Arc<Semaphore>,
    conns: Arc<Mutex<Vec<BufReader<TcpStream>>>>,
}

impl Pool {
    async fn connect(addr: std::net::SocketAddr, size: usize) -> Pool {
        let mut conns = Vec::new();
        for _ in 0..size {
            conns.push(BufReader::new(TcpStream::connect(addr).await.unwrap()));
        }
        Pool {
            permits: Arc::new(Semaphore::new(size)),
            conns: Arc::new(Mutex::new(conns)),
        }
    }

    async fn query(&self, q: &str) -> String {
        let _permit = self.permits.acquire().await.unwrap();
        let mut conn = self.conns.lock().await.pop().expect("pool accounting");
        conn.get_mut()
            .write_all(format!("{q}\n").as_bytes())
            .await
            .unwrap();
        let mut line = String::new();
        conn.read_line(&mut line).await.unwrap();
        self.conns.lock().await.push(conn);
        line.trim_end().to_string()
    }
}
