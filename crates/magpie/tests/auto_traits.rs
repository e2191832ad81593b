//! Compile-time checks that the runtime's and tasks' types have tokio's auto traits: what
//! tokio makes `Send`/`Sync`/unwind-safe is so here, and what tokio keeps `!Send` or
//! `!Unpin` is too (code written for tokio may depend on either direction).

use std::panic::{RefUnwindSafe, UnwindSafe};

/// Fails to compile if `$t` implements `$tr` (the two blanket impls become ambiguous).
macro_rules! assert_not_impl {
    ($t:ty: $tr:path) => {{
        trait Ambiguous<A> {
            fn check() {}
        }
        impl<T: ?Sized> Ambiguous<()> for T {}
        #[allow(dead_code)]
        struct Implemented;
        impl<T: ?Sized + $tr> Ambiguous<Implemented> for T {}
        let _ = <$t as Ambiguous<_>>::check;
    }};
}

fn send_sync<T: Send + Sync>() {}
fn sync<T: Sync>() {}
fn unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}

#[test]
fn runtime_types() {
    send_sync::<magpie::runtime::Builder>();
    send_sync::<magpie::runtime::Runtime>();
    send_sync::<magpie::runtime::Handle>();
    sync::<magpie::runtime::EnterGuard<'static>>();
    assert_not_impl!(magpie::runtime::EnterGuard<'static>: Send);
    unwind_safe::<magpie::runtime::Runtime>();
    unwind_safe::<magpie::runtime::Handle>();
}

#[test]
fn task_types() {
    send_sync::<magpie::task::JoinHandle<()>>();
    unwind_safe::<magpie::task::JoinHandle<()>>();
    unwind_safe::<magpie::task::AbortHandle>();
    assert_not_impl!(magpie::task::coop::RestoreOnPending: Send);
    assert_not_impl!(magpie::task::coop::RestoreOnPending: Sync);
}

magpie::task_local! {
    static NUMBER: u32;
}

#[test]
fn wrapper_futures_are_not_unpin() {
    // As tokio's, whatever the wrapped future: code written for tokio pins them.
    type Ready = std::future::Ready<()>;
    assert_not_impl!(magpie::task::futures::TaskLocalFuture<u32, Ready>: Unpin);
    assert_not_impl!(magpie::task::RunUntil<'static, Ready>: Unpin);
}
