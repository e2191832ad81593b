//! `try_join!`: like `join!`, for futures returning `Result`, stopping at the first error.
//!
//! Same shape as `join!` (one tuple of futures reached by `_` patterns, rotating start),
//! plus a check after every completion: an `Err` output ends the macro at once, and the
//! futures still running are dropped when the expression finishes.

/// Waits on multiple concurrent branches, returning when **all** branches complete with
/// `Ok(_)` or on the first `Err(_)`.
///
/// All futures must return `Result<_, E>` with the same `E`. On success the output is
/// `Ok` of a tuple of the values, in argument order; on the first error it is that `Err`,
/// and the other futures are dropped (cancelled) right away. As with
/// [`join!`](crate::join), the futures run concurrently in the current task, each poll
/// starting with the next one in turn unless the list starts with `biased;`.
///
/// # Examples
///
/// ```
/// async fn fetch(n: u32) -> Result<u32, String> {
///     Ok(n)
/// }
///
/// async fn fail() -> Result<u32, String> {
///     Err("boom".to_string())
/// }
///
/// #[magpie::main]
/// async fn main() -> Result<(), String> {
///     let (a, b) = magpie::try_join!(fetch(1), fetch(2))?;
///     assert_eq!(a + b, 3);
///
///     // The first error wins; the other futures are dropped.
///     assert_eq!(magpie::try_join!(fetch(1), fail()), Err("boom".to_string()));
///     Ok(())
/// }
/// ```
#[macro_export]
macro_rules! try_join {
    (@{ biased = $biased:tt; count = ( $($count:tt)* ); $( ( $($skip:tt)* ) $e:expr, )* }) => {{
        // Written directly in a `let` tuple, temporaries such as the one in
        // `&mut ready(())` live to the end of the block; each is then moved out by field.
        let raw = ( $( ($e), )* );
        let mut futures = ( $( $crate::__macro_support::maybe_done({
            let ( $($skip,)* fut, .. ) = raw;
            fut
        }), )* );
        // The closure gets this reference, not the tuple: moving the `poll_fn` (it is
        // `Unpin`) must never move the pinned futures.
        let futures = &mut futures;
        let mut skip_next_time: u32 = 0;
        ::core::future::poll_fn(move |cx: &mut ::core::task::Context<'_>| {
            const COUNT: u32 = 0 $( + $crate::try_join!(@one $count) )*;
            let mut is_pending = false;
            let mut to_run = COUNT;
            let mut skip = if $biased { 0 } else { skip_next_time };
            skip_next_time = if skip + 1 == COUNT { 0 } else { skip + 1 };
            loop {
                $(
                    if skip == 0 {
                        if to_run == 0 {
                            break;
                        }
                        to_run -= 1;
                        let ( $($skip,)* fut, .. ) = &mut *futures;
                        // SAFETY: the tuple is a local of the enclosing async block, which is
                        // pinned while polled; it is reached only through `futures`, never
                        // moved, and dropped in place when the block ends.
                        let mut fut = unsafe { ::core::pin::Pin::new_unchecked(fut) };
                        if ::core::future::Future::poll(fut.as_mut(), cx).is_pending() {
                            is_pending = true;
                        } else if fut.as_mut().output_mut().is_some_and(|out| out.is_err()) {
                            return ::core::task::Poll::Ready(::core::result::Result::Err(
                                fut.take_output()
                                    .expect("expected completed future")
                                    .err()
                                    .expect("expected Err"),
                            ));
                        }
                    } else {
                        skip -= 1;
                    }
                )*
            }
            if is_pending {
                ::core::task::Poll::Pending
            } else {
                ::core::task::Poll::Ready(::core::result::Result::Ok(($({
                    let ( $($skip,)* fut, .. ) = &mut *futures;
                    // SAFETY: as above.
                    let fut = unsafe { ::core::pin::Pin::new_unchecked(fut) };
                    fut.take_output()
                        .expect("expected completed future")
                        .ok()
                        .expect("expected Ok(_)")
                },)*)))
            }
        })
        .await
    }};
    (@one $t:tt) => { 1 };
    (@{ biased = $biased:tt; count = ( $($count:tt)* ); $($acc:tt)* } $e:expr, $($rest:tt)*) => {
        $crate::try_join!(@{ biased = $biased; count = ( $($count)* _ ); $($acc)* ( $($count)* ) $e, } $($rest)*)
    };
    (@{ biased = $biased:tt; count = ( $($count:tt)* ); $($acc:tt)* } $e:expr) => {
        $crate::try_join!(@{ biased = $biased; count = ( $($count)* _ ); $($acc)* ( $($count)* ) $e, })
    };
    (biased; $($rest:tt)+) => {
        $crate::try_join!(@{ biased = true; count = (); } $($rest)+)
    };
    (biased;) => { async { ::core::result::Result::Ok(()) }.await };
    () => { async { ::core::result::Result::Ok(()) }.await };
    ($($rest:tt)+) => {
        $crate::try_join!(@{ biased = false; count = (); } $($rest)+)
    };
}
