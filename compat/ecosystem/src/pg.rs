//! A throw-away PostgreSQL cluster: `initdb` in a temp dir, `pg_ctl start` on a free
//! loopback port, `pg_ctl stop` on drop. Runs the server as the `postgres` user (it refuses
//! to run as root) through `runuser`.

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where Debian installs PostgreSQL 15's server binaries.
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster; stopped and deleted on drop.
pub struct Cluster {
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    /// Why a cluster cannot be started here, if it cannot: `initdb` missing, not root, or no
    /// `postgres` user (the server refuses to run as root, so it runs as `postgres`).
    pub fn unavailable() -> Option<String> {
        let initdb = Path::new(PG_BIN).join("initdb");
        if !initdb.exists() {
            return Some(format!("{} is missing", initdb.display()));
        }
        if Command::new("id").arg("-u").output().map(|o| o.stdout).ok() != Some(b"0\n".to_vec()) {
            return Some("not root: cannot run the server as the postgres user".into());
        }
        let has_user = Command::new("id")
            .arg("postgres")
            .output()
            .is_ok_and(|o| o.status.success());
        if !has_user {
            return Some("there is no `postgres` user to run the server as".into());
        }
        None
    }

    /// Creates and starts a cluster with trust authentication for user `postgres`.
    pub fn start() -> std::io::Result<Cluster> {
        let base = std::env::temp_dir().join(format!(
            "magpie-pg-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&base)?;
        run(Command::new("chown").arg("postgres:postgres").arg(&base))?;
        let port = StdListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let cluster = Cluster { dir: base, port };
        let data = cluster.dir.join("data");
        as_postgres(&[
            &format!("{PG_BIN}/initdb"),
            "-D",
            data.to_str().unwrap(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        ])?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
            cluster.dir.display()
        );
        as_postgres(&[
            &format!("{PG_BIN}/pg_ctl"),
            "-D",
            data.to_str().unwrap(),
            "-l",
            cluster.dir.join("log").to_str().unwrap(),
            "-o",
            &opts,
            "-w",
            "start",
        ])?;
        Ok(cluster)
    }

    /// The TCP port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A libpq-style connection string for tokio-postgres.
    pub fn config(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        if let Err(e) = as_postgres(&[
            &format!("{PG_BIN}/pg_ctl"),
            "-D",
            data.to_str().unwrap(),
            "-m",
            "fast",
            "-w",
            "stop",
        ]) {
            eprintln!("pg_ctl stop failed: {e}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn as_postgres(args: &[&str]) -> std::io::Result<Output> {
    run(Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .args(args))
}

fn run(cmd: &mut Command) -> std::io::Result<Output> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(out)
}
