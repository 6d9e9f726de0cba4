//! The shared Store suite against SQLite, plus what only SQLite has: the file, its
//! migrations, and surviving SIGKILL.

use model::ArticleId;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use store::{testsuite, ErrorKind, SqliteConfig, SqliteStore, Store, Synchronous};

fn fresh(dir: &tempfile::TempDir, n: &mut u32) -> SqliteStore {
    *n += 1;
    SqliteStore::open(dir.path().join(format!("s{n}.db"))).unwrap()
}

#[test]
fn shared_suite_passes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    testsuite::run_all(|| fresh(&dir, &mut n));
    assert_eq!(n as usize, testsuite::CHECKS.len());
}

#[test]
fn shared_suite_passes_with_synchronous_full() {
    let dir = tempfile::tempdir().unwrap();
    let config = SqliteConfig {
        synchronous: Synchronous::Full,
        ..SqliteConfig::default()
    };
    let mut n = 0;
    testsuite::run_all(|| {
        n += 1;
        SqliteStore::open_with(dir.path().join(format!("f{n}.db")), &config).unwrap()
    });
}

#[test]
fn opens_in_wal_mode_and_creates_parent_folders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/data/claimtrail.db");
    let s = SqliteStore::open(&path).unwrap();
    assert!(path.is_file());
    drop(s);
    let c = rusqlite::Connection::open(&path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "WAL is a property of the file");
}

#[test]
fn migrations_apply_in_order_and_reopen_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), store::sqlite::latest_version());
    s.insert_article(&testsuite::sample_article(1), testsuite::at(0))
        .unwrap();
    drop(s);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.article_count().unwrap(), 1, "reopening keeps the data");
    drop(s);
    let c = rusqlite::Connection::open(&path).unwrap();
    let mut stmt = c
        .prepare("SELECT version, name FROM schema_version ORDER BY version")
        .unwrap();
    let rows: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let known: Vec<(i64, String)> = store::sqlite::known_migrations()
        .into_iter()
        .map(|(v, n)| (v, n.to_string()))
        .collect();
    assert_eq!(rows, known, "each migration recorded once, in order");
}

#[test]
fn a_database_newer_than_the_code_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(SqliteStore::open(&path).unwrap());
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute(
        "INSERT INTO schema_version (version, name, applied) VALUES (999, 'from the future', 0)",
        [],
    )
    .unwrap();
    drop(c);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::TooNew { found: 999, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("new.db") && msg.contains("999"), "{msg}");
}

#[test]
fn errors_name_the_database_path() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be: SQLite cannot open it.
    let path = dir.path().join("is-a-dir.db");
    std::fs::create_dir(&path).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Open(_)), "{err:?}");
    assert!(err.to_string().contains("is-a-dir.db"), "{err}");
}

#[test]
fn two_handles_on_one_file_see_each_others_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();
    let art = testsuite::sample_article(1);
    assert!(a.insert_article(&art, testsuite::at(0)).unwrap().is_new());
    assert!(!b.insert_article(&art, testsuite::at(1)).unwrap().is_new());
}

const CHILD_ENV: &str = "CLAIMTRAIL_STORE_KILL_CHILD";

/// The child side of `sigkill_loses_no_acknowledged_article`: a no-op in a normal run.
#[test]
fn kill_child_entry_point() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let start: u64 = std::env::var("CLAIMTRAIL_STORE_KILL_START")
        .unwrap()
        .parse()
        .unwrap();
    let s = SqliteStore::open(path).unwrap();
    let mut out = std::io::stdout().lock();
    testsuite::kill_writer(&s, start, &mut out).unwrap();
}

#[test]
fn sigkill_loses_no_acknowledged_article() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kill.db");
    let exe = std::env::current_exe().unwrap();
    let mut acked: Vec<ArticleId> = Vec::new();
    // Several rounds on one file: each child is killed at a different point, and each
    // reopening recovers the WAL the previous one left.
    for round in 0..4u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "kill_child_entry_point",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
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

        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.integrity_check().unwrap(), Ok(()));
        testsuite::check_acknowledged(&s, &acked);
    }
    assert!(acked.len() >= 4 * 50);
}

#[test]
fn copy_sqlite_to_sqlite_and_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let from = SqliteStore::open(dir.path().join("from.db")).unwrap();
    let to = SqliteStore::open(dir.path().join("to.db")).unwrap();
    testsuite::copy_round_trip(&from, &to);
}

#[test]
fn copy_into_a_store_that_has_some_articles() {
    let dir = tempfile::tempdir().unwrap();
    let from = SqliteStore::open(dir.path().join("from.db")).unwrap();
    let to = SqliteStore::open(dir.path().join("to.db")).unwrap();
    testsuite::copy_into_a_store_with_articles(&from, &to);
}
