//! tokio-postgres on Magpie through the `tokio` shim.
//!
//! ```text
//! cargo run --example postgres -- "host=127.0.0.1 user=postgres"
//! cargo run --example postgres        # starts a throw-away PostgreSQL 15 cluster (as root)
//! ```

use magpie_ecosystem::pg::Cluster;
use tokio_postgres::NoTls;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (config, _cluster) = match std::env::args().nth(1) {
        Some(config) => (config, None),
        None => {
            if let Some(why) = Cluster::unavailable() {
                println!("no connection string given and no throw-away cluster: {why}");
                return Ok(());
            }
            let cluster = Cluster::start()?;
            println!("started a throw-away cluster on port {}", cluster.port());
            (cluster.config(), Some(cluster))
        }
    };
    // The runtime ends before the cluster is stopped (locals drop in reverse order).
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&config, NoTls).await?;
        let conn = tokio::spawn(connection);
        let version: String = client.query_one("SELECT version()", &[]).await?.get(0);
        println!("{version}");
        let rows = client
            .query(
                "SELECT n, n * n FROM generate_series(1, $1::INT4) AS n",
                &[&5i32],
            )
            .await?;
        for row in rows {
            println!(
                "{} squared is {}",
                row.get::<_, i32>(0),
                row.get::<_, i32>(1)
            );
        }
        drop(client);
        conn.await??;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
}
