#![allow(dead_code)]

#[magpie::test]
fn not_async() {}

#[magpie::test]
async fn with_arguments(argument: u32) {}

#[magpie::test(worker_threads = 2)]
async fn worker_threads_on_default_flavor() {}

#[magpie::test(flavor = "multi_thread", start_paused = true)]
async fn start_paused_on_multi_thread() {}

#[magpie::test]
#[test]
async fn second_test_attribute() {}

#[magpie::test(unknown = 1)]
async fn unknown_option() {}

fn main() {}
