//! What `#[magpie::main]` / `#[magpie::test]` expand to, checked against a recording
//! runtime passed with the `crate = "..."` option: which builder is used, which options
//! are applied in which order, and that the body's value and errors come back out.

/// A stand-in for `magpie` with the `runtime::Builder` surface the expansion calls.
mod recording {
    pub mod runtime {
        use std::cell::RefCell;
        use std::future::Future;

        thread_local! {
            static CALLS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
        }

        /// The builder calls made by the expansion that is running on this thread.
        pub fn calls() -> Vec<String> {
            CALLS.with(|c| c.borrow().clone())
        }

        fn record(call: String) {
            CALLS.with(|c| c.borrow_mut().push(call));
        }

        pub struct Builder(());

        impl Builder {
            pub fn new_multi_thread() -> Builder {
                CALLS.with(|c| c.borrow_mut().clear());
                record("new_multi_thread".into());
                Builder(())
            }
            pub fn new_current_thread() -> Builder {
                CALLS.with(|c| c.borrow_mut().clear());
                record("new_current_thread".into());
                Builder(())
            }
            pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
                record(format!("worker_threads({n})"));
                self
            }
            pub fn enable_all(&mut self) -> &mut Builder {
                record("enable_all".into());
                self
            }
            pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
                record(format!("start_paused({paused})"));
                self
            }
            pub fn build(&mut self) -> std::io::Result<Runtime> {
                record("build".into());
                Ok(Runtime(()))
            }
        }

        pub struct Runtime(());

        impl Runtime {
            pub fn block_on<F: Future>(&self, future: F) -> F::Output {
                record("block_on".into());
                futures::executor::block_on(future)
            }
        }
    }
}

use recording::runtime::calls;

#[magpie::test(crate = "recording")]
async fn test_defaults_to_current_thread() {
    assert_eq!(
        calls(),
        ["new_current_thread", "enable_all", "build", "block_on"]
    );
}

#[magpie::test(crate = "recording", flavor = "multi_thread", worker_threads = 3)]
async fn multi_thread_with_workers() {
    assert_eq!(
        calls(),
        [
            "new_multi_thread",
            "worker_threads(3)",
            "enable_all",
            "build",
            "block_on"
        ]
    );
}

#[magpie::test(crate = "recording", start_paused = true)]
async fn paused_clock() {
    assert_eq!(
        calls(),
        [
            "new_current_thread",
            "enable_all",
            "start_paused(true)",
            "build",
            "block_on"
        ]
    );
}

#[magpie::test(crate = "recording")]
async fn test_may_return_a_result() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "12".parse()?;
    assert_eq!(n, 12);
    Ok(())
}

#[magpie::test(crate = "recording")]
#[should_panic(expected = "boom from the body")]
async fn panics_propagate() {
    std::future::ready(()).await;
    panic!("boom from the body");
}

#[magpie::main(crate = "recording")]
async fn entry(x: u32) -> Result<u32, String> {
    let doubled = async { x * 2 }.await;
    if doubled > 100 {
        return Err(format!("{doubled} is too big"));
    }
    Ok(doubled)
}

#[test]
fn main_defaults_to_multi_thread_and_keeps_the_return_type() {
    assert_eq!(entry(4), Ok(8));
    assert_eq!(
        calls(),
        ["new_multi_thread", "enable_all", "build", "block_on"]
    );
    assert_eq!(entry(60), Err("120 is too big".to_string()));
}

mod nested {
    #[magpie::main(crate = "super::recording", flavor = "current_thread")]
    pub(super) async fn entry() -> &'static str {
        "ran"
    }
}

#[test]
fn crate_paths_may_be_relative() {
    assert_eq!(nested::entry(), "ran");
    assert_eq!(calls()[0], "new_current_thread");
}

#[test]
fn methods_with_receivers() {
    trait Twice {
        fn twice(self) -> u32;
        fn value(&self) -> u32;
    }
    struct Seven;
    impl Twice for Seven {
        #[magpie::main(crate = "recording")]
        async fn twice(self) -> u32 {
            self.value() * 2
        }
        fn value(&self) -> u32 {
            7
        }
    }
    assert_eq!(Seven.twice(), 14);
}

/// Return types that never return, and bodies that end in every way, compile cleanly.
#[allow(dead_code, clippy::let_unit_value)]
mod return_shapes {
    #![deny(clippy::semicolon_if_nothing_returned, unused_braces)]

    #[magpie::main(crate = "super::recording")]
    pub async fn never_returns() -> ! {
        panic!("diverges");
    }

    #[magpie::main(crate = "super::recording")]
    pub async fn io_result_that_panics() -> std::io::Result<()> {
        panic!("diverges");
    }

    #[allow(unreachable_code)]
    #[magpie::main(crate = "super::recording")]
    pub async fn early_return() -> std::io::Result<()> {
        return Ok(());
        panic!("not reached");
    }

    #[magpie::main(crate = "super::recording")]
    pub async fn local() {
        let _x = ();
    }

    #[magpie::main(crate = "super::recording")]
    pub async fn item() {
        fn _f() {}
    }

    #[magpie::main(crate = "super::recording")]
    pub async fn semi() {
        panic!();
    }

    #[rustfmt::skip]
    #[magpie::main(crate = "super::recording")]
    pub async fn braces() { println!("hello") }

    #[magpie::main(crate = "super::recording")]
    pub async fn empty() {
        // Only a comment: the block still has a newline.
    }
}

#[test]
fn bodies_run_to_their_end() {
    return_shapes::local();
    return_shapes::item();
    return_shapes::empty();
    assert!(return_shapes::early_return().is_ok());
    assert!(std::panic::catch_unwind(return_shapes::io_result_that_panics).is_err());
}
