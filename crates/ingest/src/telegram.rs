//! Public Telegram channels, read through their web preview (`https://t.me/s/<channel>`).
//!
//! The preview is an HTML page of the latest ~20 posts, each a `div.tgme_widget_message`
//! with `data-post="<channel>/<id>"`; the text is in `.tgme_widget_message_text`, the view
//! count in `.tgme_widget_message_views` (abbreviated: `1.2K`), the time in the
//! `time[datetime]` of the post's date link. Photos and videos show as
//! `.tgme_widget_message_photo_wrap` and `.tgme_widget_message_video` (or `_roundvideo`).
//! Older posts are on the page that `link[rel=prev]` names (`?before=<id>`).
//!
//! The markup is Telegram's and changes without notice, so every field but the id is
//! optional: a post whose views or date moved elsewhere still comes through with its text.
//! Service messages (channel created, photo changed) are skipped.

use crate::error::{check_size, IngestError};
use chrono::{DateTime, Utc};
use dom_query::{Document, NodeRef};
use model::TelegramPost;

/// Preview pages are about 100 KB; a page a hundred times larger is not one.
pub const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// One preview page.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelPage {
    /// The channel's username, from the posts or the page header.
    pub channel: Option<String>,
    /// The channel's display name.
    pub title: Option<String>,
    /// Posts in page order (oldest first, as Telegram lays them out).
    pub posts: Vec<TelegramPost>,
    /// Address of the page with older posts, resolved against `t.me`.
    pub older: Option<String>,
}

/// The preview page address for a channel name, `@name`, `t.me/name` or `t.me/s/name`.
pub fn preview_url(channel: &str) -> Result<String, IngestError> {
    let c = channel.trim().trim_start_matches('@');
    let c = c
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("t.me/")
        .trim_start_matches("s/")
        .trim_end_matches('/');
    let valid = !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
    if !valid {
        return Err(IngestError::Telegram {
            input: channel.to_string(),
            message: "a channel name has only letters, digits and underscores".into(),
        });
    }
    Ok(format!("https://t.me/s/{c}"))
}

/// Parses a preview page. `name` (its URL or path) appears in errors.
pub fn parse(name: &str, bytes: &[u8]) -> Result<ChannelPage, IngestError> {
    check_size(name, bytes, MAX_PAGE_BYTES)?;
    let html = crate::decode::decode(bytes, None, crate::decode::Kind::Html).text;
    let doc = Document::from(html.as_str());
    let messages = doc.select("div.tgme_widget_message[data-post]");
    let header = doc.select(".tgme_channel_info, .tgme_page_title, .tgme_header_title");
    if messages.is_empty() && header.is_empty() {
        return Err(IngestError::Telegram {
            input: name.to_string(),
            message: "no tgme_widget_message posts and no channel header".into(),
        });
    }
    let mut posts = Vec::new();
    for m in messages.nodes() {
        if m.has_class("service_message") {
            continue;
        }
        if let Some(p) = post(m) {
            posts.push(p);
        }
    }
    let channel = posts.first().map(|p| p.channel.clone()).or_else(|| {
        doc.select(".tgme_channel_info_header_username a")
            .text()
            .trim()
            .strip_prefix('@')
            .map(str::to_string)
    });
    let title = crate::feed::clean(
        &doc.select(".tgme_channel_info_header_title, .tgme_header_title")
            .first()
            .text(),
    );
    let older = doc
        .select("link[rel=prev]")
        .attr("href")
        .and_then(|h| crate::url::resolve(Some("https://t.me/"), &h).ok());
    Ok(ChannelPage {
        channel,
        title,
        posts,
        older,
    })
}

fn post(m: &NodeRef) -> Option<TelegramPost> {
    let data_post = m.attr("data-post")?;
    let (channel, id) = data_post.rsplit_once('/')?;
    let id: u64 = id.trim().parse().ok()?;
    let sel = dom_query::Selection::from(*m);
    // A reply quotes the replied-to post inside this one; only the post's own text counts.
    let text_node = sel
        .select(".tgme_widget_message_text")
        .nodes()
        .iter()
        .find(|n| {
            !n.ancestors(None)
                .iter()
                .any(|a| a.has_class("tgme_widget_message_reply"))
        })
        .copied();
    let text = text_node.as_ref().map(message_text).unwrap_or_default();
    let mut links: Vec<String> = Vec::new();
    if let Some(t) = &text_node {
        for a in dom_query::Selection::from(*t).select("a[href]").nodes() {
            push_link(&mut links, a.attr("href").as_deref());
        }
    }
    for a in sel.select("a.tgme_widget_message_link_preview").nodes() {
        push_link(&mut links, a.attr("href").as_deref());
    }
    let date = sel
        .select(".tgme_widget_message_date time[datetime]")
        .attr("datetime")
        .or_else(|| sel.select("time[datetime]").attr("datetime"))
        .and_then(|d| parse_time(&d));
    let views = sel
        .select(".tgme_widget_message_views")
        .first()
        .nodes()
        .first()
        .and_then(|n| parse_views(&n.text()));
    let has_photo = sel
        .select(".tgme_widget_message_photo_wrap, .tgme_widget_message_photo")
        .exists();
    let has_video = sel
        .select(".tgme_widget_message_video, .tgme_widget_message_video_player, .tgme_widget_message_roundvideo")
        .exists();
    Some(TelegramPost {
        channel: channel.to_string(),
        id,
        date,
        text,
        views,
        links,
        has_photo,
        has_video,
    })
}

fn push_link(links: &mut Vec<String>, href: Option<&str>) {
    let Some(href) = href else { return };
    // Hashtags and mentions link back into Telegram's own search; they are not sources.
    if href.starts_with('?') || href.starts_with("javascript:") {
        return;
    }
    if let Ok(u) = crate::url::resolve(Some("https://t.me/"), href) {
        if !links.contains(&u) {
            links.push(u);
        }
    }
}

/// The text of a message, with `<br>` as line breaks and nothing else of the markup.
fn message_text(node: &NodeRef) -> String {
    let mut out = String::new();
    walk(node, &mut out, 0);
    let lines: Vec<String> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    lines.join("\n").trim().to_string()
}

fn walk(node: &NodeRef, out: &mut String, depth: usize) {
    // Message markup is a few levels deep; a page nested deeper is junk, and recursion
    // must not follow it down.
    if depth > 64 {
        out.push_str(&node.text());
        return;
    }
    for child in node.children() {
        if child.is_text() {
            out.push_str(&child.text());
        } else if let Some(name) = child.node_name() {
            match name.as_ref() {
                "br" => out.push('\n'),
                "script" | "style" => {}
                "p" | "div" | "blockquote" => {
                    walk(&child, out, depth + 1);
                    out.push('\n');
                }
                _ => walk(&child, out, depth + 1),
            }
        }
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// `950`, `1.2K`, `3.4M`, `12 345` as Telegram writes view counts.
pub fn parse_views(s: &str) -> Option<u64> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (num, mult) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1e3),
        'M' | 'm' => (&s[..s.len() - 1], 1e6),
        'B' | 'b' => (&s[..s.len() - 1], 1e9),
        _ => (s.as_str(), 1.0),
    };
    let v: f64 = num.replace(',', ".").parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * mult).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views() {
        assert_eq!(parse_views("950"), Some(950));
        assert_eq!(parse_views("1.2K"), Some(1200));
        assert_eq!(parse_views("3.4M"), Some(3_400_000));
        assert_eq!(parse_views(""), None);
        assert_eq!(parse_views("many"), None);
    }

    #[test]
    fn preview_urls() {
        assert_eq!(
            preview_url("@some_channel").unwrap(),
            "https://t.me/s/some_channel"
        );
        assert_eq!(
            preview_url("https://t.me/s/abc/").unwrap(),
            "https://t.me/s/abc"
        );
        assert!(preview_url("bad name").is_err());
    }

    #[test]
    fn a_page_without_telegram_markup_is_an_error() {
        let e = parse("page.html", b"<html><body><p>hello</p></body></html>").unwrap_err();
        assert!(e.to_string().contains("page.html"));
    }
}
