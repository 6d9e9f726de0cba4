//! The schema as an ordered list of migrations, applied in one transaction and recorded in
//! `schema_version`.
//!
//! Rules: a migration, once released, is never edited; change the schema by appending one.
//! Versions are 1, 2, 3, ... with no gaps (a test checks), so "newer than this build" is a
//! plain comparison. The PostgreSQL store (`postgres::migrations`) keeps the same versions and
//! names with its own SQL, so a database can move between backends at a known version.

use super::{q, ts};
use crate::error::ErrorKind;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "feeds and fetch history",
        sql: "
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('feed', 'telegram', 'page')),
    etag TEXT,
    last_modified TEXT,
    added INTEGER NOT NULL,
    last_success INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_poll INTEGER
);
CREATE INDEX feeds_next_poll ON feeds (next_poll);
CREATE TABLE fetches (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('fetched', 'not_modified', 'failed')),
    error TEXT,
    http_status INTEGER,
    duration_ms INTEGER NOT NULL,
    items INTEGER NOT NULL,
    new_articles INTEGER NOT NULL,
    etag TEXT,
    last_modified TEXT,
    next_poll INTEGER NOT NULL
);
CREATE INDEX fetches_feed_at ON fetches (feed_id, at);
",
    },
    Migration {
        version: 2,
        name: "articles",
        // `seq` is the rowid that FTS5 points at (a TEXT primary key would leave the rowid
        // unstable across VACUUM). `hash_key` is the content hash when the text has words
        // and NULL otherwise, so that its UNIQUE index dedups by content without making all
        // empty texts one article.
        sql: "
CREATE TABLE articles (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    url TEXT,
    canonical_url TEXT UNIQUE,
    content_hash TEXT NOT NULL,
    hash_key TEXT UNIQUE,
    title TEXT,
    byline TEXT,
    published INTEGER,
    site_name TEXT,
    language TEXT,
    source TEXT,
    text TEXT NOT NULL,
    fetched INTEGER NOT NULL,
    copy_of TEXT REFERENCES articles (id)
);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_fetched ON articles (fetched);
CREATE INDEX articles_content_hash ON articles (content_hash);
CREATE INDEX articles_copy_of ON articles (copy_of);
",
    },
    Migration {
        version: 3,
        name: "full-text search over articles",
        // External-content FTS5: the text is stored once, in `articles`; triggers keep the
        // index in step inside the same transaction as the row.
        sql: "
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, text,
    content = 'articles', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
END;
",
    },
    Migration {
        version: 4,
        name: "analyses",
        sql: "
CREATE TABLE analyses (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    pipeline_version TEXT NOT NULL,
    json TEXT NOT NULL,
    analyzed INTEGER NOT NULL,
    PRIMARY KEY (article_id, pipeline_version)
);
CREATE INDEX analyses_version ON analyses (pipeline_version);
",
    },
    Migration {
        version: 5,
        name: "stories and membership",
        sql: "
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    title TEXT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE INDEX stories_last_seen ON stories (last_seen);
CREATE TABLE story_articles (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    added INTEGER NOT NULL,
    PRIMARY KEY (story_id, article_id)
);
CREATE INDEX story_articles_article ON story_articles (article_id);
",
    },
    Migration {
        version: 6,
        name: "sightings and story terms",
        // A sighting is one outlet carrying an article: the original's own, and every exact
        // copy that dedup folded into it (same text, another outlet and URL). `key` is the URL,
        // else the outlet, else empty, so the same page seen twice is one sighting.
        // `article_terms` keeps the clusterer's weighted terms per article, so a restarted
        // tracker rebuilds its active stories without re-running the analyzer.
        sql: "
CREATE TABLE sightings (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    url TEXT,
    source TEXT,
    published INTEGER,
    seen INTEGER NOT NULL,
    PRIMARY KEY (article_id, key)
);
CREATE TABLE article_terms (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    terms BLOB NOT NULL
);
",
    },
    Migration {
        version: 7,
        name: "jobs",
        // The work queue shared by workers: `key` makes enqueueing idempotent, a lease
        // (`lease_owner`, `lease_until`) marks a claimed job, and an expired lease makes it
        // claimable again. `jobs_open` keeps claiming cheap however many jobs are done.
        sql: "
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('feed', 'article')),
    key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    run_after INTEGER NOT NULL,
    last_error TEXT,
    created INTEGER NOT NULL,
    finished INTEGER
);
CREATE INDEX jobs_open ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_lease_owner ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;
",
    },
    Migration {
        version: 8,
        name: "watches and webhook deliveries",
        // Alerts: `watches` says what to look for and where to post it; `deliveries` is the
        // outbox, unique per (watch, key) so that a re-scan never enqueues twice, leased like
        // jobs so that two processes never send one delivery at once; `alert_cursor` is the
        // one row holding the storage order (`seq`) up to which articles were scanned.
        sql: "
CREATE TABLE watches (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('speaker', 'entity', 'keyword', 'claim')),
    value TEXT NOT NULL,
    webhook TEXT NOT NULL,
    secret TEXT NOT NULL,
    after_seq INTEGER NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error TEXT,
    lease_holder TEXT,
    lease_until INTEGER,
    created INTEGER NOT NULL,
    finished INTEGER,
    UNIQUE (watch_id, key)
);
CREATE INDEX deliveries_pending ON deliveries (next_attempt) WHERE status = 'pending';
CREATE TABLE alert_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
",
    },
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// (version, name) of every migration this build knows, in order.
pub fn known() -> Vec<(i64, &'static str)> {
    MIGRATIONS.iter().map(|m| (m.version, m.name)).collect()
}

pub(crate) fn current_version(conn: &Connection) -> Result<i64, ErrorKind> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )
    .map_err(q("reading the schema version"))
}

/// Applies every pending migration in one IMMEDIATE transaction: two processes opening a new
/// file at once serialize here, and a failure leaves the file at its old version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), ErrorKind> {
    apply(conn, MIGRATIONS)
}

pub(crate) fn apply(conn: &mut Connection, migrations: &[Migration]) -> Result<(), ErrorKind> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(q("starting the migration"))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version INTEGER PRIMARY KEY,
             name TEXT NOT NULL,
             applied INTEGER NOT NULL
         )",
    )
    .map_err(q("creating schema_version"))?;
    let found: Option<i64> = tx
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .optional()
        .map_err(q("reading the schema version"))?
        .flatten();
    let found = found.unwrap_or(0);
    let supported = migrations.last().map_or(0, |m| m.version);
    if found > supported {
        return Err(ErrorKind::TooNew { found, supported });
    }
    let now = ts(std::time::SystemTime::now().into());
    for m in migrations.iter().filter(|m| m.version > found) {
        tx.execute_batch(m.sql).map_err(q("applying a migration"))?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, now],
        )
        .map_err(q("recording a migration"))?;
    }
    tx.commit().map_err(q("committing the migration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_one_two_three_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "migration {:?}", m.name);
        }
    }

    #[test]
    fn a_failing_migration_leaves_the_old_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, &MIGRATIONS[..1]).unwrap();
        let broken = [
            Migration {
                version: 1,
                name: MIGRATIONS[0].name,
                sql: MIGRATIONS[0].sql,
            },
            Migration {
                version: 2,
                name: "good",
                sql: "CREATE TABLE t (x INTEGER);",
            },
            Migration {
                version: 3,
                name: "broken",
                sql: "CREATE TABLE oops (;",
            },
        ];
        assert!(apply(&mut conn, &broken).is_err());
        assert_eq!(current_version(&conn).unwrap(), 1);
        let t: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 't'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            t, 0,
            "the good migration before the broken one was rolled back"
        );
    }
}
