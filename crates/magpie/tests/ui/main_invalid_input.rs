#![allow(dead_code)]

#[magpie::main]
fn not_async() {}

#[magpie::main(threads = 4)]
async fn unknown_option() {}

#[magpie::main(flavor = "current_thread", worker_threads = 2)]
async fn worker_threads_on_current_thread() {}

#[magpie::main(worker_threads = 0)]
async fn zero_worker_threads() {}

#[magpie::main(worker_threads = "many")]
async fn worker_threads_not_a_number() {}

#[magpie::main(start_paused = true)]
async fn start_paused_on_multi_thread() {}

#[magpie::main(flavor = "single")]
async fn unknown_flavor() {}

#[magpie::main(multi_thread)]
async fn bare_flavor() {}

#[magpie::main(flavor = "multi_thread", flavor = "multi_thread")]
async fn flavor_twice() {}

#[magpie::main(crate = "not a path")]
async fn bad_crate_path() {}

fn main() {}
