//! `join!`: waits on several futures at once, in the calling task.
//!
//! The macro munches its arguments one at a time, tagging each future with as many `_`
//! tokens as there are futures before it. The expansion keeps all futures in one tuple and
//! reaches the n-th with the pattern `(_, .., _, fut, ..)` built from those tokens, so the
//! `join!` future holds the tuple plus a single reference to it.

/// Waits on multiple concurrent branches, returning when **all** branches complete.
///
/// The futures (anything implementing [`IntoFuture`](std::future::IntoFuture)) are polled
/// concurrently in the current task, so they run concurrently but never in parallel; use
/// `spawn` for parallelism. The output is a tuple of their outputs, in argument order.
///
/// Each poll starts with the next future in turn, so no future can starve the others.
/// Start with `biased;` to always poll them in the order written instead.
///
/// # Examples
///
/// ```
/// async fn do_stuff_async() -> u32 {
///     1
/// }
///
/// async fn more_async_work() -> &'static str {
///     "two"
/// }
///
/// #[magpie::main]
/// async fn main() {
///     let (first, second) = magpie::join!(do_stuff_async(), more_async_work());
///     assert_eq!((first, second), (1, "two"));
///
///     // `biased;` polls the futures in the order written, every time.
///     let (a, b) = magpie::join!(biased; async { 3 }, async { 4 });
///     assert_eq!(a + b, 7);
/// }
/// ```
#[macro_export]
macro_rules! join {
    // All futures collected: poll them.
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
            const COUNT: u32 = 0 $( + $crate::join!(@one $count) )*;
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
                        let fut = unsafe { ::core::pin::Pin::new_unchecked(fut) };
                        if ::core::future::Future::poll(fut, cx).is_pending() {
                            is_pending = true;
                        }
                    } else {
                        skip -= 1;
                    }
                )*
            }
            if is_pending {
                ::core::task::Poll::Pending
            } else {
                ::core::task::Poll::Ready(($({
                    let ( $($skip,)* fut, .. ) = &mut *futures;
                    // SAFETY: as above.
                    let fut = unsafe { ::core::pin::Pin::new_unchecked(fut) };
                    fut.take_output().expect("expected completed future")
                },)*))
            }
        })
        .await
    }};
    (@one $t:tt) => { 1 };
    // Munch one future, tagged with the `_`s counted so far.
    (@{ biased = $biased:tt; count = ( $($count:tt)* ); $($acc:tt)* } $e:expr, $($rest:tt)*) => {
        $crate::join!(@{ biased = $biased; count = ( $($count)* _ ); $($acc)* ( $($count)* ) $e, } $($rest)*)
    };
    (@{ biased = $biased:tt; count = ( $($count:tt)* ); $($acc:tt)* } $e:expr) => {
        $crate::join!(@{ biased = $biased; count = ( $($count)* _ ); $($acc)* ( $($count)* ) $e, })
    };
    (biased; $($rest:tt)+) => {
        $crate::join!(@{ biased = true; count = (); } $($rest)+)
    };
    (biased;) => { async {}.await };
    () => { async {}.await };
    ($($rest:tt)+) => {
        $crate::join!(@{ biased = false; count = (); } $($rest)+)
    };
}
