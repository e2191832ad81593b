//! `#[tokio::main]` and `#[tokio::test]` for the `tokio` shim over Magpie.
//!
//! Magpie's own attributes expand to paths under `::magpie`, a crate the shim's users do not
//! depend on. These attributes re-emit magpie's attribute (reached through the shim as
//! `::tokio::__magpie::{main, test}`) with `crate = "::tokio"` added, so the expansion names
//! `::tokio::runtime::Builder` and friends, which the shim re-exports. A `crate = ...` the
//! user wrote is kept as is (tokio's attributes accept the same option).

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]

use proc_macro::{Delimiter, Group, Punct, Spacing, Span, TokenStream, TokenTree};

/// Marks an `async fn` as the program's entry point, run on a Magpie runtime: tokio's
/// `#[tokio::main]`, with the same options (`flavor`, `worker_threads`, `start_paused`,
/// `crate`).
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    forward("main", args, item)
}

/// Marks an `async fn` as a test run on a Magpie runtime: tokio's `#[tokio::test]`, with the
/// same options.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    forward("test", args, item)
}

/// `#[::tokio::__magpie::<name>(<args>, crate = "::tokio")] <item>`.
fn forward(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut args: Vec<TokenTree> = args.into_iter().collect();
    if !names_crate(&args) {
        if !args.is_empty() && !ends_with_comma(&args) {
            args.push(punct(','));
        }
        let extra: TokenStream = "crate = \"::tokio\"".parse().expect("valid tokens");
        args.extend(extra);
    }
    let path: TokenStream = format!("::tokio::__magpie::{name}")
        .parse()
        .expect("valid path");
    let mut attr = path;
    attr.extend([TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        args.into_iter().collect(),
    ))]);
    let mut out: TokenStream = [
        punct('#'),
        TokenTree::Group(Group::new(Delimiter::Bracket, attr)),
    ]
    .into_iter()
    .collect();
    out.extend(item);
    out
}

/// Whether the arguments already hold a top-level `crate = ...`.
fn names_crate(args: &[TokenTree]) -> bool {
    args.windows(2).any(|w| {
        matches!((&w[0], &w[1]),
            (TokenTree::Ident(i), TokenTree::Punct(p)) if i.to_string() == "crate" && p.as_char() == '=')
    })
}

fn ends_with_comma(args: &[TokenTree]) -> bool {
    matches!(args.last(), Some(TokenTree::Punct(p)) if p.as_char() == ',')
}

fn punct(c: char) -> TokenTree {
    let mut p = Punct::new(c, Spacing::Alone);
    p.set_span(Span::call_site());
    TokenTree::Punct(p)
}
