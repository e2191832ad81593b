//! `join!`: waits on several futures at once, in the calling task.
//!
//! The macro munches its arguments one at a time. Every step introduces a binding named
//! `fut`; because each step is a separate expansion, macro hygiene makes every `fut` a
//! distinct variable, which gives each future its own pinned stack slot without unsafe
//! code and without counting tuple indices.

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
/// # futures::executor::block_on(async {
/// async fn one() -> u32 { 1 }
/// async fn two() -> &'static str { "two" }
///
/// let (a, b) = magpie::join!(one(), two());
/// assert_eq!((a, b), (1, "two"));
///
/// let (c,) = magpie::join!(biased; async { 3 });
/// assert_eq!(c, 3);
/// # });
/// ```
#[macro_export]
macro_rules! join {
    // All futures collected: poll them.
    (@{ biased = $biased:tt; $( [$fut:ident] $e:expr, )* }) => {{
        $( let mut $fut = ::core::pin::pin!($crate::__macro_support::maybe_done($e)); )*
        let mut skip_next_time: usize = 0;
        ::core::future::poll_fn(move |cx: &mut ::core::task::Context<'_>| {
            const COUNT: usize = 0 $( + $crate::join!(@one $fut) )*;
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
                        if ::core::future::Future::poll($fut.as_mut(), cx).is_pending() {
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
                ::core::task::Poll::Ready(($(
                    $fut.as_mut().take_output().expect("expected completed future"),
                )*))
            }
        })
        .await
    }};
    (@one $t:tt) => { 1 };
    // Munch one future, tagging it with a fresh hygienic `fut`.
    (@{ biased = $biased:tt; $($acc:tt)* } $e:expr, $($rest:tt)*) => {
        $crate::join!(@{ biased = $biased; $($acc)* [fut] $e, } $($rest)*)
    };
    (@{ biased = $biased:tt; $($acc:tt)* } $e:expr) => {
        $crate::join!(@{ biased = $biased; $($acc)* [fut] $e, })
    };
    (biased; $($rest:tt)+) => {
        $crate::join!(@{ biased = true; } $($rest)+)
    };
    (biased;) => { async {}.await };
    () => { async {}.await };
    ($($rest:tt)+) => {
        $crate::join!(@{ biased = false; } $($rest)+)
    };
}
