//! Bytes to text: choosing the character encoding of a page or a feed.
//!
//! Order of trust, after the WHATWG encoding sniffing rules: a byte-order mark, then the
//! HTTP `charset`, then the document's own declaration (`<meta charset>`, the XML
//! declaration), then `chardetng`'s guess. Declarations are often wrong, so two checks
//! overrule them: a declared UTF-8 that does not decode is re-detected, and a declared
//! legacy encoding is replaced by UTF-8 when the bytes are valid, non-ASCII UTF-8 (the
//! commonest mislabel), or by the detector's guess when that guess is confident and the
//! declared label is the Latin-1 family that servers fall back on by default.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// How far into a document a declaration is looked for. The HTML standard says 1024 bytes;
/// real pages put long scripts first, so we look further.
const PRESCAN: usize = 4096;

/// Text decoded from bytes, with the encoding that was used and why.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    /// True when the encoding was guessed rather than taken from a BOM or a declaration.
    pub detected: bool,
}

/// Which in-document declaration to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Html,
    Xml,
}

/// Decodes `bytes`, taking `http_charset` (the `charset` parameter of a Content-Type header)
/// as a hint. Never fails: undecodable bytes become U+FFFD.
pub fn decode(bytes: &[u8], http_charset: Option<&str>, kind: Kind) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: enc,
            detected: false,
        };
    }
    let declared = http_charset
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        .or_else(|| match kind {
            Kind::Html => meta_charset(bytes),
            Kind::Xml => xml_encoding(bytes),
        })
        // A page cannot really be UTF-16 without a BOM once it declared so in ASCII.
        .map(|e| e.output_encoding());
    let enc = choose(bytes, declared);
    let (text, _, _) = enc.decode(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc,
        detected: declared != Some(enc),
    }
}

fn choose(bytes: &[u8], declared: Option<&'static Encoding>) -> &'static Encoding {
    let valid_utf8 = std::str::from_utf8(bytes).is_ok();
    match declared {
        Some(enc) if enc == UTF_8 => {
            if valid_utf8 {
                UTF_8
            } else {
                detect(bytes).0
            }
        }
        Some(enc) => {
            if valid_utf8 && !bytes.is_ascii() {
                return UTF_8;
            }
            let latin1_default = enc == WINDOWS_1252 || enc.name() == "ISO-8859-1";
            if latin1_default {
                let (guess, confident) = detect(bytes);
                if confident && guess != enc {
                    return guess;
                }
            }
            enc
        }
        None if valid_utf8 => UTF_8,
        None => detect(bytes).0,
    }
}

fn detect(bytes: &[u8]) -> (&'static Encoding, bool) {
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
    det.guess_assess(None, true)
}

/// `<meta charset=X>` or `<meta http-equiv=Content-Type content="...; charset=X">` in the
/// first bytes of a page.
pub fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + b"charset".len()..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                if let Some(enc) = label_at(trim_start(rest)) {
                    return Some(enc);
                }
            }
        }
        from = end;
        if from >= lower.len() {
            break;
        }
    }
    None
}

/// `encoding="X"` in an XML declaration at the very start of a document.
pub fn xml_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(512)];
    let start = find(head, b"<?xml")?;
    let end = find(&head[start..], b"?>")? + start;
    let decl = &head[start..end];
    let at = find(decl, b"encoding")?;
    let rest = trim_start(&decl[at + b"encoding".len()..]);
    let rest = trim_start(rest.strip_prefix(b"=")?);
    label_at(rest)
}

/// Replaces the XML declaration's encoding with UTF-8 after the text has been decoded, so
/// that an XML parser reading the UTF-8 bytes does not decode them a second time.
pub fn declare_utf8(xml: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = xml.trim_start();
    if !trimmed.starts_with("<?xml") {
        return xml.into();
    }
    let Some(end) = trimmed.find("?>") else {
        return xml.into();
    };
    let offset = xml.len() - trimmed.len();
    let decl = &trimmed[..end];
    let Some(at) = decl.find("encoding") else {
        return xml.into();
    };
    let after = &decl[at + "encoding".len()..];
    let Some(q) = after.find(['"', '\'']) else {
        return xml.into();
    };
    let quote = after.as_bytes()[q];
    let value_start = at + "encoding".len() + q + 1;
    let Some(len) = decl[value_start..].find(quote as char) else {
        return xml.into();
    };
    let mut out = String::with_capacity(xml.len());
    out.push_str(&xml[..offset + value_start]);
    out.push_str("UTF-8");
    out.push_str(&xml[offset + value_start + len..]);
    out.into()
}

fn label_at(s: &[u8]) -> Option<&'static Encoding> {
    let s = match s.first() {
        Some(b'"') | Some(b'\'') => &s[1..],
        _ => s,
    };
    let len = s
        .iter()
        .position(|&b| {
            matches!(
                b,
                b'"' | b'\'' | b';' | b' ' | b'/' | b'>' | b'\t' | b'\n' | b'\r'
            )
        })
        .unwrap_or(s.len());
    Encoding::for_label(&s[..len])
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp1251(s: &str) -> Vec<u8> {
        encoding_rs::WINDOWS_1251.encode(s).0.into_owned()
    }

    #[test]
    fn meta_charset_forms() {
        assert_eq!(
            meta_charset(b"<html><head><META CHARSET='windows-1251'>").map(|e| e.name()),
            Some("windows-1251")
        );
        assert_eq!(
            meta_charset(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">"
            )
            .map(|e| e.name()),
            Some("KOI8-R")
        );
        assert_eq!(meta_charset(b"<meta name=x content=y>"), None);
    }

    #[test]
    fn xml_declaration_encoding() {
        let x = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss/>";
        assert_eq!(xml_encoding(x).map(|e| e.name()), Some("windows-1251"));
        assert_eq!(xml_encoding(b"<rss/>"), None);
    }

    #[test]
    fn undeclared_cyrillic_is_detected() {
        let text = "Министерство обороны заявило, что войска отошли от границы. \
                    Представитель ведомства отказался от комментариев.";
        let d = decode(&cp1251(text), None, Kind::Xml);
        assert_eq!(d.text, text);
        assert!(d.detected);
    }

    #[test]
    fn wrong_utf8_declaration_is_overruled() {
        let text = "<?xml version=\"1.0\" encoding=\"utf-8\"?><p>Президент заявил журналистам, что переговоры продолжатся</p>";
        let d = decode(&cp1251(text), None, Kind::Xml);
        assert_eq!(d.encoding.name(), "windows-1251");
        assert!(d.text.contains("Президент"));
    }

    #[test]
    fn utf8_declared_latin1_is_read_as_utf8() {
        let d = decode("Café crème".as_bytes(), Some("iso-8859-1"), Kind::Html);
        assert_eq!(d.text, "Café crème");
    }

    #[test]
    fn bom_wins() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("é".as_bytes());
        assert_eq!(decode(&b, Some("windows-1252"), Kind::Html).text, "é");
    }

    #[test]
    fn declaration_rewritten_to_utf8() {
        let x = "<?xml version='1.0' encoding='windows-1251'?>\n<rss/>";
        assert_eq!(
            declare_utf8(x),
            "<?xml version='1.0' encoding='UTF-8'?>\n<rss/>"
        );
        assert_eq!(declare_utf8("<rss/>"), "<rss/>");
    }
}
