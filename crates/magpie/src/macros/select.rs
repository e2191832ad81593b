//! `select!`: waits on several branches, running the handler of the first to complete.
//!
//! This declarative macro parses tokio's branch grammar and normalizes each branch into
//! `[ (pattern) (future) (precondition) (handler) ]`; `magpie_macros::select_expand!`
//! generates the code (the output enum, the polling loop and the handler `match`).

/// Waits on multiple concurrent branches, returning when the **first** branch completes,
/// cancelling the remaining branches.
///
/// Each branch is `<pattern> = <async expression> (, if <precondition>)? => <handler>,`
/// and an optional last `else => <expression>` branch. In order:
///
/// 1. All preconditions are evaluated; a branch whose precondition is `false` is disabled.
/// 2. All async expressions are evaluated (also those of disabled branches), and the
///    resulting futures (anything `IntoFuture`) are taken by value and pinned; pass
///    `&mut fut` to keep a future alive across `select!`s.
/// 3. The enabled futures are polled concurrently, starting from a random branch each
///    time (start the macro with `biased;` to poll them in the order written).
/// 4. When a future completes, its output is matched against the branch's pattern. On a
///    match, the other futures are dropped and the handler runs with the pattern's
///    bindings; on a mismatch, the branch is disabled and the others keep going.
/// 5. If every branch is disabled, the `else` expression is the result; without an
///    `else` branch, `select!` panics with "all branches are disabled and there is no else
///    branch".
///
/// Handlers run outside the polling code, so `return`, `break`, `continue`, `?` and
/// `.await` inside them act on the surrounding function or loop. At most 64 branches.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// #[magpie::main]
/// async fn main() {
///     let (tx, mut rx) = magpie::sync::mpsc::channel::<u32>(8);
///     magpie::spawn(async move {
///         for i in 1..=3 {
///             tx.send(i).await.unwrap();
///         }
///     });
///
///     // `Some(v)` does not match once the channel is closed and empty: that branch is
///     // then disabled, and with no branch left, `else` ends the loop.
///     let mut sum = 0;
///     loop {
///         magpie::select! {
///             Some(v) = rx.recv() => sum += v,
///             else => break,
///         }
///     }
///     assert_eq!(sum, 6);
///
///     // Race a computation against a deadline; the loser is dropped.
///     let answer = magpie::select! {
///         v = async { 42 } => Some(v),
///         _ = magpie::time::sleep(Duration::from_secs(5)) => None,
///     };
///     assert_eq!(answer, Some(42));
/// }
/// ```
#[macro_export]
macro_rules! select {
    // Done, with an `else` branch.
    (@{ biased = $biased:tt; ( $($branches:tt)* ) } else => $else:expr $(,)?) => {
        $crate::__macro_support::select_expand! {
            crate = $crate;
            biased = $biased;
            branches = ( $($branches)* );
            else = ( $else );
        }
    };
    // Done, without one.
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }) => {
        $crate::__macro_support::select_expand! {
            crate = $crate;
            biased = $biased;
            branches = ( $($branches)* );
            else = ();
        }
    };
    // A branch with a precondition and a block handler.
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }
        $p:pat = $f:expr, if $c:expr => $h:block, $($rest:tt)*) => {
        $crate::select!(@{ biased = $biased; ( $($branches)* [ ($p) ($f) ($c) ($h) ] ) } $($rest)*)
    };
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }
        $p:pat = $f:expr, if $c:expr => $h:block $($rest:tt)*) => {
        $crate::select!(@{ biased = $biased; ( $($branches)* [ ($p) ($f) ($c) ($h) ] ) } $($rest)*)
    };
    // A branch with a block handler.
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }
        $p:pat = $f:expr => $h:block, $($rest:tt)*) => {
        $crate::select!(@{ biased = $biased; ( $($branches)* [ ($p) ($f) () ($h) ] ) } $($rest)*)
    };
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }
        $p:pat = $f:expr => $h:block $($rest:tt)*) => {
        $crate::select!(@{ biased = $biased; ( $($branches)* [ ($p) ($f) () ($h) ] ) } $($rest)*)
    };
    // A branch with a precondition and an expression handler.
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }
        $p:pat = $f:expr, if $c:expr => $h:expr, $($rest:tt)*) => {
        $crate::select!(@{ biased = $biased; ( $($branches)* [ ($p) ($f) ($c) ($h) ] ) } $($rest)*)
    };
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }
        $p:pat = $f:expr, if $c:expr => $h:expr) => {
        $crate::select!(@{ biased = $biased; ( $($branches)* [ ($p) ($f) ($c) ($h) ] ) })
    };
    // A branch with an expression handler.
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }
        $p:pat = $f:expr => $h:expr, $($rest:tt)*) => {
        $crate::select!(@{ biased = $biased; ( $($branches)* [ ($p) ($f) () ($h) ] ) } $($rest)*)
    };
    (@{ biased = $biased:tt; ( $($branches:tt)* ) }
        $p:pat = $f:expr => $h:expr) => {
        $crate::select!(@{ biased = $biased; ( $($branches)* [ ($p) ($f) () ($h) ] ) })
    };
    // Nothing above matched: let the generator point at the branch that does not parse.
    (@{ $($state:tt)* } $($rest:tt)*) => {
        $crate::__macro_support::select_expand! { invalid = ( $($rest)* ); }
    };
    // Entry points. An `else` alone needs no future: it is the value (as in tokio).
    ($(biased;)? else => $else:expr $(,)?) => {{
        $else
    }};
    () => {
        ::core::compile_error!("select! requires at least one branch.")
    };
    (biased;) => {
        ::core::compile_error!("select! requires at least one branch.")
    };
    (biased; $($rest:tt)+) => {
        $crate::select!(@{ biased = true; () } $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::select!(@{ biased = false; () } $($rest)+)
    };
}
