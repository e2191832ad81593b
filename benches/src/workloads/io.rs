//! I/O workloads over loopback: TCP echo (throughput) and UDP ping-pong (latency), with
//! `<runtime>::net` and `<runtime>::io`.
//!
//! Written once as a macro over the runtime crate's name (see `sync.rs` for why).
//! Preparation (binding, accepting, connecting, starting the echo tasks) is untimed; one
//! iteration is the clients' traffic only. Both ends of every TCP connection set
//! `TCP_NODELAY`, so Nagle's algorithm cannot hold back the tail of a message.

/// Client tasks of `io_tcp_connect_100`.
pub(crate) const CONNECT_CLIENTS: usize = 4;
/// Connections each client opens per iteration of `io_tcp_connect_100` (few enough that
/// the TIME_WAIT sockets of a full run stay far from the ephemeral port range).
pub(crate) const CONNECTS_PER_CLIENT: usize = 25;

/// Round trips of a 64-byte datagram per iteration of `io_udp_ping_pong`.
pub const UDP_ROUND_TRIPS: usize = 2_000;
/// Size of the UDP datagrams.
pub const UDP_DATAGRAM: usize = 64;

/// The shape of a TCP echo workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Echo {
    /// Bytes per message (each is echoed back whole before the next is sent).
    pub message: usize,
    /// Concurrent connections, each driven by its own client task.
    pub connections: usize,
    /// Messages per connection per iteration.
    pub round_trips: usize,
}

impl Echo {
    /// Payload bytes the clients send per iteration (the same amount comes back).
    pub fn bytes(self) -> u64 {
        (self.message * self.connections * self.round_trips) as u64
    }
}

macro_rules! io_workloads {
    ($rt:ident) => {
        /// TCP echo over loopback with the shape `echo`: each client task writes a message,
        /// reads the echo back in full, and repeats.
        pub(crate) fn tcp_echo(
            rt: &::$rt::runtime::Runtime,
            echo: $crate::workloads::io::Echo,
        ) -> $crate::workloads::Routine<'_> {
            use ::$rt::io::{AsyncReadExt, AsyncWriteExt};
            use ::$rt::net::{TcpListener, TcpStream};

            let mut clients: Vec<TcpStream> = rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("cannot bind a loopback TCP listener");
                let addr = listener.local_addr().expect("listener address");
                let server = ::$rt::spawn(async move {
                    for _ in 0..echo.connections {
                        let (mut stream, _) = listener.accept().await.expect("accept failed");
                        stream.set_nodelay(true).expect("TCP_NODELAY");
                        drop(::$rt::spawn(async move {
                            let mut buf = vec![0u8; echo.message];
                            loop {
                                match stream.read(&mut buf).await {
                                    Ok(0) | Err(_) => break,
                                    Ok(n) => {
                                        if stream.write_all(&buf[..n]).await.is_err() {
                                            break;
                                        }
                                    }
                                }
                            }
                        }));
                    }
                });
                let mut clients = Vec::with_capacity(echo.connections);
                for _ in 0..echo.connections {
                    let stream = TcpStream::connect(addr).await.expect("connect failed");
                    stream.set_nodelay(true).expect("TCP_NODELAY");
                    clients.push(stream);
                }
                server.await.expect("accept loop failed");
                clients
            });
            Box::new(move || {
                let taken = std::mem::take(&mut clients);
                clients = rt.block_on(async move {
                    let handles: Vec<_> = taken
                        .into_iter()
                        .enumerate()
                        .map(|(i, mut stream)| {
                            ::$rt::spawn(async move {
                                let out = vec![i as u8; echo.message];
                                let mut back = vec![0u8; echo.message];
                                for _ in 0..echo.round_trips {
                                    stream.write_all(&out).await.expect("echo write failed");
                                    stream
                                        .read_exact(&mut back)
                                        .await
                                        .expect("echo read failed");
                                }
                                assert!(back == out, "echo returned other bytes");
                                stream
                            })
                        })
                        .collect();
                    let mut streams = Vec::with_capacity(handles.len());
                    for handle in handles {
                        streams.push(handle.await.expect("echo client failed"));
                    }
                    streams
                });
            })
        }

        /// Connection rate: [`CONNECT_CLIENTS`] client tasks each open
        /// [`CONNECTS_PER_CLIENT`] connections one after another to an accept loop that
        /// serves each with its own task (one byte each way), then close them.
        pub(crate) fn tcp_connect(rt: &::$rt::runtime::Runtime) -> $crate::workloads::Routine<'_> {
            use ::$rt::io::{AsyncReadExt, AsyncWriteExt};
            use ::$rt::net::{TcpListener, TcpStream};
            use $crate::workloads::io::{CONNECTS_PER_CLIENT, CONNECT_CLIENTS};

            let addr = rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind tcp");
                let addr = listener.local_addr().expect("tcp address");
                drop(::$rt::spawn(async move {
                    while let Ok((mut stream, _)) = listener.accept().await {
                        drop(::$rt::spawn(async move {
                            let mut byte = [0u8; 1];
                            if stream.read_exact(&mut byte).await.is_ok() {
                                let _ = stream.write_all(&byte).await;
                            }
                        }));
                    }
                }));
                addr
            });
            Box::new(move || {
                in_task(rt, async move {
                    let clients: Vec<_> = (0..CONNECT_CLIENTS)
                        .map(|_| {
                            ::$rt::spawn(async move {
                                for _ in 0..CONNECTS_PER_CLIENT {
                                    let mut s = TcpStream::connect(addr).await.expect("connect");
                                    s.write_all(&[9]).await.expect("send byte");
                                    let mut byte = [0u8; 1];
                                    s.read_exact(&mut byte).await.expect("receive byte");
                                    assert_eq!(byte, [9]);
                                }
                            })
                        })
                        .collect();
                    for client in clients {
                        client.await.expect("connect client failed");
                    }
                });
            })
        }

        /// Two UDP sockets on loopback bounce a datagram of [`UDP_DATAGRAM`] bytes
        /// [`UDP_ROUND_TRIPS`] times; the echo side is a task, the other side a task per
        /// iteration.
        pub(crate) fn udp_ping_pong(
            rt: &::$rt::runtime::Runtime,
        ) -> $crate::workloads::Routine<'_> {
            use ::$rt::net::UdpSocket;
            use $crate::workloads::io::{UDP_DATAGRAM, UDP_ROUND_TRIPS};

            let (client, echo_addr) = rt.block_on(async {
                let client = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
                let echo = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
                let echo_addr = echo.local_addr().expect("udp address");
                client.connect(echo_addr).await.expect("connect udp");
                drop(::$rt::spawn(async move {
                    let mut buf = [0u8; UDP_DATAGRAM];
                    // An empty datagram (sent by `StopEcho`) ends the task. The echo side
                    // stays unconnected so that it can receive that datagram.
                    while let Ok((n, peer)) = echo.recv_from(&mut buf).await {
                        if n == 0 || echo.send_to(&buf[..n], peer).await.is_err() {
                            break;
                        }
                    }
                }));
                (client, echo_addr)
            });
            let stop = $crate::workloads::io::StopEcho(echo_addr);
            let mut client = Some(client);
            Box::new(move || {
                let _stop = &stop;
                let socket = client.take().expect("udp client socket");
                client = Some(rt.block_on(async move {
                    ::$rt::spawn(async move {
                        let out = [7u8; UDP_DATAGRAM];
                        let mut back = [0u8; UDP_DATAGRAM];
                        for _ in 0..UDP_ROUND_TRIPS {
                            socket.send(&out).await.expect("udp send failed");
                            let n = socket.recv(&mut back).await.expect("udp recv failed");
                            assert_eq!(n, UDP_DATAGRAM, "short datagram");
                        }
                        socket
                    })
                    .await
                    .expect("udp client failed")
                }));
            })
        }
    };
}

pub(crate) use io_workloads;

/// Ends a UDP echo task when dropped, by sending it an empty datagram from a plain socket.
#[derive(Debug)]
pub(crate) struct StopEcho(pub(crate) std::net::SocketAddr);

impl Drop for StopEcho {
    fn drop(&mut self) {
        if let Ok(socket) = std::net::UdpSocket::bind("127.0.0.1:0") {
            let _ = socket.send_to(&[], self.0);
        }
    }
}
