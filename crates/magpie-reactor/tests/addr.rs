//! Name resolution: literals resolve at once, names go through the blocking pool.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;

use magpie_reactor::net::lookup_host;
use support::block_on;

#[test]
fn literals_and_names() {
    block_on(async {
        let one: Vec<SocketAddr> = lookup_host("127.0.0.1:80").await.unwrap().collect();
        assert_eq!(one, vec!["127.0.0.1:80".parse().unwrap()]);
        let v6: Vec<SocketAddr> = lookup_host(("::1", 9)).await.unwrap().collect();
        assert_eq!(v6, vec!["[::1]:9".parse().unwrap()]);
        let named: Vec<SocketAddr> = lookup_host("localhost:8080").await.unwrap().collect();
        assert!(!named.is_empty());
        assert!(named
            .iter()
            .all(|a| a.port() == 8080 && a.ip().is_loopback()));
        let owned = String::from("localhost:1");
        assert!(lookup_host(&owned).await.unwrap().next().is_some());
        let list = [
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        ];
        let got: Vec<SocketAddr> = lookup_host(&list[..]).await.unwrap().collect();
        assert_eq!(got, list);
        let err = lookup_host("no port here").await.err().expect("must fail");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    });
}
