#[magpie::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(
        magpie::runtime::Handle::current().metrics().num_workers(),
        1
    );
    assert_eq!(helper(20).await, 21);
}

#[magpie::main]
async fn helper_entry(x: u32) -> u32 {
    x * 2
}

async fn helper(x: u32) -> u32 {
    // A `#[magpie::main]` fn that is not `main` is a plain blocking function, callable
    // from another thread.
    let y = std::thread::spawn(move || helper_entry(x)).join().unwrap();
    y / 2 + 1
}
