//! `pin!`: pins values on the stack, shadowing the original bindings.

/// Pins a value on the stack.
///
/// `pin!(a, b)` replaces each named variable with a `Pin<&mut T>` to its value, so
/// `!Unpin` futures can be polled by reference (`(&mut fut).await`, or inside `select!`).
/// `pin! { let x = expr; }` declares and pins in one step.
///
/// # Examples
///
/// ```
/// #[magpie::main]
/// async fn main() {
///     let fut = async { 5 };
///     magpie::pin!(fut);
///     // `fut` is now a `Pin<&mut _>`: poll it by reference.
///     assert_eq!((&mut fut).await, 5);
///
///     magpie::pin! {
///         let other = async { 6 };
///     }
///     assert_eq!(other.as_mut().await, 6);
/// }
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        #[allow(unused_mut)]
        let mut $x = ::core::pin::pin!($x);
    )* };
    ($(
        let $x:ident = $init:expr;
    )*) => { $(
        let $x = $init;
        $crate::pin!($x);
    )* };
}
