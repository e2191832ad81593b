//! [`ToSocketAddrs`] and [`lookup_host`]: turning what a user passes to `bind`/`connect`
//! into socket addresses.
//!
//! Literal addresses resolve at once; host names are looked up on the blocking pool, so a
//! slow DNS server never stalls a runtime worker.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::blocking::{self, Blocking};

/// Converts to one or more socket addresses, looking host names up off the async threads.
///
/// Implemented for the same types as tokio: `SocketAddr` and its v4/v6 forms, `(IpAddr,
/// u16)` and friends, `(&str, u16)`, `(String, u16)`, `&str`/`String` such as
/// `"localhost:8080"`, `&[SocketAddr]`, and references to any of these. The trait is sealed:
/// its method is an implementation detail.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

/// An iterator over resolved addresses.
#[derive(Debug)]
pub struct Addrs(AddrsInner);

#[derive(Debug)]
enum AddrsInner {
    One(Option<SocketAddr>),
    Many(std::vec::IntoIter<SocketAddr>),
}

impl Iterator for Addrs {
    type Item = SocketAddr;
    fn next(&mut self) -> Option<SocketAddr> {
        match &mut self.0 {
            AddrsInner::One(a) => a.take(),
            AddrsInner::Many(it) => it.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            AddrsInner::One(a) => (a.is_some() as usize, Some(a.is_some() as usize)),
            AddrsInner::Many(it) => it.size_hint(),
        }
    }
}

pub(crate) mod sealed {
    use super::*;

    /// The resolution future every [`ToSocketAddrs`] produces.
    #[derive(Debug)]
    pub struct Resolve(pub(super) ResolveInner);

    #[derive(Debug)]
    pub(super) enum ResolveInner {
        Ready(Option<io::Result<Addrs>>),
        Blocking(BlockingLookup),
    }

    pub(super) struct BlockingLookup(pub(super) Blocking<io::Result<Vec<SocketAddr>>>);

    impl std::fmt::Debug for BlockingLookup {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("BlockingLookup")
        }
    }

    impl Future for Resolve {
        type Output = io::Result<Addrs>;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<Addrs>> {
            match &mut self.get_mut().0 {
                ResolveInner::Ready(r) => {
                    Poll::Ready(r.take().expect("Resolve polled after completion"))
                }
                ResolveInner::Blocking(b) => Pin::new(&mut b.0).poll(cx).map(|res| {
                    res.and_then(|r| r)
                        .map(|v| Addrs(AddrsInner::Many(v.into_iter())))
                }),
            }
        }
    }

    /// The sealed half of [`ToSocketAddrs`].
    pub trait ToSocketAddrsPriv {
        /// Starts resolving.
        fn to_socket_addrs(&self, _: Internal) -> Resolve;
    }

    /// Keeps the method uncallable from outside the crate.
    #[derive(Debug, Clone, Copy)]
    pub struct Internal;
}

use sealed::{Internal, Resolve, ResolveInner};

fn ready_one(addr: SocketAddr) -> Resolve {
    Resolve(ResolveInner::Ready(Some(Ok(Addrs(AddrsInner::One(Some(
        addr,
    )))))))
}

fn ready_many(addrs: Vec<SocketAddr>) -> Resolve {
    Resolve(ResolveInner::Ready(Some(Ok(Addrs(AddrsInner::Many(
        addrs.into_iter(),
    ))))))
}

fn lookup_blocking(host: String, port: Option<u16>) -> Resolve {
    Resolve(ResolveInner::Blocking(sealed::BlockingLookup(
        blocking::run(move || {
            use std::net::ToSocketAddrs as _;
            match port {
                Some(port) => (host.as_str(), port).to_socket_addrs(),
                None => host.as_str().to_socket_addrs(),
            }
            .map(|it| it.collect())
        }),
    )))
}

pub(crate) async fn resolve<A: ToSocketAddrs>(addr: A) -> io::Result<Addrs> {
    addr.to_socket_addrs(Internal).await
}

/// The error `bind`/`connect` return when every address failed (or there was none).
pub(crate) fn no_address_error(last: Option<io::Error>) -> io::Error {
    last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    })
}

/// Resolves `host` (such as `"example.com:80"`) to socket addresses.
///
/// The lookup runs on the blocking pool.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// for addr in magpie_reactor::net::lookup_host("localhost:3000").await? {
///     println!("socket address is {}", addr);
/// }
/// # Ok(())
/// # }
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(host).await
}

macro_rules! literal_addr {
    ($($ty:ty => |$v:ident| $conv:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::ToSocketAddrsPriv for $ty {
            fn to_socket_addrs(&self, _: Internal) -> Resolve {
                let $v = *self;
                ready_one($conv)
            }
        }
    )*};
}

literal_addr! {
    SocketAddr => |a| a;
    SocketAddrV4 => |a| SocketAddr::V4(a);
    SocketAddrV6 => |a| SocketAddr::V6(a);
    (IpAddr, u16) => |a| SocketAddr::new(a.0, a.1);
    (Ipv4Addr, u16) => |a| SocketAddr::new(IpAddr::V4(a.0), a.1);
    (Ipv6Addr, u16) => |a| SocketAddr::new(IpAddr::V6(a.0), a.1);
    ([u8; 4], u16) => |a| SocketAddr::new(IpAddr::from(a.0), a.1);
    ([u16; 8], u16) => |a| SocketAddr::new(IpAddr::from(a.0), a.1);
}

impl ToSocketAddrs for str {}
impl sealed::ToSocketAddrsPriv for str {
    fn to_socket_addrs(&self, _: Internal) -> Resolve {
        match self.parse::<SocketAddr>() {
            Ok(addr) => ready_one(addr),
            Err(_) => lookup_blocking(self.to_owned(), None),
        }
    }
}

impl ToSocketAddrs for String {}
impl sealed::ToSocketAddrsPriv for String {
    fn to_socket_addrs(&self, i: Internal) -> Resolve {
        self.as_str().to_socket_addrs(i)
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::ToSocketAddrsPriv for (&str, u16) {
    fn to_socket_addrs(&self, _: Internal) -> Resolve {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => ready_one(SocketAddr::new(ip, port)),
            Err(_) => lookup_blocking(host.to_owned(), Some(port)),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::ToSocketAddrsPriv for (String, u16) {
    fn to_socket_addrs(&self, i: Internal) -> Resolve {
        (self.0.as_str(), self.1).to_socket_addrs(i)
    }
}

impl ToSocketAddrs for &[SocketAddr] {}
impl sealed::ToSocketAddrsPriv for &[SocketAddr] {
    fn to_socket_addrs(&self, _: Internal) -> Resolve {
        ready_many(self.to_vec())
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::ToSocketAddrsPriv for &T {
    fn to_socket_addrs(&self, i: Internal) -> Resolve {
        (**self).to_socket_addrs(i)
    }
}
