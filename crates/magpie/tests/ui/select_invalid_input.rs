async fn no_branches() {
    magpie::select! {}
}

async fn missing_handler() {
    magpie::select! {
        _ = async {} => ,
    }
}


async fn else_not_last() {
    magpie::select! {
        else => {},
        _ = async {} => {}
    }
}

async fn missing_future() {
    magpie::select! {
        v = => v,
    }
}

fn main() {}
