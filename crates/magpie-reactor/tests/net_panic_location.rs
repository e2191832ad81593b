//! A socket created outside a runtime (or in one without I/O) panics, and the panic names
//! the caller's line, not a line inside the reactor: every constructor on the way down to
//! the registration is `#[track_caller]`.

#![cfg(unix)]

use std::panic::{self, Location};
use std::sync::{Arc, Mutex};

use magpie_reactor::net::{
    TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};

/// Runs `f`, expects it to panic, and returns the file the panic reported and its message.
fn panic_site(f: impl FnOnce() + panic::UnwindSafe) -> (String, String) {
    static HOOK: Mutex<()> = Mutex::new(());
    let _serial = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let seen = Arc::new(Mutex::new(None));
    let seen2 = seen.clone();
    let prev = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let file = info.location().map(|l| l.file().to_string());
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()));
        *seen2.lock().unwrap() = Some((file, msg));
    }));
    let result = panic::catch_unwind(f);
    panic::set_hook(prev);
    assert!(result.is_err(), "expected a panic");
    let (file, msg) = seen.lock().unwrap().take().expect("the hook saw the panic");
    (file.unwrap(), msg.unwrap_or_default())
}

fn this_file() -> &'static str {
    Location::caller().file()
}

#[test]
fn from_std_outside_runtime_blames_the_caller() {
    let here = this_file();

    let std_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_l.local_addr().unwrap();
    let std_s = std::net::TcpStream::connect(addr).unwrap();
    let std_u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();

    let (file, msg) = panic_site(move || drop(TcpListener::from_std(std_l)));
    assert_eq!(file, here);
    assert!(msg.contains("there is no reactor running"), "{msg}");
    assert_eq!(panic_site(move || drop(TcpStream::from_std(std_s))).0, here);
    assert_eq!(panic_site(move || drop(UdpSocket::from_std(std_u))).0, here);

    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    assert_eq!(panic_site(move || drop(UnixStream::from_std(a))).0, here);
    drop(b);
    assert_eq!(panic_site(|| drop(UnixStream::pair())).0, here);
    let (a, _b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    assert_eq!(panic_site(move || drop(UnixDatagram::from_std(a))).0, here);
    assert_eq!(panic_site(|| drop(UnixDatagram::unbound())).0, here);

    let dir = std::env::temp_dir().join(format!("magpie-panic-loc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("l.sock");
    let p2 = path.clone();
    assert_eq!(panic_site(move || drop(UnixListener::bind(p2))).0, here);
    let std_ul = std::os::unix::net::UnixListener::bind(dir.join("m.sock")).unwrap();
    assert_eq!(
        panic_site(move || drop(UnixListener::from_std(std_ul))).0,
        here
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn io_disabled_message_is_tokios_and_blames_the_caller() {
    let here = this_file();
    let std_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (file, msg) = panic_site(move || {
        let _g = magpie_reactor::Handle::enter_disabled();
        drop(TcpListener::from_std(std_l));
    });
    assert_eq!(file, here);
    assert_eq!(
        msg,
        "A Tokio 1.x context was found, but IO is disabled. \
         Call `enable_io` on the runtime builder to enable IO."
    );
}
