//! Turning a raw `sockaddr_un` (as `socket2` returns it from `recvfrom` or `accept`) into
//! std's [`SocketAddr`], which has no constructor from raw parts.
//!
//! A path or an abstract name is rebuilt from its bytes; an unnamed address (the sender
//! was never bound, as with `pair()`) is a copy of one unnamed address made once per
//! process from an unbound socket.

use std::io;
use std::os::unix::net::{self, SocketAddr};
use std::sync::OnceLock;

use socket2::SockAddr;

/// `addr` as a std Unix-domain address.
pub(crate) fn to_std(addr: &SockAddr) -> io::Result<SocketAddr> {
    if let Some(path) = addr.as_pathname() {
        return SocketAddr::from_pathname(path);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(name) = addr.as_abstract_namespace() {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        return SocketAddr::from_abstract_name(name);
    }
    if addr.is_unnamed() || addr.family() == libc::AF_UNSPEC as libc::sa_family_t {
        return unnamed();
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "the peer's address is not a Unix-domain address",
    ))
}

/// A std Unix-domain address as a raw one, to `connect` to it without blocking.
///
/// An unnamed address becomes the bare family, which the kernel refuses to connect to.
pub(crate) fn to_sock(addr: &SocketAddr) -> io::Result<SockAddr> {
    if let Some(path) = addr.as_pathname() {
        return SockAddr::unix(path);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = addr.as_abstract_name() {
            // socket2 reads a leading NUL as "abstract name follows".
            let mut raw = Vec::with_capacity(name.len() + 1);
            raw.push(0);
            raw.extend_from_slice(name);
            return SockAddr::unix(std::ffi::OsStr::from_bytes(&raw));
        }
    }
    SockAddr::unix("")
}

fn unnamed() -> io::Result<SocketAddr> {
    static UNNAMED: OnceLock<SocketAddr> = OnceLock::new();
    if let Some(addr) = UNNAMED.get() {
        return Ok(addr.clone());
    }
    let addr = net::UnixDatagram::unbound()?.local_addr()?;
    Ok(UNNAMED.get_or_init(|| addr).clone())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn path_abstract_and_unnamed_round_trip() {
        let dir = std::env::temp_dir().join(format!("magpie-uaddr-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s");
        let raw = SockAddr::unix(&path).unwrap();
        let std_addr = to_std(&raw).unwrap();
        assert_eq!(std_addr.as_pathname(), Some(path.as_path()));
        assert_eq!(
            to_sock(&std_addr).unwrap().as_pathname(),
            Some(path.as_path())
        );

        let (a, _b) = net::UnixDatagram::pair().unwrap();
        let un = to_std(&SockAddr::unix("").unwrap()).unwrap();
        assert!(un.is_unnamed());
        assert!(a.local_addr().unwrap().is_unnamed());

        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let raw = SockAddr::unix("\0magpie-abstract").unwrap();
            let addr = to_std(&raw).unwrap();
            assert_eq!(addr.as_abstract_name(), Some(&b"magpie-abstract"[..]));
            let back = to_sock(&addr).unwrap();
            assert_eq!(back.as_abstract_namespace(), Some(&b"magpie-abstract"[..]));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
