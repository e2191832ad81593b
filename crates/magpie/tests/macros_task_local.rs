//! `task_local!`: scoping across awaits and threads, nesting, `with`/`try_with`/`get`,
//! `sync_scope`, and the value being set while the scoped future is dropped.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures::executor::block_on;

magpie::task_local! {
    static NUMBER: u32;
    /// A documented key.
    pub static NAME: String;
}

magpie::task_local!(static SINGLE: u8);

/// Pending (waking itself) once, then ready.
struct YieldNow(bool);
impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
fn yield_now() -> YieldNow {
    YieldNow(false)
}

#[test]
fn value_is_visible_across_awaits() {
    block_on(NUMBER.scope(1, async {
        assert_eq!(NUMBER.get(), 1);
        yield_now().await;
        assert_eq!(NUMBER.get(), 1);
        yield_now().await;
        NUMBER.with(|n| assert_eq!(*n, 1));
    }));
}

#[test]
fn value_is_unset_outside_the_scope_and_between_polls() {
    assert!(NUMBER.try_with(|_| ()).is_err());
    let mut fut = Box::pin(NUMBER.scope(5, async {
        yield_now().await;
        NUMBER.get()
    }));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    // Between polls the value lives in the future, not in the thread.
    assert!(NUMBER.try_with(|_| ()).is_err());
    assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(5));
    assert!(NUMBER.try_with(|_| ()).is_err());
}

#[test]
fn nested_scopes_shadow_and_restore() {
    block_on(NUMBER.scope(1, async {
        NUMBER
            .scope(2, async {
                assert_eq!(NUMBER.get(), 2);
                yield_now().await;
                assert_eq!(NUMBER.get(), 2);
            })
            .await;
        assert_eq!(NUMBER.get(), 1);
        NAME.scope("inner".into(), async {
            assert_eq!(NUMBER.get(), 1);
            assert_eq!(NAME.get(), "inner");
        })
        .await;
    }));
}

#[test]
fn interleaved_scopes_each_see_their_own_value() {
    block_on(async {
        let a = NUMBER.scope(10, async {
            for _ in 0..3 {
                assert_eq!(NUMBER.get(), 10);
                yield_now().await;
            }
        });
        let b = NUMBER.scope(20, async {
            for _ in 0..3 {
                assert_eq!(NUMBER.get(), 20);
                yield_now().await;
            }
        });
        magpie::join!(a, b);
    });
}

#[test]
fn value_follows_the_future_to_another_thread() {
    let mut fut = Box::pin(NUMBER.scope(7, async {
        let first = std::thread::current().id();
        yield_now().await;
        (first, std::thread::current().id(), NUMBER.get())
    }));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    let (first, second, value) = std::thread::spawn(move || {
        let mut cx = Context::from_waker(Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("should be ready"),
        }
    })
    .join()
    .unwrap();
    assert_ne!(first, second);
    assert_eq!(value, 7);
}

#[test]
#[should_panic(expected = "cannot access a task-local storage value without setting it first")]
fn with_outside_a_scope_panics() {
    NUMBER.with(|_| ());
}

#[test]
#[should_panic(expected = "cannot access a task-local storage value without setting it first")]
fn get_outside_a_scope_panics() {
    let _ = NAME.get();
}

#[test]
fn try_with_reports_access_error() {
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(err.to_string(), "task-local value not set");
    let _: &dyn std::error::Error = &err;
    assert_eq!(NUMBER.sync_scope(3, || NUMBER.try_with(|n| *n + 1)), Ok(4));
}

#[test]
fn sync_scope_sets_for_the_closure_only() {
    let out = SINGLE.sync_scope(4, || {
        let inner = SINGLE.sync_scope(5, || SINGLE.get());
        (inner, SINGLE.get())
    });
    assert_eq!(out, (5, 4));
    assert!(SINGLE.try_with(|_| ()).is_err());
}

#[test]
fn sync_scope_restores_after_a_panic() {
    let caught = std::panic::catch_unwind(|| {
        NUMBER.sync_scope(1, || {
            NUMBER.sync_scope(2, || panic!("inside"));
        })
    });
    assert!(caught.is_err());
    assert!(NUMBER.try_with(|_| ()).is_err());
}

#[test]
#[should_panic(
    expected = "cannot enter a task-local scope while the task-local storage is borrowed"
)]
fn entering_a_scope_while_borrowed_panics() {
    NUMBER.sync_scope(1, || NUMBER.with(|_| NUMBER.sync_scope(2, || ())));
}

#[test]
fn the_scoped_future_is_dropped_inside_its_scope() {
    /// Reads the task-local when dropped.
    struct ReadOnDrop(Arc<AtomicU32>);
    impl Drop for ReadOnDrop {
        fn drop(&mut self) {
            self.0
                .store(NUMBER.try_with(|n| *n).unwrap_or(0), Ordering::SeqCst);
        }
    }
    let seen = Arc::new(AtomicU32::new(u32::MAX));
    let guard = ReadOnDrop(seen.clone());
    let mut fut = Box::pin(NUMBER.scope(9, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    drop(fut);
    assert_eq!(seen.load(Ordering::SeqCst), 9);
}

#[test]
fn take_value_removes_the_value() {
    let ran = Cell::new(false);
    let mut fut = Box::pin(NAME.scope("x".to_string(), async {
        ran.set(true);
        NAME.try_with(|s| s.clone()).is_err()
    }));
    assert_eq!(fut.as_mut().take_value().as_deref(), Some("x"));
    assert_eq!(fut.as_mut().take_value(), None);
    assert!(block_on(fut));
    assert!(ran.get());
}

#[test]
fn debug_output() {
    assert_eq!(format!("{NUMBER:?}"), "LocalKey { .. }");
    let fut = NUMBER.scope(3, async {});
    assert_eq!(format!("{fut:?}"), "TaskLocalFuture { value: 3 }");
}

#[test]
fn scoped_futures_are_send_when_their_parts_are() {
    fn assert_send<T: Send>(_: &T) {}
    let fut = NAME.scope("s".to_string(), async { yield_now().await });
    assert_send(&fut);
}

magpie::task_local! {
    static NOT_SEND: std::rc::Rc<Cell<u32>>;
}

#[test]
fn values_need_not_be_send() {
    let shared = std::rc::Rc::new(Cell::new(1));
    block_on(NOT_SEND.scope(shared.clone(), async {
        NOT_SEND.with(|v| v.set(v.get() + 1));
    }));
    assert_eq!(shared.get(), 2);
}
