use std::error::Error;

#[magpie::main(worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error>> {
    assert_eq!(
        magpie::runtime::Handle::current().metrics().num_workers(),
        2
    );
    let n: u32 = "41".parse()?;
    let joined = magpie::spawn(async move { n + 1 }).await?;
    if joined != 42 {
        return Err("wrong answer".into());
    }
    Ok(())
}
