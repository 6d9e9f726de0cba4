//! The shared Store suite against PostgreSQL, plus what only PostgreSQL has: migrations under
//! an advisory lock, a pool shared by threads, reconnecting after the server drops a
//! connection, and copying a SQLite store into it.
//!
//! PostgreSQL is at `CLAIMTRAIL_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`,
//! which `.ci/run` starts). Each check gets a schema of its own, dropped afterwards. When the
//! server cannot be reached the tests fail, naming it, unless `CLAIMTRAIL_SKIP_PG=1`.

use model::ArticleId;
use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store::{testsuite, ErrorKind, PgStore, SqliteStore, Store};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server's URL, or `None` (after printing why) when it is down and skipping is allowed.
fn server() -> Option<String> {
    let url = std::env::var("CLAIMTRAIL_TEST_PG").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let reached = postgres::Config::from_str(&url).and_then(|mut c| {
        c.connect_timeout(Duration::from_secs(5));
        c.connect(postgres::NoTls)
    });
    let reached = reached.map_err(|e| store::postgres::PgError(e).to_string());
    match reached {
        Ok(_) => Some(url),
        Err(e) if std::env::var("CLAIMTRAIL_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!(
                "skipping: PostgreSQL at {} is unreachable ({e}) and CLAIMTRAIL_SKIP_PG=1",
                store::postgres::redact(&url)
            );
            None
        }
        Err(e) => panic!(
            "PostgreSQL at {} is unreachable: {e}\n\
             start it (`pg_ctlcluster 15 main start`, as .ci/run does), point \
             CLAIMTRAIL_TEST_PG at another server, or set CLAIMTRAIL_SKIP_PG=1 to skip",
            store::postgres::redact(&url)
        ),
    }
}

/// A schema name no other test, thread or run uses.
fn unique_schema() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "ct_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Schemas made by one test, dropped when it ends, whether it passed or panicked.
struct Schemas {
    url: String,
    names: RefCell<Vec<String>>,
}

impl Schemas {
    fn new(url: &str) -> Schemas {
        Schemas {
            url: url.to_string(),
            names: RefCell::new(Vec::new()),
        }
    }
    fn fresh(&self) -> PgStore {
        let name = unique_schema();
        self.names.borrow_mut().push(name.clone());
        PgStore::connect_with_schema(&self.url, &name).unwrap()
    }
    /// A name to use, dropped at the end, without creating it.
    fn reserve(&self) -> String {
        let name = unique_schema();
        self.names.borrow_mut().push(name.clone());
        name
    }
}

impl Drop for Schemas {
    fn drop(&mut self) {
        for name in self.names.borrow().iter() {
            if let Err(e) = PgStore::drop_schema(&self.url, name) {
                eprintln!("could not drop test schema {name}: {e}");
            }
        }
    }
}

/// A client of our own on `schema`, for looking behind the store's back.
fn admin(url: &str, schema: &str) -> postgres::Client {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute(&format!("SET search_path TO \"{schema}\""))
        .unwrap();
    c
}

#[test]
fn shared_suite_passes_on_postgres() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    testsuite::run_all(|| schemas.fresh());
    assert_eq!(schemas.names.borrow().len(), testsuite::CHECKS.len());
}

#[test]
fn migrations_match_sqlite_and_are_recorded_once() {
    assert_eq!(
        store::postgres::known_migrations(),
        store::sqlite::known_migrations(),
        "the same versions and names in the same order"
    );
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let name = schemas.reserve();
    let s = PgStore::connect_with_schema(&url, &name).unwrap();
    assert_eq!(
        s.schema_version().unwrap(),
        store::postgres::latest_version()
    );
    s.insert_article(&testsuite::sample_article(1), testsuite::at(0))
        .unwrap();
    drop(s);
    let s = PgStore::connect_with_schema(&url, &name).unwrap();
    assert_eq!(s.article_count().unwrap(), 1, "reconnecting keeps the data");
    let rows: Vec<(i64, String)> = admin(&url, &name)
        .query(
            "SELECT version, name FROM schema_version ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let known: Vec<(i64, String)> = store::sqlite::known_migrations()
        .into_iter()
        .map(|(v, n)| (v, n.to_string()))
        .collect();
    assert_eq!(rows, known, "each migration recorded once, in order");
}

#[test]
fn processes_starting_at_once_migrate_once() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let name = schemas.reserve();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (url, name) = (url.clone(), name.clone());
            std::thread::spawn(move || PgStore::connect_with_schema(&url, &name).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let n: i64 = admin(&url, &name)
        .query_one("SELECT COUNT(*) FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, store::postgres::latest_version());
}

#[test]
fn a_database_newer_than_the_code_is_a_clear_error() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let name = schemas.reserve();
    drop(PgStore::connect_with_schema(&url, &name).unwrap());
    admin(&url, &name)
        .execute(
            "INSERT INTO schema_version (version, name, applied) VALUES (999, 'from the future', 0)",
            &[],
        )
        .unwrap();
    let err = PgStore::connect_with_schema(&url, &name).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::TooNew { found: 999, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&name) && msg.contains("999"), "{msg}");
}

#[test]
fn errors_name_the_server_without_its_password() {
    // Port 1: nothing listens there, so this needs no server.
    let err = PgStore::connect("postgres://claimtrail:hunter2@127.0.0.1:1/test").unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Open(_)), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("127.0.0.1:1"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[test]
fn threads_share_one_store_and_inserts_stay_idempotent() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let s = Arc::new(schemas.fresh());
    // Every thread inserts the same 40 articles: each is stored once, and exactly one
    // thread is told it inserted it.
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                (1..=40u64)
                    .filter(|&n| {
                        s.insert_article(&testsuite::sample_article(n), testsuite::at(0))
                            .unwrap()
                            .is_new()
                    })
                    .count()
            })
        })
        .collect();
    let inserted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(inserted, 40);
    assert_eq!(s.article_count().unwrap(), 40);
}

#[test]
fn a_dropped_connection_is_replaced_on_the_next_call() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let name = schemas.reserve();
    let app = format!("ct_reconnect_{}", std::process::id());
    let sep = if url.contains('?') { '&' } else { '?' };
    let s =
        PgStore::connect_with_schema(&format!("{url}{sep}application_name={app}"), &name).unwrap();
    s.insert_article(&testsuite::sample_article(1), testsuite::at(0))
        .unwrap();
    // What a restarted server does to every connection.
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let killed = c
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .unwrap()
        .len();
    assert!(killed >= 1);
    // The first call may see the dead connection; the one after must not.
    let first = s.article_count();
    if let Err(e) = &first {
        assert!(e.to_string().contains(&name), "{e}");
    }
    assert_eq!(s.article_count().unwrap(), 1);
    assert!(s
        .insert_article(&testsuite::sample_article(2), testsuite::at(1))
        .unwrap()
        .is_new());
}

#[test]
fn copy_sqlite_to_postgres_and_again_changes_nothing() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let dir = tempfile::tempdir().unwrap();
    let from = SqliteStore::open(dir.path().join("from.db")).unwrap();
    let to = schemas.fresh();
    testsuite::copy_round_trip(&from, &to);
}

#[test]
fn copy_postgres_to_sqlite() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let dir = tempfile::tempdir().unwrap();
    let from = schemas.fresh();
    let to = SqliteStore::open(dir.path().join("to.db")).unwrap();
    testsuite::copy_round_trip(&from, &to);
}

#[test]
fn copy_into_a_postgres_store_that_has_some_articles() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let dir = tempfile::tempdir().unwrap();
    let from = SqliteStore::open(dir.path().join("from.db")).unwrap();
    testsuite::copy_into_a_store_with_articles(&from, &schemas.fresh());
}

const CHILD_ENV: &str = "CLAIMTRAIL_STORE_PG_KILL_CHILD";

/// The child side of `sigkill_loses_no_acknowledged_article`: a no-op in a normal run.
#[test]
fn kill_child_entry_point() {
    let Some(schema) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let url = std::env::var("CLAIMTRAIL_STORE_PG_KILL_URL").unwrap();
    let start: u64 = std::env::var("CLAIMTRAIL_STORE_KILL_START")
        .unwrap()
        .parse()
        .unwrap();
    let s = PgStore::connect_with_schema(&url, schema.to_str().unwrap()).unwrap();
    let mut out = std::io::stdout().lock();
    testsuite::kill_writer(&s, start, &mut out).unwrap();
}

#[test]
fn sigkill_loses_no_acknowledged_article() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let name = schemas.reserve();
    drop(PgStore::connect_with_schema(&url, &name).unwrap());
    let exe = std::env::current_exe().unwrap();
    let mut acked: Vec<ArticleId> = Vec::new();
    for round in 0..3u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "kill_child_entry_point",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &name)
            .env("CLAIMTRAIL_STORE_PG_KILL_URL", &url)
            .env(
                "CLAIMTRAIL_STORE_KILL_START",
                (round * 1_000_000).to_string(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let kill_after = 50 + round * 37;
        let mut seen = 0;
        while seen < kill_after {
            let line = lines.next().expect("child stopped early").unwrap();
            if let Some(id) = line.strip_prefix("ACK ") {
                acked.push(ArticleId::new(id));
                seen += 1;
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix.
                               // Acknowledgements already in the pipe were printed after their commit: they count.
        for line in lines {
            let Ok(line) = line else { break };
            if let Some(id) = line.strip_prefix("ACK ") {
                acked.push(ArticleId::new(id));
            }
        }
        let status = child.wait().unwrap();
        assert!(!status.success(), "the child was killed, not finished");

        let s = PgStore::connect_with_schema(&url, &name).unwrap();
        testsuite::check_acknowledged(&s, &acked);
    }
    assert!(acked.len() >= 3 * 50);
}

/// Waits until `waiter` reports news, a bounded number of times (a generous bound that only
/// keeps a broken waiter from hanging the run; not a timing assertion).
fn woken(waiter: &mut dyn store::CommitWaiter) -> bool {
    for _ in 0..30 {
        match waiter.wait(Duration::from_secs(1)) {
            Ok(true) => return true,
            Ok(false) => {}
            Err(e) => eprintln!("waiter: {e}"),
        }
    }
    false
}

/// One "process" commits under the commit lock; another store's waiter on the same schema
/// wakes, one on another schema does not, and after the server drops the waiter's connection
/// it reconnects and wakes again.
#[test]
fn a_commit_wakes_waiters_on_its_schema_and_after_a_reconnect() {
    let Some(url) = server() else { return };
    let schemas = Schemas::new(&url);
    let name = schemas.reserve();
    let app = format!("ct_waiter_{}", std::process::id());
    let sep = if url.contains('?') { '&' } else { '?' };
    let reader =
        PgStore::connect_with_schema(&format!("{url}{sep}application_name={app}"), &name).unwrap();
    let elsewhere = schemas.fresh();
    let writer = PgStore::connect_with_schema(&url, &name).unwrap();
    let mut waiter = reader
        .commit_waiter()
        .unwrap()
        .expect("PostgreSQL notifies");
    let mut other = elsewhere
        .commit_waiter()
        .unwrap()
        .expect("PostgreSQL notifies");
    assert!(
        !waiter.wait(Duration::from_millis(300)).unwrap(),
        "nothing committed yet"
    );

    let commit = |n: u64| {
        let mut guard = writer.commit_lock().unwrap();
        guard.check().unwrap();
        writer
            .insert_article(&testsuite::sample_article(n), testsuite::at(0))
            .unwrap();
    };
    commit(1);
    assert!(woken(waiter.as_mut()), "the commit woke the waiter");
    assert_eq!(reader.committed_after(0, 10).unwrap().len(), 1);
    assert!(
        !other.wait(Duration::from_millis(300)).unwrap(),
        "another schema's commits do not concern it"
    );

    // What a restarted server does to every connection, the waiter's included.
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let killed = c
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .unwrap()
        .len();
    assert!(killed >= 1);
    let mut failed = false;
    for _ in 0..30 {
        match waiter.wait(Duration::from_secs(1)) {
            Err(e) => {
                assert!(e.to_string().contains(&name), "names the store: {e}");
                failed = true;
            }
            // Reconnected: announcements may have been missed meanwhile, so "read now".
            Ok(true) if failed => break,
            // Before the loss: the commit's second announcement (the lock's release).
            Ok(_) => {}
        }
    }
    assert!(failed, "the lost connection was noticed");
    commit(2);
    assert!(
        woken(waiter.as_mut()),
        "a commit after the reconnect wakes it"
    );
}
