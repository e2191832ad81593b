//! Compile-time behaviour of the macros, pinned with trybuild: every misuse gets a clear
//! error on the offending token (`tests/ui/*.rs` with the expected `.stderr` beside them),
//! and `#[magpie::main]` programs build and run (`tests/ui/pass/*.rs`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*_invalid_input.rs");
    cases.compile_fail("tests/ui/main_with_arguments.rs");
    // Whole programs: `#[magpie::main]` on a real runtime, built and run.
    cases.pass("tests/ui/pass/*.rs");
}
