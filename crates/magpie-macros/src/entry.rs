//! Rewriting `async fn`s for `#[magpie::main]` and `#[magpie::test]`.
//!
//! The function keeps its attributes, visibility, name and return type; its body becomes
//! an `async` block handed to a freshly built runtime's `block_on`. The return value flows
//! out of `block_on`, so `-> Result<(), E>` with `?` inside works as in the async version.
//!
//! On any error the original function is emitted next to the `compile_error!`s, so the
//! rest of the crate still type-checks and the user sees only the errors that matter.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::spanned::Spanned;

use crate::config::{parse_config, Config, Flavor, Kind};

/// Expands `#[magpie::main]` / `#[magpie::test]` on `item`.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => return with_error(item, e),
    };

    let mut errors = check_signature(kind, &function).err();
    let config = match parse_config(kind, args) {
        Ok(config) => Some(config),
        Err(e) => {
            combine(&mut errors, e);
            None
        }
    };
    match (errors, config) {
        (None, Some(config)) => rewrite(kind, &config, &mut function),
        (errors, _) => {
            // Strip `async` so that rustc does not add "`main` function is not allowed to
            // be `async`" to the real errors; the body is dropped for the same reason.
            function.sig.asyncness = None;
            if kind == Kind::Test || function.sig.ident == "main" {
                // Their arguments are an error already reported; don't add rustc's own.
                function.sig.inputs.clear();
            }
            function
                .attrs
                .push(syn::parse_quote!(#[allow(unused_variables, dead_code)]));
            *function.block = syn::parse_quote!({ ::core::unimplemented!() });
            let error = errors.expect("an error was recorded").to_compile_error();
            quote!(#error #function)
        }
    }
}

fn with_error(item: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #item)
}

fn combine(slot: &mut Option<syn::Error>, error: syn::Error) {
    match slot {
        Some(all) => all.combine(error),
        None => *slot = Some(error),
    }
}

/// Checks what the rewrite cannot handle: a non-`async` fn, arguments to `main`/tests,
/// and a second test attribute.
fn check_signature(kind: Kind, function: &syn::ItemFn) -> syn::Result<()> {
    let mut errors = None;
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        combine(
            &mut errors,
            syn::Error::new(
                sig.fn_token.span(),
                "the `async` keyword is missing from the function declaration",
            ),
        );
    }
    if !sig.inputs.is_empty() {
        let message = match kind {
            Kind::Test => Some("the test function cannot accept arguments"),
            Kind::Main if sig.ident == "main" => Some("the main function cannot accept arguments"),
            Kind::Main => None,
        };
        if let Some(message) = message {
            combine(&mut errors, syn::Error::new(sig.inputs.span(), message));
        }
    }
    if kind == Kind::Test {
        if let Some(attr) = function.attrs.iter().find(|a| is_test_attribute(a)) {
            combine(
                &mut errors,
                syn::Error::new(
                    attr.span(),
                    "second test attribute is supplied, consider removing or changing the order of your test attributes",
                ),
            );
        }
    }
    errors.map_or(Ok(()), Err)
}

/// `#[test]`, `#[core::prelude::v1::test]` and friends: what `#[magpie::test]` would add.
fn is_test_attribute(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.as_slice() {
        [only] => only == "test",
        [first, .., last] => (first == "core" || first == "std") && last == "test",
        [] => false,
    }
}

fn rewrite(kind: Kind, config: &Config, function: &mut syn::ItemFn) -> TokenStream {
    let krate = &config.crate_path;
    let builder = match config.flavor {
        Flavor::CurrentThread => quote!(#krate::runtime::Builder::new_current_thread()),
        Flavor::MultiThread => quote!(#krate::runtime::Builder::new_multi_thread()),
        Flavor::Local => quote!(#krate::runtime::Builder::new_current_thread()),
    };
    let build = match config.flavor {
        Flavor::Local => quote!(build_local(::core::default::Default::default())),
        _ => quote!(build()),
    };
    let name = config
        .name
        .as_ref()
        .map(|n| quote!(.name(#n)))
        .unwrap_or_default();
    let worker_threads = config
        .worker_threads
        .map(|n| quote!(.worker_threads(#n)))
        .unwrap_or_default();
    let start_paused = if config.start_paused {
        quote!(.start_paused(true))
    } else {
        quote!()
    };

    function.sig.asyncness = None;
    let body = &function.block;
    let new_body: syn::Block = syn::parse_quote!({
        let body = async #body;
        #[allow(
            clippy::expect_used,
            clippy::diverging_sub_expression,
            clippy::needless_return,
            clippy::unwrap_in_result
        )]
        {
            return #builder
                #worker_threads
                #name
                .enable_all()
                #start_paused
                .#build
                .expect("Failed building the Runtime")
                .block_on(body);
        }
    });
    *function.block = new_body;

    let test_attr = match kind {
        Kind::Test => quote!(#[::core::prelude::v1::test]),
        Kind::Main => quote!(),
    };
    let mut out = test_attr;
    function.to_tokens(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        expand(kind, args, item).to_string()
    }

    #[test]
    fn main_builds_multi_thread_runtime() {
        let out = expand_str(
            Kind::Main,
            quote!(worker_threads = 2),
            quote!(
                async fn main() -> Result<(), String> {
                    Ok(())
                }
            ),
        );
        assert!(
            out.contains(":: magpie :: runtime :: Builder :: new_multi_thread ()"),
            "{out}"
        );
        assert!(out.contains(". worker_threads (2usize)"), "{out}");
        assert!(out.contains(". enable_all ()"), "{out}");
        assert!(
            out.contains("fn main () -> Result < () , String >"),
            "{out}"
        );
        assert!(!out.contains("async fn"), "{out}");
        assert!(!out.contains("test"), "{out}");
    }

    #[test]
    fn test_builds_current_thread_runtime_and_adds_test() {
        let out = expand_str(
            Kind::Test,
            quote!(start_paused = true, crate = "reexport::magpie"),
            quote!(
                async fn it_works() {}
            ),
        );
        assert!(
            out.starts_with("# [:: core :: prelude :: v1 :: test]"),
            "{out}"
        );
        assert!(
            out.contains("reexport :: magpie :: runtime :: Builder :: new_current_thread ()"),
            "{out}"
        );
        assert!(out.contains(". start_paused (true)"), "{out}");
        assert!(!out.contains("worker_threads"), "{out}");
    }

    #[test]
    fn signature_errors() {
        let out = expand_str(
            Kind::Main,
            quote!(),
            quote!(
                fn main() {}
            ),
        );
        assert!(
            out.contains("the `async` keyword is missing from the function declaration"),
            "{out}"
        );
        let out = expand_str(
            Kind::Test,
            quote!(),
            quote!(
                async fn t(x: u8) {}
            ),
        );
        assert!(
            out.contains("the test function cannot accept arguments"),
            "{out}"
        );
        let out = expand_str(
            Kind::Main,
            quote!(),
            quote!(
                async fn main(x: u8) {}
            ),
        );
        assert!(
            out.contains("the main function cannot accept arguments"),
            "{out}"
        );
        // A non-main function may take arguments.
        let out = expand_str(
            Kind::Main,
            quote!(),
            quote!(
                async fn run(x: u8) {}
            ),
        );
        assert!(!out.contains("compile_error"), "{out}");
        let out = expand_str(
            Kind::Test,
            quote!(),
            quote!(
                #[test]
                async fn t() {}
            ),
        );
        assert!(out.contains("second test attribute is supplied"), "{out}");
    }

    #[test]
    fn errors_keep_the_function_without_async() {
        let out = expand_str(
            Kind::Main,
            quote!(flavor = "x"),
            quote!(
                async fn main() {
                    1
                }
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("fn main ()"), "{out}");
        assert!(!out.contains("async"), "{out}");
    }
}
