//! Parsers run on the fixture files in `testdata/`: one feed per format, a windows-1251
//! feed with and without its declaration, malformed XML, a Telegram preview page, article
//! pages, and junk.

use ingest::extract::{self, Options};
use ingest::{feed, telegram, IngestError};
use model::FeedFormat;
use std::path::{Path, PathBuf};

fn data(name: &str) -> Vec<u8> {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn rss2_items_with_content_and_dates() {
    let f = feed::parse("rss2.xml", &data("rss2.xml"), None).unwrap();
    assert_eq!(f.format, FeedFormat::Rss2);
    assert_eq!(f.title.as_deref(), Some("Example Wire — World"));
    assert_eq!(f.language.as_deref(), Some("en-us"));
    assert_eq!(f.items.len(), 2);
    let first = &f.items[0];
    assert_eq!(first.id.as_str(), "wire-2024-0305-001");
    assert_eq!(
        first.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-04T23:15:00+00:00")
    );
    assert!(first.content.as_deref().unwrap_or("").contains("350 km"));
    assert_eq!(first.authors, vec!["Kim Example".to_string()]);
    assert_eq!(
        f.items[1].title.as_deref(),
        Some("Talks to resume in Geneva & Vienna")
    );
}

#[test]
fn rss091_and_rss1() {
    let f = feed::parse("rss091.xml", &data("rss091.xml"), None).unwrap();
    assert_eq!(f.format, FeedFormat::Rss0);
    assert_eq!(
        f.items[0].url.as_deref(),
        Some("http://gazette.example.net/2024/03/library.html")
    );
    let f = feed::parse("rss1.rdf", &data("rss1.rdf"), None).unwrap();
    assert_eq!(f.format, FeedFormat::Rss1);
    assert_eq!(f.items.len(), 2);
    assert!(f.items[1].published.is_some());
}

#[test]
fn atom_with_two_authors_and_html_title() {
    let f = feed::parse("atom.xml", &data("atom.xml"), None).unwrap();
    assert_eq!(f.format, FeedFormat::Atom);
    let e = &f.items[0];
    assert_eq!(
        e.url.as_deref(),
        Some("https://observer.example.com/2024/03/envoy-denies")
    );
    assert_eq!(e.authors.len(), 2);
    assert_eq!(
        e.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-05T09:00:00+00:00")
    );
}

#[test]
fn json_feed() {
    let f = feed::parse("feed.json", &data("feed.json"), None).unwrap();
    assert_eq!(f.format, FeedFormat::JsonFeed);
    assert_eq!(f.items.len(), 2);
    assert_eq!(
        f.items[0].title.as_deref(),
        Some("Ceasefire holds for a third day")
    );
    assert_eq!(f.items[0].authors, vec!["D. Writer".to_string()]);
}

#[test]
fn windows_1251_feed_decodes_with_or_without_declaration() {
    for (name, hint) in [
        ("cp1251.xml", None),
        ("cp1251-undeclared.xml", None),
        // A server that claims UTF-8 for these bytes is wrong; the bytes overrule it.
        ("cp1251.xml", Some("utf-8")),
    ] {
        let f = feed::parse(name, &data(name), hint).unwrap();
        assert_eq!(
            f.title.as_deref(),
            Some("Пример Новости"),
            "{name} {hint:?}"
        );
        assert_eq!(
            f.items[0].title.as_deref(),
            Some("Министерство опровергло сообщения о переброске войск")
        );
    }
}

#[test]
fn malformed_xml_is_an_error_naming_the_feed() {
    let e = feed::parse(
        "https://broken.example.org/rss",
        &data("malformed.xml"),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, IngestError::Feed { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("https://broken.example.org/rss"),
        "{e}"
    );
    for junk in [
        &b""[..],
        b"hello",
        b"<html><body>not a feed</body></html>",
        b"\x00\xff\xfe",
    ] {
        assert!(feed::parse("junk", junk, None).is_err());
    }
}

#[test]
fn telegram_preview_page() {
    let page = telegram::parse("https://t.me/s/example_monitor", &data("telegram.html")).unwrap();
    assert_eq!(page.channel.as_deref(), Some("example_monitor"));
    assert_eq!(page.title.as_deref(), Some("Example Monitor"));
    assert_eq!(
        page.older.as_deref(),
        Some("https://t.me/s/example_monitor?before=1201")
    );
    // The service message (1200) is skipped.
    let ids: Vec<u64> = page.posts.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![1201, 1202, 1203]);

    let p = &page.posts[0];
    assert!(
        p.text.starts_with("⚡️ Breaking: The defence ministry says"),
        "{}",
        p.text
    );
    assert!(
        p.text.contains("\n\nDetails:"),
        "line breaks kept: {:?}",
        p.text
    );
    assert_eq!(p.views, Some(12_400));
    assert_eq!(
        p.links,
        vec!["https://wire.example.org/world/missile-launch".to_string()]
    );
    assert!(p.has_photo && !p.has_video);
    assert_eq!(
        p.date.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-05T08:20:11+00:00")
    );

    let reply = &page.posts[1];
    assert_eq!(
        reply.text,
        "Update: the foreign ministry calls the launch \"a grave provocation\"."
    );
    assert_eq!(reply.views, Some(950));
    assert_eq!(
        reply.links,
        vec!["https://news.example.com/launch-reaction".to_string()]
    );

    let video = &page.posts[2];
    assert!(video.has_video && !video.has_photo);
    assert_eq!(video.text, "");
    assert_eq!(video.views, Some(1_100_000));
    assert_eq!(video.url(), "https://t.me/example_monitor/1203");
}

#[test]
fn article_with_json_ld() {
    let a = extract::extract(
        &data("article-jsonld.html"),
        &Options::with_url("https://observer.example.com/2024/03/envoy-denies"),
    )
    .unwrap();
    assert_eq!(
        a.title.as_deref(),
        Some("Envoy denies report of troop deployment")
    );
    assert_eq!(a.byline.as_deref(), Some("A. Correspondent, B. Analyst"));
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-05T09:00:00+00:00")
    );
    assert_eq!(
        a.canonical_url.as_deref(),
        Some("https://observer.example.com/2024/03/envoy-denies?ref=home")
    );
    assert_eq!(a.site_name.as_deref(), Some("Example Observer"));
    assert_eq!(a.language.as_deref(), Some("en-US"));
    assert!(a.text.contains("dismissed as groundless"), "{}", a.text);
    assert!(
        a.text.contains("summon the newspaper's correspondent"),
        "{}",
        a.text
    );
    for boilerplate in [
        "Privacy",
        "All rights reserved",
        "Nobody believes",
        "Business",
    ] {
        assert!(!a.text.contains(boilerplate), "{boilerplate} in {}", a.text);
    }
}

#[test]
fn article_with_meta_tags_only() {
    let a = extract::extract(&data("article-meta.html"), &Options::default()).unwrap();
    assert_eq!(a.title.as_deref(), Some("Port strike enters second week"));
    assert_eq!(a.byline.as_deref(), Some("R. Reporter"));
    assert_eq!(
        a.canonical_url.as_deref(),
        Some("https://journal.example.com/a/1")
    );
    assert_eq!(a.site_name.as_deref(), Some("Example Journal"));
    assert!(a.published.is_some());
    assert!(a.text.starts_with("Dock workers"), "{}", a.text);
    assert!(!a.text.contains("Most read"));
}

#[test]
fn article_in_windows_1251() {
    let a = extract::extract(&data("article-cp1251.html"), &Options::default()).unwrap();
    assert_eq!(a.language.as_deref(), Some("ru"));
    assert!(
        a.text.contains("Представитель министерства обороны"),
        "{}",
        a.text
    );
    assert_eq!(a.site_name.as_deref(), Some("Пример Новости"));
}

#[test]
fn hundred_megabyte_page_is_refused_quickly() {
    let big = vec![b'x'; 100 * 1024 * 1024];
    let start = std::time::Instant::now();
    let e = extract::extract(&big, &Options::with_url("https://example.org/huge")).unwrap_err();
    assert!(matches!(e, IngestError::TooLarge { .. }), "{e:?}");
    assert!(e.to_string().contains("https://example.org/huge"));
    assert!(start.elapsed().as_secs() < 2);
}

#[test]
fn junk_never_panics() {
    let mut seed = 0x2545F4914F6CDD1Du64;
    for len in [0usize, 1, 7, 100, 4096, 70_000] {
        let mut junk = Vec::with_capacity(len);
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            junk.push(seed as u8);
        }
        let _ = extract::extract(&junk, &Options::default());
        let _ = feed::parse("junk", &junk, None);
        let _ = telegram::parse("junk", &junk);
        let _ = ingest::opml::parse("junk", &junk);
    }
    // Deep nesting and unclosed tags.
    let deep = "<div>".repeat(20_000) + "<p>text";
    let _ = extract::extract(deep.as_bytes(), &Options::default());
}
