//! Parsing and validating the options of `#[magpie::main(...)]` / `#[magpie::test(...)]`.
//!
//! The attribute arguments are a comma-separated list of `name = literal` items. Every
//! mistake is reported on the token that caused it, with tokio's wording where tokio has
//! one, so moving from tokio does not change what a user reads.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Lit, Token};

/// Which attribute is being expanded: they differ in defaults and in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "main",
            Kind::Test => "test",
        }
    }

    fn default_flavor(self) -> Flavor {
        match self {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        }
    }
}

/// The runtime flavor the expansion builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
    /// A `LocalRuntime` (current-thread, `!Send` tasks via `spawn_local`), as tokio's
    /// `flavor = "local"`.
    Local,
}

/// The validated options.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) start_paused: bool,
    pub(crate) crate_path: syn::Path,
    /// The runtime's name (`Builder::name`), as tokio's `name = "..."`.
    pub(crate) name: Option<String>,
}

const VALID_OPTIONS: &str = "`flavor`, `worker_threads`, `start_paused`, `crate`, `name`";

/// One `name = value` item as written, before validation.
struct Item {
    name: Ident,
    value: Option<Lit>,
}

/// Parses and validates the attribute arguments of `#[magpie::<kind>(args)]`.
pub(crate) fn parse_config(kind: Kind, args: TokenStream) -> syn::Result<Config> {
    let items = parse_items.parse2(args)?;

    let mut flavor: Option<(Flavor, Span)> = None;
    let mut worker_threads: Option<(usize, Span)> = None;
    let mut start_paused: Option<(bool, Span)> = None;
    let mut crate_path: Option<syn::Path> = None;
    let mut rt_name: Option<String> = None;
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };

    for item in items {
        let name = item.name.unraw().to_string();
        let Some(value) = item.value else {
            push(missing_value(kind, &item.name, &name));
            continue;
        };
        let span = value.span();
        let result = match name.as_str() {
            "flavor" => set_once(&mut flavor, &item.name, || {
                parse_flavor(&value).map(|f| (f, span))
            }),
            "worker_threads" => set_once(&mut worker_threads, &item.name, || {
                parse_worker_threads(&value).map(|n| (n, span))
            }),
            "start_paused" => set_once(&mut start_paused, &item.name, || {
                parse_bool("start_paused", &value).map(|b| (b, span))
            }),
            "crate" => set_once(&mut crate_path, &item.name, || parse_crate_path(&value)),
            "name" => set_once(&mut rt_name, &item.name, || parse_name(&value)),
            _ => Err(syn::Error::new(
                item.name.span(),
                format!("Unknown attribute {name} is specified; expected one of: {VALID_OPTIONS}"),
            )),
        };
        if let Err(e) = result {
            push(e);
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }

    let flavor_value = flavor.map_or(kind.default_flavor(), |(f, _)| f);
    if let (Flavor::CurrentThread | Flavor::Local, Some((_, span))) = (flavor_value, worker_threads)
    {
        let hint = if flavor.is_some() {
            ""
        } else {
            " (the default flavor of `#[magpie::test]` is `current_thread`)"
        };
        return Err(syn::Error::new(
            span,
            format!(
                "The `worker_threads` option requires the `multi_thread` runtime flavor. \
                     Use `#[magpie::{}(flavor = \"multi_thread\")]`{hint}",
                kind.name()
            ),
        ));
    }
    if let (Flavor::MultiThread, Some((true, span))) = (flavor_value, start_paused) {
        return Err(syn::Error::new(
            span,
            format!(
                "The `start_paused` option requires the `current_thread` runtime flavor. \
                 Use `#[magpie::{}(flavor = \"current_thread\")]`",
                kind.name()
            ),
        ));
    }

    Ok(Config {
        flavor: flavor_value,
        worker_threads: worker_threads.map(|(n, _)| n),
        start_paused: start_paused.is_some_and(|(b, _)| b),
        crate_path: crate_path.unwrap_or_else(|| syn::parse_quote!(::magpie)),
        name: rt_name,
    })
}

/// `name [= literal]` items separated by commas; names may be keywords (`crate`).
fn parse_items(input: ParseStream<'_>) -> syn::Result<Vec<Item>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        let name = Ident::parse_any(input).map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected an option such as `flavor = \"current_thread\"`; the options are {VALID_OPTIONS}"),
            )
        })?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse::<Lit>().map_err(|e| {
                syn::Error::new(e.span(), format!("expected a literal value for `{name}`"))
            })?)
        } else {
            None
        };
        items.push(Item { name, value });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(items)
}

fn set_once<T>(
    slot: &mut Option<T>,
    name: &Ident,
    parse: impl FnOnce() -> syn::Result<T>,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            name.span(),
            format!("`{}` set multiple times.", name.unraw()),
        ));
    }
    *slot = Some(parse()?);
    Ok(())
}

fn missing_value(kind: Kind, ident: &Ident, name: &str) -> syn::Error {
    let message = match name {
        "multi_thread" | "current_thread" => format!(
            "Set the runtime flavor with #[magpie::{}(flavor = \"{name}\")].",
            kind.name()
        ),
        "flavor" => {
            "the `flavor` option requires a value, e.g. `flavor = \"current_thread\"`".into()
        }
        "worker_threads" => {
            "the `worker_threads` option requires a value, e.g. `worker_threads = 4`".into()
        }
        "start_paused" => {
            "the `start_paused` option requires a value, e.g. `start_paused = true`".into()
        }
        "crate" => {
            "the `crate` option requires a value, e.g. `crate = \"my_crate::magpie\"`".into()
        }
        _ => format!("Unknown attribute {name} is specified; expected one of: {VALID_OPTIONS}"),
    };
    syn::Error::new(ident.span(), message)
}

fn parse_flavor(value: &Lit) -> syn::Result<Flavor> {
    let Lit::Str(s) = value else {
        return Err(syn::Error::new(
            value.span(),
            "Failed to parse value of `flavor` as string.",
        ));
    };
    match s.value().as_str() {
        "current_thread" => Ok(Flavor::CurrentThread),
        "multi_thread" => Ok(Flavor::MultiThread),
        "local" => Ok(Flavor::Local),
        other => Err(syn::Error::new(
            s.span(),
            format!(
                "No such runtime flavor `{other}`. The runtime flavors are `current_thread`, `local`, and `multi_thread`."
            ),
        )),
    }
}

fn parse_name(value: &Lit) -> syn::Result<String> {
    match value {
        Lit::Str(s) if !s.value().trim().is_empty() => Ok(s.value()),
        Lit::Str(s) => Err(syn::Error::new(s.span(), "runtime name shouldn't be empty")),
        _ => Err(syn::Error::new(
            value.span(),
            "Failed to parse value of `name` as string.",
        )),
    }
}

fn parse_worker_threads(value: &Lit) -> syn::Result<usize> {
    let parsed = match value {
        Lit::Int(i) => i.base10_parse::<usize>().ok(),
        Lit::Str(s) => s.value().trim().parse::<usize>().ok(),
        _ => None,
    };
    match parsed {
        Some(0) => Err(syn::Error::new(
            value.span(),
            "`worker_threads` may not be 0.",
        )),
        Some(n) => Ok(n),
        None => Err(syn::Error::new(
            value.span(),
            "Failed to parse value of `worker_threads` as integer.",
        )),
    }
}

fn parse_bool(name: &str, value: &Lit) -> syn::Result<bool> {
    match value {
        Lit::Bool(b) => Ok(b.value),
        _ => Err(syn::Error::new(
            value.span(),
            format!("Failed to parse value of `{name}` as bool."),
        )),
    }
}

fn parse_crate_path(value: &Lit) -> syn::Result<syn::Path> {
    let Lit::Str(s) = value else {
        return Err(syn::Error::new(
            value.span(),
            "Failed to parse value of `crate` as string.",
        ));
    };
    s.parse::<syn::Path>().map_err(|_| {
        syn::Error::new(
            s.span(),
            format!(
                "Failed to parse value of `crate` as path: \"{}\"",
                s.value()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{quote, ToTokens};

    fn ok(kind: Kind, args: TokenStream) -> Config {
        match parse_config(kind, args) {
            Ok(config) => config,
            Err(e) => panic!("valid options rejected: {e}"),
        }
    }

    fn err(kind: Kind, args: TokenStream) -> String {
        match parse_config(kind, args) {
            Ok(_) => panic!("options should have been rejected"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults_follow_tokio() {
        let main = ok(Kind::Main, quote!());
        assert_eq!(main.flavor, Flavor::MultiThread);
        assert_eq!(main.worker_threads, None);
        assert!(!main.start_paused);
        assert_eq!(main.crate_path.to_token_stream().to_string(), ":: magpie");
        assert_eq!(ok(Kind::Test, quote!()).flavor, Flavor::CurrentThread);
    }

    #[test]
    fn all_options_parse() {
        let c = ok(
            Kind::Main,
            quote!(
                flavor = "multi_thread",
                worker_threads = 3,
                crate = "other::rt",
            ),
        );
        assert_eq!(c.flavor, Flavor::MultiThread);
        assert_eq!(c.worker_threads, Some(3));
        assert_eq!(c.crate_path.to_token_stream().to_string(), "other :: rt");
        let c = ok(Kind::Test, quote!(start_paused = true));
        assert_eq!(c.flavor, Flavor::CurrentThread);
        assert!(c.start_paused);
        let c = ok(
            Kind::Main,
            quote!(flavor = "current_thread", start_paused = false),
        );
        assert_eq!(c.flavor, Flavor::CurrentThread);
        assert!(!c.start_paused);
        assert_eq!(
            ok(
                Kind::Test,
                quote!(flavor = "multi_thread", worker_threads = "2")
            )
            .worker_threads,
            Some(2)
        );
    }

    #[test]
    fn unknown_option_lists_the_valid_ones() {
        let e = err(Kind::Main, quote!(threads = 4));
        assert_eq!(
            e,
            "Unknown attribute threads is specified; expected one of: `flavor`, `worker_threads`, `start_paused`, `crate`, `name`"
        );
    }

    #[test]
    fn worker_threads_needs_multi_thread() {
        let e = err(
            Kind::Main,
            quote!(flavor = "current_thread", worker_threads = 2),
        );
        assert_eq!(
            e,
            "The `worker_threads` option requires the `multi_thread` runtime flavor. Use `#[magpie::main(flavor = \"multi_thread\")]`"
        );
        // `test` defaults to current_thread, so a bare `worker_threads` is a mistake too.
        let e = err(Kind::Test, quote!(worker_threads = 2));
        assert!(e.starts_with("The `worker_threads` option requires the `multi_thread` runtime flavor. Use `#[magpie::test(flavor = \"multi_thread\")]`"), "{e}");
    }

    #[test]
    fn bad_worker_threads_values() {
        assert_eq!(
            err(Kind::Main, quote!(worker_threads = 0)),
            "`worker_threads` may not be 0."
        );
        assert_eq!(
            err(Kind::Main, quote!(worker_threads = "many")),
            "Failed to parse value of `worker_threads` as integer."
        );
        assert_eq!(
            err(Kind::Main, quote!(worker_threads = -1)),
            "Failed to parse value of `worker_threads` as integer."
        );
    }

    #[test]
    fn start_paused_needs_current_thread() {
        assert_eq!(
            err(Kind::Main, quote!(start_paused = true)),
            "The `start_paused` option requires the `current_thread` runtime flavor. Use `#[magpie::main(flavor = \"current_thread\")]`"
        );
        assert_eq!(
            err(Kind::Test, quote!(start_paused = 1)),
            "Failed to parse value of `start_paused` as bool."
        );
    }

    #[test]
    fn bad_flavor_and_crate() {
        assert_eq!(
            err(Kind::Main, quote!(flavor = "single")),
            "No such runtime flavor `single`. The runtime flavors are `current_thread`, `local`, and `multi_thread`."
        );
        assert_eq!(
            err(Kind::Main, quote!(flavor = current_thread)),
            "expected a literal value for `flavor`"
        );
        assert_eq!(
            err(Kind::Main, quote!(current_thread)),
            "Set the runtime flavor with #[magpie::main(flavor = \"current_thread\")]."
        );
        assert_eq!(
            err(Kind::Main, quote!(crate = "not a path")),
            "Failed to parse value of `crate` as path: \"not a path\""
        );
    }

    #[test]
    fn local_flavor_and_name() {
        let c = ok(Kind::Test, quote!(flavor = "local", name = "my-rt"));
        assert_eq!(c.flavor, Flavor::Local);
        assert_eq!(c.name.as_deref(), Some("my-rt"));
        assert_eq!(
            err(Kind::Main, quote!(flavor = "local", worker_threads = 2)),
            "The `worker_threads` option requires the `multi_thread` runtime flavor. Use `#[magpie::main(flavor = \"multi_thread\")]`"
        );
        assert_eq!(
            err(Kind::Main, quote!(name = "  ")),
            "runtime name shouldn't be empty"
        );
        assert_eq!(
            err(Kind::Main, quote!(name = 3)),
            "Failed to parse value of `name` as string."
        );
    }

    #[test]
    fn duplicates_are_rejected() {
        assert_eq!(
            err(
                Kind::Main,
                quote!(flavor = "multi_thread", flavor = "multi_thread")
            ),
            "`flavor` set multiple times."
        );
    }

    #[test]
    fn every_bad_item_is_reported() {
        let Err(e) = parse_config(Kind::Main, quote!(a = 1, worker_threads = 0)) else {
            panic!("options should have been rejected");
        };
        assert_eq!(e.into_iter().count(), 2);
    }

    #[test]
    fn malformed_lists_are_rejected() {
        assert!(parse_config(
            Kind::Main,
            quote!(flavor = "multi_thread" worker_threads = 2)
        )
        .is_err());
        assert!(parse_config(Kind::Main, quote!(= 2)).is_err());
    }
}
