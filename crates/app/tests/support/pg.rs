//! A PostgreSQL schema of a test's own, dropped when the test ends.
//!
//! PostgreSQL is at `CLAIMTRAIL_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`,
//! which `.ci/run` starts); unreachable, the test fails naming it unless `CLAIMTRAIL_SKIP_PG=1`.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use store::PgStore;

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server's URL and the schema's name; dropping it drops the schema.
pub struct Schema {
    pub url: String,
    pub name: String,
}

impl Schema {
    /// A fresh schema named after `prefix`, migrated; `None` (with the reason printed) when
    /// the server is unreachable and `CLAIMTRAIL_SKIP_PG=1`.
    pub fn fresh(prefix: &str) -> Option<Schema> {
        static N: AtomicU32 = AtomicU32::new(0);
        let url = std::env::var("CLAIMTRAIL_TEST_PG").unwrap_or_else(|_| DEFAULT_PG.to_string());
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "{prefix}_{}_{}_{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        match PgStore::connect_with_schema(&url, &name) {
            Ok(_) => Some(Schema { url, name }),
            Err(e) if std::env::var("CLAIMTRAIL_SKIP_PG").as_deref() == Ok("1") => {
                eprintln!("skipping: PostgreSQL is unreachable ({e}) and CLAIMTRAIL_SKIP_PG=1");
                None
            }
            Err(e) => panic!(
                "PostgreSQL is unreachable: {e}\nstart it, point CLAIMTRAIL_TEST_PG at another \
                 server, or set CLAIMTRAIL_SKIP_PG=1 to skip"
            ),
        }
    }

    /// A store on the schema with a pool of its own, as a separate process would have.
    pub fn store(&self) -> PgStore {
        match PgStore::connect_with_schema(&self.url, &self.name) {
            Ok(s) => s,
            Err(e) => panic!("connecting to schema {}: {e}", self.name),
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Err(e) = PgStore::drop_schema(&self.url, &self.name) {
            eprintln!("could not drop test schema {}: {e}", self.name);
        }
    }
}
