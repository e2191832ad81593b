//! Bad input at the public API: each mistake gets tokio's answer (the same panic message, or
//! the same error / pending behaviour), never a hang or a silent misconfiguration.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use magpie::runtime::Builder;
use magpie::sync::{mpsc, Semaphore, TryAcquireError};

/// Runs `f`, expects it to panic, and returns the panic message.
fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    if let Some(s) = err.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = err.downcast_ref::<String>() {
        s.clone()
    } else {
        panic!("panic payload is not a string")
    }
}

fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn zero_worker_threads_panics_with_tokios_message() {
    let msg = panic_message(|| {
        Builder::new_multi_thread().worker_threads(0);
    });
    assert_eq!(msg, "Worker threads cannot be set to 0");
}

#[test]
fn zero_max_blocking_threads_panics_with_tokios_message() {
    let msg = panic_message(|| {
        Builder::new_multi_thread().max_blocking_threads(0);
    });
    assert_eq!(msg, "Max blocking threads cannot be set to 0");
}

#[test]
fn zero_stack_size_is_rounded_up_like_std_and_the_runtime_works() {
    // tokio hands the size to `std::thread::Builder::stack_size`, which rounds it up to the
    // platform minimum; the runtime builds and runs tasks.
    for mut builder in [Builder::new_multi_thread(), Builder::new_current_thread()] {
        let rt = builder
            .worker_threads(1)
            .thread_stack_size(0)
            .enable_all()
            .build()
            .expect("a zero stack size is rounded up, not an error");
        let v = rt.block_on(async {
            let a = magpie::spawn(async { 20 }).await.unwrap();
            let b = magpie::task::spawn_blocking(|| 22).await.unwrap();
            a + b
        });
        assert_eq!(v, 42);
    }
}

#[test]
fn semaphore_beyond_max_permits_panics() {
    let msg = panic_message(|| {
        let _ = Semaphore::new(usize::MAX);
    });
    assert!(
        msg.contains("a semaphore may not have more than MAX_PERMITS permits"),
        "{msg}"
    );
    // The largest legal semaphore is fine, and its permits can be taken.
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
    let p = sem.try_acquire_many(u32::MAX).unwrap();
    assert_eq!(
        sem.available_permits(),
        Semaphore::MAX_PERMITS - u32::MAX as usize
    );
    drop(p);
    assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn add_permits_beyond_max_panics() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    let msg = panic_message(|| sem.add_permits(1));
    assert!(msg.contains("would overflow MAX_PERMITS"), "{msg}");
}

#[test]
fn interval_of_zero_panics_with_tokios_message() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let msg = panic_message(|| {
        rt.block_on(async {
            let _ = magpie::time::interval(Duration::ZERO);
        })
    });
    assert_eq!(msg, "`period` must be non-zero.");
    let msg = panic_message(|| {
        rt.block_on(async {
            let _ = magpie::time::interval_at(magpie::time::Instant::now(), Duration::ZERO);
        })
    });
    assert_eq!(msg, "`period` must be non-zero.");
}

#[test]
fn mpsc_channel_of_zero_panics_with_tokios_message() {
    let msg = panic_message(|| {
        let _ = mpsc::channel::<u8>(0);
    });
    assert_eq!(msg, "mpsc bounded channel requires buffer > 0");
}

#[test]
fn acquire_many_beyond_what_the_semaphore_holds_waits_until_permits_are_added() {
    // tokio: acquiring more than is available waits (permits may be added later); it is not
    // an error. Closing the semaphore releases the waiter with an error.
    let sem = Arc::new(Semaphore::new(1));
    assert_eq!(
        sem.try_acquire_many(2).unwrap_err(),
        TryAcquireError::NoPermits
    );
    {
        let mut fut = pin!(sem.acquire_many(u32::MAX));
        assert!(poll_once(fut.as_mut()).is_pending());
        sem.add_permits(u32::MAX as usize - 1);
        let permit = match poll_once(fut.as_mut()) {
            Poll::Ready(p) => p.unwrap(),
            Poll::Pending => panic!("enough permits were added"),
        };
        assert_eq!(permit.num_permits(), u32::MAX as usize);
        assert_eq!(sem.available_permits(), 0);
    }
    assert_eq!(sem.available_permits(), u32::MAX as usize);

    let small = Semaphore::new(3);
    let mut fut = pin!(small.acquire_many(4));
    assert!(poll_once(fut.as_mut()).is_pending());
    small.close();
    match poll_once(fut.as_mut()) {
        Poll::Ready(r) => assert!(r.is_err(), "a closed semaphore gives AcquireError"),
        Poll::Pending => panic!("close must release the waiter"),
    }
    // The waiter gave back nothing it did not own.
    assert_eq!(small.available_permits(), 3);
}

#[test]
fn nested_block_on_panics_with_tokios_message() {
    const MSG: &str = "Cannot start a runtime from within a runtime.";
    for mut builder in [Builder::new_multi_thread(), Builder::new_current_thread()] {
        let outer = builder.worker_threads(1).enable_all().build().unwrap();
        let inner = Builder::new_current_thread().build().unwrap();
        let msg = panic_message(|| outer.block_on(async { inner.block_on(async {}) }));
        assert!(msg.starts_with(MSG), "{msg}");
        // Same from inside a spawned task: the panic becomes the task's JoinError.
        let inner = Arc::new(inner);
        let i2 = inner.clone();
        let err = outer
            .block_on(outer.spawn(async move { i2.block_on(async { 1 }) }))
            .unwrap_err();
        assert!(err.is_panic());
        let payload = err.into_panic();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap();
        assert!(msg.starts_with(MSG), "{msg}");
        // Both runtimes still work afterwards.
        assert_eq!(outer.block_on(async { 7 }), 7);
        assert_eq!(inner.block_on(async { 8 }), 8);
        // The runtime must be dropped outside async context.
        drop(outer);
    }
}

#[test]
fn dropping_a_runtime_inside_async_context_panics() {
    let outer = Builder::new_current_thread().build().unwrap();
    let inner = Builder::new_current_thread().build().unwrap();
    let msg = panic_message(|| outer.block_on(async move { drop(inner) }));
    assert!(
        msg.starts_with("Cannot drop a runtime in a context where blocking is not allowed"),
        "{msg}"
    );
}
