//! A TCP echo server and a client that talks to it.
//!
//! `cargo run --example echo` starts the server on an ephemeral port, connects a few clients
//! concurrently and checks each gets its bytes back. `cargo run --example echo -- server
//! 127.0.0.1:7878` runs only the server.

use std::net::SocketAddr;

use magpie::io::{AsyncReadExt, AsyncWriteExt};
use magpie::net::{TcpListener, TcpStream};

/// Accepts connections forever, one task each, echoing every byte back.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (mut socket, peer) = listener.accept().await?;
        magpie::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match socket.read(&mut buf).await {
                    Ok(0) => return,
                    Ok(n) => {
                        if let Err(e) = socket.write_all(&buf[..n]).await {
                            eprintln!("{peer}: write failed: {e}");
                            return;
                        }
                    }
                    Err(e) => {
                        eprintln!("{peer}: read failed: {e}");
                        return;
                    }
                }
            }
        });
    }
}

/// Sends `msg` and reads the same number of bytes back.
async fn echo_once(addr: SocketAddr, msg: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    stream.write_all(msg).await?;
    let mut back = vec![0u8; msg.len()];
    stream.read_exact(&mut back).await?;
    Ok(back)
}

#[magpie::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("server") {
        let addr = args.get(2).map_or("127.0.0.1:7878", String::as_str);
        let listener = TcpListener::bind(addr).await?;
        println!("echo server on {}", listener.local_addr()?);
        return serve(listener).await;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    magpie::spawn(serve(listener));
    let clients: Vec<_> = (0..8u8)
        .map(|i| {
            magpie::spawn(async move {
                let msg = vec![b'a' + i; 64 * 1024];
                let back = echo_once(addr, &msg).await?;
                assert_eq!(back, msg, "client {i} got other bytes back");
                Ok::<_, std::io::Error>(back.len())
            })
        })
        .collect();
    for (i, c) in clients.into_iter().enumerate() {
        let n = c.await.expect("client task failed")?;
        println!("client {i}: {n} bytes echoed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[magpie::test(flavor = "multi_thread", worker_threads = 2)]
    async fn echoes_for_concurrent_clients() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        magpie::spawn(serve(listener));
        let clients: Vec<_> = (0..16u8)
            .map(|i| magpie::spawn(async move { (i, echo_once(addr, &[i; 3000]).await.unwrap()) }))
            .collect();
        for c in clients {
            let (i, back) = c.await.unwrap();
            assert_eq!(back, vec![i; 3000]);
        }
    }
}
