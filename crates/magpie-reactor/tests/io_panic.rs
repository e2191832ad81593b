//! Misuse panics point at the caller's line (`#[track_caller]`), as tokio's do.

use magpie_reactor::io::{self, ReadBuf};
use std::panic;
use std::sync::{Arc, Mutex};

/// Runs `f`, which must panic, and returns the file the panic was reported at.
fn panic_file(f: impl FnOnce() + panic::UnwindSafe) -> String {
    static HOOK: Mutex<()> = Mutex::new(());
    let _serial = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let seen = Arc::new(Mutex::new(None));
    let seen2 = seen.clone();
    let prev = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        *seen2.lock().unwrap() = info.location().map(|l| l.file().to_string());
    }));
    let res = panic::catch_unwind(f);
    panic::set_hook(prev);
    assert!(res.is_err(), "expected a panic");
    let file = seen.lock().unwrap().take().expect("panic location");
    file
}

#[test]
fn read_buf_misuse_reports_the_caller() {
    assert_eq!(
        panic_file(|| {
            let mut storage = [0u8; 1];
            ReadBuf::new(&mut storage).initialize_unfilled_to(2);
        }),
        file!()
    );
    assert_eq!(
        panic_file(|| {
            let mut storage = [0u8; 1];
            ReadBuf::new(&mut storage).advance(2);
        }),
        file!()
    );
    assert_eq!(
        panic_file(|| {
            let mut storage = [0u8; 1];
            ReadBuf::new(&mut storage).set_filled(2);
        }),
        file!()
    );
    assert_eq!(
        panic_file(|| {
            let mut storage = [0u8; 1];
            ReadBuf::new(&mut storage).put_slice(b"ab");
        }),
        file!()
    );
}

#[test]
fn unsplit_and_duplex_misuse_report_the_caller() {
    assert_eq!(
        panic_file(|| {
            let (r1, _w1) = io::split(io::join(io::empty(), io::sink()));
            let (_r2, w2) = io::split(io::join(io::empty(), io::sink()));
            let _ = r1.unsplit(w2);
        }),
        file!()
    );
    assert_eq!(
        panic_file(|| {
            let _ = io::duplex(0);
        }),
        file!()
    );
}
