//! OPML: the file format feed readers use to exchange subscription lists.
//!
//! An `outline` with an `xmlUrl` is a feed; an outline without one is a folder, and the
//! folders around a feed become its [`Subscription::category`]. Attribute names are matched
//! without regard to case (`xmlUrl`, `xmlurl` and `XMLURL` all occur in the wild).

use crate::error::IngestError;
use model::Subscription;
use quick_xml::events::{BytesStart, Event};

/// Reads the subscriptions in an OPML document. `name` appears in errors.
///
/// ```
/// let opml = br#"<opml version="2.0"><body><outline text="News">
///   <outline text="Example" type="rss" xmlUrl="https://example.org/rss"/></outline></body></opml>"#;
/// let subs = ingest::opml::parse("subs.opml", opml).unwrap();
/// assert_eq!(subs[0].category, vec!["News".to_string()]);
/// ```
pub fn parse(name: &str, bytes: &[u8]) -> Result<Vec<Subscription>, IngestError> {
    let text = crate::decode::decode(bytes, None, crate::decode::Kind::Xml).text;
    let text = crate::decode::declare_utf8(&text);
    let err = |message: String| IngestError::Opml {
        input: name.to_string(),
        message,
    };
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut subs = Vec::new();
    let mut saw_opml = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| err(format!("at byte {}: {e}", reader.error_position())))?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "opml" => {
                saw_opml = true;
                let _ = e;
            }
            Event::Start(e) if e.local_name().as_ref() == "outline" => {
                let attrs = attributes(&e);
                match feed_of(&attrs, &folders) {
                    Some(s) => {
                        subs.push(s);
                        // A feed outline with children: its children are not in a folder
                        // of its name.
                        folders.push(None);
                    }
                    None => folders.push(title_of(&attrs)),
                }
            }
            Event::Empty(e) if e.local_name().as_ref() == "outline" => {
                let attrs = attributes(&e);
                if let Some(s) = feed_of(&attrs, &folders) {
                    subs.push(s);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "outline" => {
                folders.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_opml {
        return Err(err("no <opml> root element".into()));
    }
    Ok(subs)
}

fn attributes(e: &BytesStart) -> Vec<(String, String)> {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            let key = a.key.local_name().as_ref().to_ascii_lowercase();
            let value = a
                .normalized_value(quick_xml::XmlVersion::default())
                .ok()?
                .trim()
                .to_string();
            Some((key, value))
        })
        .collect()
}

fn get<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

fn title_of(attrs: &[(String, String)]) -> Option<String> {
    get(attrs, "title")
        .or_else(|| get(attrs, "text"))
        .map(str::to_string)
}

fn feed_of(attrs: &[(String, String)], folders: &[Option<String>]) -> Option<Subscription> {
    let url = get(attrs, "xmlurl")?;
    Some(Subscription {
        feed_url: url.to_string(),
        title: title_of(attrs),
        site_url: get(attrs, "htmlurl").map(str::to_string),
        category: folders.iter().flatten().cloned().collect(),
    })
}

/// Writes subscriptions as OPML 2.0, one folder level per category element.
pub fn write(title: &str, subs: &[Subscription]) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    out.push_str(&format!(
        "  <head><title>{}</title></head>\n  <body>\n",
        esc(title)
    ));
    let mut open: Vec<String> = Vec::new();
    let mut sorted: Vec<&Subscription> = subs.iter().collect();
    // Grouping by category keeps each folder in one piece; within it, input order stays.
    sorted.sort_by(|a, b| a.category.cmp(&b.category));
    for s in sorted {
        let common = open
            .iter()
            .zip(&s.category)
            .take_while(|(a, b)| a == b)
            .count();
        while open.len() > common {
            open.pop();
            out.push_str(&"  ".repeat(open.len() + 2));
            out.push_str("</outline>\n");
        }
        for c in &s.category[common..] {
            out.push_str(&"  ".repeat(open.len() + 2));
            out.push_str(&format!("<outline text=\"{0}\" title=\"{0}\">\n", esc(c)));
            open.push(c.clone());
        }
        out.push_str(&"  ".repeat(open.len() + 2));
        let title = s.title.as_deref().unwrap_or(&s.feed_url);
        out.push_str(&format!(
            "<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"",
            esc(title),
            esc(&s.feed_url)
        ));
        if let Some(h) = &s.site_url {
            out.push_str(&format!(" htmlUrl=\"{}\"", esc(h)));
        }
        out.push_str("/>\n");
    }
    while !open.is_empty() {
        open.pop();
        out.push_str(&"  ".repeat(open.len() + 2));
        out.push_str("</outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_folders_and_titles() {
        let subs = vec![
            Subscription {
                feed_url: "https://a.example/rss?x=1&y=2".into(),
                title: Some("A & B".into()),
                site_url: Some("https://a.example/".into()),
                category: vec!["News".into(), "Asia".into()],
            },
            Subscription {
                feed_url: "https://b.example/atom".into(),
                title: None,
                site_url: None,
                category: vec![],
            },
            Subscription {
                feed_url: "https://c.example/feed.json".into(),
                title: Some("C".into()),
                site_url: None,
                category: vec!["News".into()],
            },
        ];
        let xml = write("claimtrail", &subs);
        let mut back = parse("export.opml", xml.as_bytes()).unwrap();
        back.sort_by(|a, b| a.feed_url.cmp(&b.feed_url));
        let mut expected = subs.clone();
        expected[1].title = Some("https://b.example/atom".into());
        assert_eq!(back, expected);
    }

    #[test]
    fn malformed_opml_names_the_file() {
        let e = parse("bad.opml", b"<opml><body><outline text='x'></body>").unwrap_err();
        assert!(e.to_string().starts_with("bad.opml"), "{e}");
        let e = parse("html.opml", b"<html><body/></html>").unwrap_err();
        assert!(e.to_string().contains("no <opml>"), "{e}");
    }
}
