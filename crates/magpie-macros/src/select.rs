//! Code generation for `magpie::select!`.
//!
//! The declarative `select!` in the facade parses tokio's grammar and calls this with the
//! branches normalized:
//!
//! ```text
//! crate = $crate; biased = false;
//! branches = ( [ (pattern) (future) (precondition or empty) (handler) ] ... );
//! else = ( expression or empty );
//! ```
//!
//! The generated code evaluates the preconditions, then every future expression (pinned on
//! the stack, taken by value), polls them from a random start (or in order when `biased`)
//! inside one `poll_fn`, and finally — after the futures have been dropped — runs the
//! winning branch's handler with the pattern's bindings. Handlers sit outside any closure,
//! so `return`, `break`, `continue`, `?` and `.await` in them mean what they mean around the
//! `select!`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{ParseStream, Parser};
use syn::{Pat, Token};

/// At most this many branches: the disabled set is a `u64` bit mask (tokio's limit too).
const MAX_BRANCHES: usize = 64;

struct Branch {
    pattern: Pat,
    future: TokenStream,
    precondition: Option<TokenStream>,
    handler: TokenStream,
}

struct Input {
    krate: TokenStream,
    biased: bool,
    branches: Vec<Branch>,
    otherwise: Option<TokenStream>,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    if let Some(rest) = invalid_branch(&input) {
        return rest;
    }
    match parse_input.parse2(input) {
        Ok(input) => generate(input),
        Err(e) => e.to_compile_error(),
    }
}

/// `invalid = (tokens)`: the declarative macro could not parse a branch starting at
/// `tokens`; report it there rather than on the whole `select!`.
fn invalid_branch(input: &TokenStream) -> Option<TokenStream> {
    let parse = |input: ParseStream<'_>| {
        keyword(input, "invalid")?;
        let rest = parenthesized(input)?;
        let _: Option<Token![;]> = input.parse()?;
        Ok(rest)
    };
    let rest = parse.parse2(input.clone()).ok()?;
    let message = if rest.is_empty() {
        "select!: expected a branch".to_string()
    } else {
        "select!: invalid branch; expected `<pattern> = <async expression> (, if <precondition>)? => <handler>,` or a last `else => <expression>`".to_string()
    };
    Some(syn::Error::new_spanned(rest, message).to_compile_error())
}

fn keyword(input: ParseStream<'_>, name: &str) -> syn::Result<()> {
    use syn::ext::IdentExt;
    let ident = syn::Ident::parse_any(input)?;
    if ident != name {
        return Err(syn::Error::new(ident.span(), format!("expected `{name}`")));
    }
    input.parse::<Token![=]>()?;
    Ok(())
}

fn parenthesized(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let content;
    syn::parenthesized!(content in input);
    content.parse()
}

fn parse_input(input: ParseStream<'_>) -> syn::Result<Input> {
    keyword(input, "crate")?;
    let mut krate = TokenStream::new();
    while !input.peek(Token![;]) {
        let tt: proc_macro2::TokenTree = input.parse()?;
        krate.extend([tt]);
    }
    input.parse::<Token![;]>()?;

    keyword(input, "biased")?;
    let biased: syn::LitBool = input.parse()?;
    input.parse::<Token![;]>()?;

    keyword(input, "branches")?;
    let list;
    syn::parenthesized!(list in input);
    let mut branches = Vec::new();
    while !list.is_empty() {
        let branch;
        syn::bracketed!(branch in list);
        let pattern_tokens = parenthesized(&branch)?;
        let pattern = Parser::parse2(Pat::parse_multi_with_leading_vert, pattern_tokens)?;
        let future = parenthesized(&branch)?;
        let precondition = parenthesized(&branch)?;
        let handler = parenthesized(&branch)?;
        branches.push(Branch {
            pattern,
            future,
            precondition: (!precondition.is_empty()).then_some(precondition),
            handler,
        });
    }
    input.parse::<Token![;]>()?;

    keyword(input, "else")?;
    let otherwise = parenthesized(input)?;
    let _: Option<Token![;]> = input.parse()?;

    Ok(Input {
        krate,
        biased: biased.value,
        branches,
        otherwise: (!otherwise.is_empty()).then_some(otherwise),
    })
}

fn generate(input: Input) -> TokenStream {
    let Input {
        krate,
        biased,
        branches,
        otherwise,
    } = input;
    let count = branches.len();
    if count == 0 {
        return quote!(::core::compile_error!(
            "select! requires at least one branch."
        ));
    }
    if count > MAX_BRANCHES {
        return quote!(::core::compile_error!(
            "select! supports at most 64 branches."
        ));
    }

    // Locals are mixed-site so they can neither capture nor shadow the user's names.
    let local = |name: &str| syn::Ident::new(name, Span::mixed_site());
    let disabled = local("__select_disabled");
    let output = local("__select_output");
    let cx = local("__select_cx");
    let is_pending = local("__select_is_pending");
    let start = local("__select_start");
    let offset = local("__select_offset");
    let out = local("__select_out");
    let futures = local("__select_futures");
    let variants: Vec<syn::Ident> = (0..count).map(|i| format_ident!("_{}", i)).collect();
    let enum_name = quote!(__MagpieSelectOutput);
    let count_u32 = count as u32;
    // The smallest mask that fits: it lives in the `select!` future, so it adds to its size.
    let mask_type = match count {
        0..=8 => quote!(u8),
        9..=16 => quote!(u16),
        17..=32 => quote!(u32),
        _ => quote!(u64),
    };
    let mask = |i: usize| {
        let bit = 1u64 << i;
        quote!((#bit as #mask_type))
    };

    let preconditions = branches.iter().enumerate().filter_map(|(i, b)| {
        let mask = mask(i);
        b.precondition
            .as_ref()
            .map(|c| quote!(if !(#c) { #disabled |= #mask; }))
    });
    let future_exprs = branches.iter().map(|b| &b.future);
    let into_futures = (0..count).map(|i| {
        let index = syn::Index::from(i);
        quote!(::core::future::IntoFuture::into_future(#futures.#index))
    });
    let polls = branches
        .iter()
        .zip(&variants)
        .enumerate()
        .map(|(i, (b, v))| {
            let mask = mask(i);
            let index = syn::Index::from(i);
            let mut check = b.pattern.clone();
            clean_pattern(&mut check);
            quote! {
                // A branch whose future returns `!` makes everything after the poll dead.
                #[allow(unreachable_code)]
                #i => {
                    if #disabled & #mask != 0 {
                        continue;
                    }
                    // SAFETY: the tuple is a local of the enclosing async block, which
                    // is pinned while it is polled; the tuple is only reached through this
                    // reference, never moved, and dropped in place when the block ends.
                    let #out = unsafe { ::core::pin::Pin::new_unchecked(&mut #futures.#index) };
                    let #out = match ::core::future::Future::poll(#out, #cx) {
                        ::core::task::Poll::Ready(#out) => #out,
                        ::core::task::Poll::Pending => {
                            #is_pending = true;
                            continue;
                        }
                    };
                    // Completed: never poll it again, whether or not the pattern matches.
                    #disabled |= #mask;
                    #[allow(unused_variables, unused_mut, unreachable_patterns, clippy::match_single_binding)]
                    match &#out {
                        #check => {}
                        _ => continue,
                    }
                    return ::core::task::Poll::Ready(#enum_name::#v(#out));
                }
            }
        });
    let start_expr = if biased {
        quote!(0usize)
    } else {
        quote!(#krate::__macro_support::thread_rng_n(#count_u32) as usize)
    };
    let handlers = branches.iter().zip(&variants).map(|(b, v)| {
        let pattern = &b.pattern;
        let handler = &b.handler;
        quote!(#enum_name::#v(#pattern) => #handler,)
    });
    let otherwise = otherwise.unwrap_or_else(|| {
        quote!(::core::panic!(
            "all branches are disabled and there is no else branch"
        ))
    });

    quote! {{
        #[allow(non_camel_case_types, clippy::enum_variant_names)]
        enum #enum_name<#(#variants),*> {
            #(#variants(#variants),)*
            Disabled,
        }

        let mut #disabled: #mask_type = 0;
        #(#preconditions)*
        // `mut`, so that `ref mut` bindings in the handler patterns work.
        #[allow(unused_mut)]
        let mut #output = {
            // The futures stay in this frame; the closure only borrows them, so moving the
            // `poll_fn` (which is `Unpin`) can never move a pinned future.
            // Written directly in a `let` tuple, temporaries such as the one in
            // `&mut ready(())` live to the end of this block; `into_future` comes after.
            let #futures = ( #((#future_exprs),)* );
            let mut #futures = ( #(#into_futures,)* );
            let #futures = &mut #futures;
            ::core::future::poll_fn(move |#cx: &mut ::core::task::Context<'_>| {
                ::core::task::ready!(#krate::__macro_support::poll_budget_available(#cx));
                let mut #is_pending = false;
                let #start: usize = #start_expr;
                for #offset in 0..#count {
                    #[allow(clippy::modulo_one)]
                    match (#start + #offset) % #count {
                        #(#polls)*
                        _ => ::core::unreachable!("select! branch index out of range"),
                    }
                }
                if #is_pending {
                    ::core::task::Poll::Pending
                } else {
                    ::core::task::Poll::Ready(#enum_name::Disabled)
                }
            })
            .await
        };
        #[allow(unreachable_patterns)]
        match #output {
            #(#handlers)*
            #enum_name::Disabled => #otherwise,
            _ => ::core::unreachable!("select! failed to match the pattern of a completed branch"),
        }
    }}
}

/// Rewrites `pattern` so that matching it against a *reference* to the output tests the
/// same shape without moving or binding by value: `ref`/`mut` binding modes are removed
/// and default binding modes do the rest.
fn clean_pattern(pattern: &mut Pat) {
    match pattern {
        Pat::Ident(ident) => {
            ident.by_ref = None;
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                clean_pattern(sub);
            }
        }
        Pat::Or(or) => or.cases.iter_mut().for_each(clean_pattern),
        Pat::Paren(paren) => clean_pattern(&mut paren.pat),
        Pat::Reference(reference) => {
            reference.mutability = None;
            clean_pattern(&mut reference.pat);
        }
        Pat::Slice(slice) => slice.elems.iter_mut().for_each(clean_pattern),
        Pat::Struct(strukt) => strukt
            .fields
            .iter_mut()
            .for_each(|field| clean_pattern(&mut field.pat)),
        Pat::Tuple(tuple) => tuple.elems.iter_mut().for_each(clean_pattern),
        Pat::TupleStruct(tuple) => tuple.elems.iter_mut().for_each(clean_pattern),
        Pat::Type(typed) => clean_pattern(&mut typed.pat),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn cleaned(pattern: TokenStream) -> String {
        let mut pat = Parser::parse2(Pat::parse_multi_with_leading_vert, pattern).unwrap();
        clean_pattern(&mut pat);
        pat.to_token_stream().to_string()
    }

    #[test]
    fn clean_pattern_removes_binding_modes() {
        assert_eq!(cleaned(quote!(mut x)), "x");
        assert_eq!(cleaned(quote!(ref mut x)), "x");
        assert_eq!(cleaned(quote!(Some(mut v))), "Some (v)");
        assert_eq!(
            cleaned(quote!(Ok((ref a, mut b)) | Err(mut a @ 1..=3))),
            "Ok ((a , b)) | Err (a @ 1 ..= 3)"
        );
        assert_eq!(cleaned(quote!(S { mut f, g: ref h })), "S { f , g : h }");
        assert_eq!(cleaned(quote!([mut a, ..])), "[a , ..]");
        assert_eq!(cleaned(quote!(&mut x)), "& x");
        assert_eq!(cleaned(quote!(_)), "_");
    }

    fn input(branches: TokenStream, otherwise: TokenStream) -> TokenStream {
        quote!(crate = ::magpie; biased = false; branches = (#branches); else = (#otherwise);)
    }

    #[test]
    fn generates_one_arm_per_branch() {
        let out = expand(input(
            quote!([(Some(mut v)) (rx.recv()) (ok) ({ v += 1; })] [(_) (sleep()) () (())]),
            quote!(),
        ))
        .to_string();
        assert!(
            out.contains("enum __MagpieSelectOutput < _0 , _1 >"),
            "{out}"
        );
        assert!(out.contains("if ! (ok)"), "{out}");
        assert!(out.contains("Some (v) => { }"), "{out}");
        assert!(
            out.contains("__MagpieSelectOutput :: _0 (Some (mut v)) =>"),
            "{out}"
        );
        assert!(out.contains("thread_rng_n (2u32)"), "{out}");
        assert!(
            out.contains("all branches are disabled and there is no else branch"),
            "{out}"
        );
    }

    #[test]
    fn biased_polls_in_order_and_else_replaces_the_panic() {
        let out = expand(quote!(
            crate = ::magpie; biased = true;
            branches = ([(x) (f) () (x)]);
            else = (7);
        ))
        .to_string();
        assert!(!out.contains("thread_rng_n"), "{out}");
        assert!(out.contains("Disabled => 7"), "{out}");
        assert!(!out.contains("no else branch"), "{out}");
    }

    #[test]
    fn branch_count_limits() {
        let none = expand(input(quote!(), quote!())).to_string();
        assert!(
            none.contains("select! requires at least one branch."),
            "{none}"
        );
        let many: TokenStream = (0..65).map(|_| quote!([(_)(f)()(())])).collect();
        let out = expand(input(many, quote!())).to_string();
        assert!(
            out.contains("select! supports at most 64 branches."),
            "{out}"
        );
        let max: TokenStream = (0..64).map(|_| quote!([(_)(f)()(())])).collect();
        let out = expand(input(max, quote!())).to_string();
        assert!(out.contains("_63"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }
}
