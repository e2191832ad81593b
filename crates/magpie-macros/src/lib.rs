//! Magpie's procedural macros.
//!
//! Users reach these through the `magpie` facade: `#[magpie::main]` and `#[magpie::test]`
//! turn an `async fn` into a plain function that builds a runtime and blocks on the body.
//! The hidden `select_expand!` is the code generator behind `magpie::select!`: the
//! declarative macro in the facade parses tokio's branch grammar and hands the normalized
//! branches here, where counting them, declaring the output enum and cleaning the patterns
//! is easy.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod config;
mod entry;
mod select;

use proc_macro::TokenStream;

/// Marks an `async fn` as the program's entry point, run on a magpie runtime.
///
/// The function is rewritten into a synchronous one that builds a runtime with
/// `magpie::runtime::Builder`, enables all drivers and blocks on the original body. The
/// return type is kept, so `async fn main() -> Result<(), E>` works as usual.
///
/// Options (all optional, comma separated):
/// - `flavor = "multi_thread"` (the default) or `flavor = "current_thread"`;
/// - `worker_threads = N` (multi-thread flavor only, `N > 0`);
/// - `start_paused = true` (current-thread flavor only: starts with the clock paused);
/// - `crate = "path"`: where to find magpie when it is re-exported by another crate.
///
/// ```ignore
/// #[magpie::main(flavor = "multi_thread", worker_threads = 4)]
/// async fn main() {
///     println!("hello from a magpie runtime");
/// }
/// ```
///
/// is the same as
///
/// ```ignore
/// fn main() {
///     let body = async {
///         println!("hello from a magpie runtime");
///     };
///     return magpie::runtime::Builder::new_multi_thread()
///         .worker_threads(4)
///         .enable_all()
///         .build()
///         .expect("Failed building the Runtime")
///         .block_on(body);
/// }
/// ```
///
/// Mistakes are compile errors on the offending token: a missing `async`, arguments to
/// `main`, an unknown option (the message lists the valid ones), `worker_threads = 0`,
/// `worker_threads` with the current-thread flavor, `start_paused` with the multi-thread
/// flavor, an option given twice.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(config::Kind::Main, args.into(), item.into()).into()
}

/// Marks an `async fn` as a test, run on a fresh magpie runtime.
///
/// Takes the same options as [`macro@main`], but the default flavor is `current_thread`
/// (like tokio's). `#[test]` is added for you (adding it yourself is an error), other
/// attributes such as `#[should_panic]` are kept, and the test may return a `Result`. Each
/// test gets its own runtime, shut down when the test ends.
///
/// ```ignore
/// #[magpie::test]
/// async fn adds() {
///     assert_eq!(async { 1 + 1 }.await, 2);
/// }
///
/// #[magpie::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(config::Kind::Test, args.into(), item.into()).into()
}

/// Code generator behind `magpie::select!`; not meant to be called directly.
#[doc(hidden)]
#[proc_macro]
pub fn select_expand(input: TokenStream) -> TokenStream {
    select::expand(input.into()).into()
}
