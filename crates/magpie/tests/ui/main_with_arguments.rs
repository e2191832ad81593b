#[magpie::main]
async fn main(argument: u32) {}
