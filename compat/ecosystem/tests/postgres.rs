//! tokio-postgres on Magpie against a throw-away PostgreSQL 15 cluster: a pool of
//! connections running queries concurrently, every result checked.

use std::sync::Arc;

use magpie_ecosystem::pg::Cluster;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_postgres::{Client, NoTls};

const POOL: usize = 8;
const TASKS: i32 = 400;

async fn connect(config: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(config, NoTls)
        .await
        .expect("connect");
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            panic!("connection failed: {e}");
        }
    });
    client
}

#[test]
fn pool_of_connections_runs_queries_concurrently() {
    if let Some(why) = Cluster::unavailable() {
        println!("skipped: {why}");
        return;
    }
    let cluster = Cluster::start().expect("start a PostgreSQL cluster");
    let config = cluster.config();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let setup = connect(&config).await;
        setup
            .batch_execute(
                "CREATE TABLE items (id INT4 PRIMARY KEY, name TEXT NOT NULL, score INT8 NOT NULL)",
            )
            .await
            .unwrap();

        // A fixed pool: POOL clients behind a semaphore, handed out round-robin.
        let mut clients = Vec::new();
        for _ in 0..POOL {
            clients.push(Arc::new(connect(&config).await));
        }
        let permits = Arc::new(Semaphore::new(POOL));
        let mut tasks = JoinSet::new();
        for i in 0..TASKS {
            let client = clients[i as usize % POOL].clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                let name = format!("item-{i}");
                let inserted = client
                    .execute(
                        "INSERT INTO items (id, name, score) VALUES ($1, $2, $3)",
                        &[&i, &name, &(i as i64 * 3)],
                    )
                    .await
                    .unwrap();
                assert_eq!(inserted, 1);
                let row = client
                    .query_one(
                        "SELECT name, score, $1::INT4 * 2 FROM items WHERE id = $1",
                        &[&i],
                    )
                    .await
                    .unwrap();
                assert_eq!(row.get::<_, String>(0), name);
                assert_eq!(row.get::<_, i64>(1), i as i64 * 3);
                assert_eq!(row.get::<_, i32>(2), i * 2);
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }

        let row = setup
            .query_one("SELECT count(*), sum(score)::INT8 FROM items", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, i64>(0), TASKS as i64);
        assert_eq!(
            row.get::<_, i64>(1),
            (0..TASKS as i64).map(|i| i * 3).sum::<i64>()
        );

        // A transaction that rolls back leaves nothing behind; errors come back as errors.
        let mut tx_client = connect(&config).await;
        let tx = tx_client.transaction().await.unwrap();
        tx.execute("DELETE FROM items", &[]).await.unwrap();
        tx.rollback().await.unwrap();
        let n: i64 = setup
            .query_one("SELECT count(*) FROM items", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, TASKS as i64);
        let err = setup
            .query("SELECT * FROM missing_table", &[])
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE)
        );
    });
    drop(rt);
    drop(cluster);
}
