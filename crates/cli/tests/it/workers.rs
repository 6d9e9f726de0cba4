//! Workers around PostgreSQL, as real processes on a real server: a worker killed with SIGKILL
//! mid-run, the server dropping every worker's connections, and a worker stopped with SIGTERM.
//! Each test keeps its tables in a schema of its own (`?schema=` in the URL), dropped at the end.
//!
//! PostgreSQL is at `CLAIMTRAIL_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`,
//! which `.ci/run` starts); unreachable, the tests fail naming it unless `CLAIMTRAIL_SKIP_PG=1`.
//! The server drops the workers twice: first by `pg_terminate_backend` on their own connections
//! (found by an application name unique to the test), then by a real restart of the local
//! cluster (`pg_ctlcluster ... restart`), or, where the server is elsewhere or not run by
//! `pg_ctlcluster` (or `CLAIMTRAIL_TEST_PG_RESTART=0`), by terminating them again. Tests in this
//! binary that use PostgreSQL hold [`pg_shared`] so the restart never hits them.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use store::{PgStore, Store};

/// Read by every PostgreSQL test of this binary, written by the one that restarts the server.
static PG_USERS: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Held for the whole of a test that uses PostgreSQL: the server is not restarted meanwhile.
pub(crate) fn pg_shared() -> std::sync::RwLockReadGuard<'static, ()> {
    PG_USERS.read().unwrap_or_else(|p| p.into_inner())
}

/// Restarts the PostgreSQL cluster that `url` points at, when it runs on this machine under
/// Debian's `pg_ctlcluster`; otherwise says why not.
fn restart_postgres(url: &str) -> Result<(), String> {
    let config = postgres::Config::from_str(url).map_err(|e| e.to_string())?;
    let local = config.get_hosts().iter().all(|h| {
        matches!(h, postgres::config::Host::Tcp(name) if name == "127.0.0.1" || name == "localhost")
    });
    if !local {
        return Err("the server is not on this machine".into());
    }
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let list = Command::new("pg_lsclusters")
        .arg("-h")
        .output()
        .map_err(|e| format!("pg_lsclusters: {e}"))?;
    let listing = String::from_utf8_lossy(&list.stdout);
    let cluster = listing
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.get(2) == Some(&port.as_str()))
        .ok_or_else(|| format!("no cluster on port {port} in pg_lsclusters"))?;
    let status = Command::new("pg_ctlcluster")
        .args([cluster[0], cluster[1], "restart"])
        .status()
        .map_err(|e| format!("pg_ctlcluster: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("pg_ctlcluster restart exited with {status}"))
    }
}

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Generous: three workers share two cores with other builds.
const DEADLINE: Duration = Duration::from_secs(600);

pub(crate) fn server() -> Option<String> {
    let url = std::env::var("CLAIMTRAIL_TEST_PG").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let reached = postgres::Config::from_str(&url).and_then(|mut c| {
        c.connect_timeout(Duration::from_secs(5));
        c.connect(postgres::NoTls)
    });
    match reached {
        Ok(_) => Some(url),
        Err(e) if std::env::var("CLAIMTRAIL_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!(
                "skipping: PostgreSQL at {url} is unreachable ({e}) and CLAIMTRAIL_SKIP_PG=1"
            );
            None
        }
        Err(e) => panic!(
            "PostgreSQL at {url} is unreachable: {e}\nstart it (`pg_ctlcluster 15 main start`), \
             point CLAIMTRAIL_TEST_PG at another server, or set CLAIMTRAIL_SKIP_PG=1 to skip"
        ),
    }
}

/// A schema of the test's own, dropped when it ends.
pub(crate) struct Db {
    base: String,
    schema: String,
}

impl Db {
    pub(crate) fn new(base: &str) -> Db {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Db {
            base: base.to_string(),
            schema: format!(
                "ct_workers_{}_{}_{nanos}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }
    /// The URL the binary gets: the schema, and the schema's name as application name so the
    /// test can find the workers' connections.
    pub(crate) fn url(&self) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!(
            "{}{sep}application_name={}&schema={}",
            self.base, self.schema, self.schema
        )
    }
    fn store(&self) -> PgStore {
        PgStore::connect_with_schema(&self.base, &self.schema).unwrap()
    }
    pub(crate) fn sql(&self) -> postgres::Client {
        let mut c = postgres::Client::connect(&self.base, postgres::NoTls).unwrap();
        c.batch_execute(&format!("SET search_path TO \"{}\"", self.schema))
            .unwrap();
        c
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Err(e) = PgStore::drop_schema(&self.base, &self.schema) {
            eprintln!("could not drop test schema {}: {e}", self.schema);
        }
    }
}

/// `n` short, distinct articles as JSON lines.
pub(crate) fn write_articles(dir: &Path, n: usize) -> std::path::PathBuf {
    const PLACES: [&str; 8] = [
        "Alder",
        "Birchmoor",
        "Cedarholt",
        "Dovecrest",
        "Elmridge",
        "Fenwick",
        "Garnet Bay",
        "Harlow",
    ];
    const THINGS: [&str; 8] = [
        "bridge",
        "harbour",
        "rail line",
        "school",
        "hospital",
        "dam",
        "airport",
        "library",
    ];
    let mut out = String::new();
    for i in 0..n {
        let place = PLACES[i % 8];
        let thing = THINGS[(i / 8) % 8];
        let line = serde_json::json!({
            "url": format!("https://news{}.example/story/{i}", i % 5),
            "source": format!("Outlet {}", i % 5),
            "title": format!("{place} council votes on {thing} plan {i}"),
            "text": format!(
                "Mayor Jo Quill of {place} said on Monday that {thing} project {i} would go \
                 ahead. Officials denied reports of delays at site {}.",
                (i * 7919) % 100_003
            ),
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    let path = dir.join("articles.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

pub(crate) fn enqueue(db: &Db, path: &Path) {
    let out = crate::bin()
        .args(["--db", &db.url(), "import"])
        .arg(path)
        .arg("--enqueue")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "import --enqueue failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn start_worker(db: &Db, dir: &Path, name: &str, exit_when_idle: bool) -> Child {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    let mut cmd = crate::bin();
    cmd.args(["--db", &db.url(), "worker", "--no-feeds", "--lease", "5"])
        .args(["--batch", "8", "--id", name]);
    if exit_when_idle {
        cmd.arg("--exit-when-idle");
    }
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

pub(crate) fn log_of(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default()
}

/// Waits until `done` holds, polling; panics with `what` at the deadline.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub(crate) fn wait_exit(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{what} did not exit");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn articles_done(store: &PgStore) -> u64 {
    store.job_counts().map_or(0, |c| c.done)
}

/// Every article stored once, analysed once, in exactly one story; every job done.
fn assert_exactly_once(db: &Db, n: i64) {
    let store = db.store();
    assert_eq!(
        store.article_count().unwrap(),
        n as u64,
        "every article stored once"
    );
    let c = store.job_counts().unwrap();
    assert_eq!(
        (c.done, c.running, c.queued, c.failed),
        (n as u64, 0, 0, 0),
        "every job done, none held"
    );
    let mut sql = db.sql();
    let one =
        |sql: &mut postgres::Client, q: &str| -> i64 { sql.query_one(q, &[]).unwrap().get(0) };
    assert_eq!(
        one(&mut sql, "SELECT COUNT(*) FROM analyses"),
        n,
        "one analysis per article"
    );
    assert_eq!(
        one(&mut sql, "SELECT COUNT(DISTINCT article_id) FROM analyses"),
        n
    );
    assert_eq!(
        one(&mut sql, "SELECT COUNT(*) FROM story_articles"),
        n,
        "each article in one story, once"
    );
    assert_eq!(
        one(
            &mut sql,
            "SELECT COUNT(DISTINCT article_id) FROM story_articles"
        ),
        n
    );
    let twice: Vec<String> = sql
        .query(
            "SELECT article_id, key, source, seen FROM sightings WHERE article_id IN
             (SELECT article_id FROM sightings GROUP BY article_id HAVING COUNT(*) > 1)
             ORDER BY article_id, seq",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            let (id, key, source, seen): (String, String, Option<String>, i64) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            format!("{id} {key} {source:?} {seen}")
        })
        .collect();
    assert!(twice.is_empty(), "no sighting recorded twice: {twice:#?}");
}

#[test]
fn three_workers_one_killed_store_every_article_once() {
    let _shared = pg_shared();
    let Some(base) = server() else { return };
    let db = Db::new(&base);
    let dir = tempfile::tempdir().unwrap();
    let path = write_articles(dir.path(), 2000);
    enqueue(&db, &path);
    let store = db.store();
    assert_eq!(store.job_counts().unwrap().queued, 2000);
    let mut workers: Vec<Child> = ["w1", "w2", "w3"]
        .iter()
        .map(|name| start_worker(&db, dir.path(), name, true))
        .collect();
    wait_for("the first 300 articles", || articles_done(&store) >= 300);
    workers[1].kill().unwrap(); // SIGKILL
    let _ = workers[1].wait();
    for (i, w) in workers.iter_mut().enumerate() {
        if i == 1 {
            continue;
        }
        let status = wait_exit(w, "a surviving worker");
        assert!(
            status.success(),
            "worker {} failed: {}",
            i + 1,
            log_of(dir.path(), &format!("w{}", i + 1))
        );
    }
    assert_exactly_once(&db, 2000);
}

#[test]
fn workers_reconnect_after_the_server_drops_their_connections() {
    let Some(base) = server() else { return };
    let _alone = PG_USERS.write().unwrap_or_else(|p| p.into_inner());
    let db = Db::new(&base);
    let dir = tempfile::tempdir().unwrap();
    let path = write_articles(dir.path(), 400);
    enqueue(&db, &path);
    let store = db.store();
    let mut workers: Vec<Child> = ["r1", "r2"]
        .iter()
        .map(|name| start_worker(&db, dir.path(), name, true))
        .collect();
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    for round in 1..=2u64 {
        wait_for("progress", || articles_done(&store) >= 100 * round);
        // The second drop is a real restart of the local cluster, unless
        // CLAIMTRAIL_TEST_PG_RESTART=0 or the server cannot be restarted from here: then the
        // backends are terminated again.
        if round == 2 && std::env::var("CLAIMTRAIL_TEST_PG_RESTART").as_deref() != Ok("0") {
            match restart_postgres(&base) {
                Ok(()) => {
                    eprintln!("restarted PostgreSQL with two workers running");
                    break;
                }
                Err(why) => eprintln!("cannot restart PostgreSQL ({why}): terminating again"),
            }
        }
        let killed: i64 = admin
            .query_one(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE application_name = $1",
                &[&db.schema],
            )
            .unwrap()
            .get(0);
        assert!(killed > 0, "the workers' connections were found");
    }
    for (i, w) in workers.iter_mut().enumerate() {
        let status = wait_exit(w, "a worker");
        let name = format!("r{}", i + 1);
        assert!(
            status.success(),
            "{name} failed: {}",
            log_of(dir.path(), &name)
        );
    }
    assert_exactly_once(&db, 400);
}

#[test]
fn sigterm_finishes_or_releases_the_batch_and_exits_zero() {
    let _shared = pg_shared();
    let Some(base) = server() else { return };
    let db = Db::new(&base);
    let dir = tempfile::tempdir().unwrap();
    let path = write_articles(dir.path(), 300);
    enqueue(&db, &path);
    let store = db.store();
    let mut worker = start_worker(&db, dir.path(), "t1", false);
    wait_for("some articles", || articles_done(&store) >= 40);
    let term = Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = wait_exit(&mut worker, "the stopped worker");
    assert!(
        status.success(),
        "exit 0 on SIGTERM: {}",
        log_of(dir.path(), "t1")
    );
    let mut sql = db.sql();
    let held: i64 = sql
        .query_one(
            "SELECT COUNT(*) FROM jobs WHERE lease_owner = 't1' OR state = 'running'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(held, 0, "no job left held by the stopped worker");
    assert!(articles_done(&store) < 300, "it stopped before the end");
    let mut rest = start_worker(&db, dir.path(), "t2", true);
    assert!(wait_exit(&mut rest, "the second worker").success());
    assert_exactly_once(&db, 300);
}
