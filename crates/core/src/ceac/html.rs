//! Just enough HTML reading to find CEAC's result spans by their element ids.
//!
//! Not a general HTML parser: it walks tags (attributes in any order, quoted with `"` or
//! `'` or not at all), skips comments, `<script>` and `<style>` bodies (so an id mentioned
//! in JavaScript or a commented-out sample is never taken for the element), and returns an
//! element's inner text with nested tags dropped, entities decoded and whitespace collapsed.

/// A tag as found in the page: its lower-case name, its id (the one attribute the result
/// panel needs), and where it sits.
struct Tag<'a> {
    name: String,
    closing: bool,
    self_closing: bool,
    id: Option<&'a str>,
    /// Every attribute as written (name, raw value: entities not decoded).
    attrs: Vec<(&'a str, &'a str)>,
    /// Byte offset just past the tag's `>`.
    end: usize,
}

/// Walks the tags of `html` in order, skipping comments and raw-text element bodies.
struct Tags<'a> {
    html: &'a str,
    pos: usize,
}

impl<'a> Tags<'a> {
    fn new(html: &'a str) -> Tags<'a> {
        Tags { html, pos: 0 }
    }
}

impl<'a> Iterator for Tags<'a> {
    /// The tag and the byte offset of its `<`.
    type Item = (usize, Tag<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.html.as_bytes();
        loop {
            let start = self.pos + self.html.get(self.pos..)?.find('<')?;
            let rest = &self.html[start..];
            if rest.starts_with("<!--") {
                self.pos = match rest.find("-->") {
                    Some(i) => start + i + 3,
                    None => self.html.len(),
                };
                continue;
            }
            let Some(tag) = read_tag(self.html, start) else {
                self.pos = start + 1;
                continue;
            };
            self.pos = tag.end;
            // Raw text: nothing inside a script or style is markup.
            if !tag.closing && !tag.self_closing && (tag.name == "script" || tag.name == "style") {
                let close = format!("</{}", tag.name);
                self.pos = find_ci(self.html, tag.end, &close).unwrap_or(bytes.len());
            }
            return Some((start, tag));
        }
    }
}

/// Reads the tag starting at `start` (a `<`), or `None` when it is not a tag (`a < b`).
fn read_tag(html: &str, start: usize) -> Option<Tag<'_>> {
    let bytes = html.as_bytes();
    let mut i = start + 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':')
    {
        i += 1;
    }
    if i == name_start {
        // `<!DOCTYPE …>`, `<?xml …?>` and the like: skip to the `>`.
        if matches!(bytes.get(i), Some(b'!') | Some(b'?')) {
            let end = start + html[start..].find('>')? + 1;
            return Some(Tag {
                name: String::new(),
                closing: false,
                self_closing: true,
                id: None,
                attrs: Vec::new(),
                end,
            });
        }
        return None;
    }
    let name = html[name_start..i].to_ascii_lowercase();
    let mut id = None;
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i) {
            None => return None,
            Some(b'>') => {
                i += 1;
                break;
            }
            Some(b'/') => {
                self_closing = bytes.get(i + 1) == Some(&b'>');
                i += 1;
                continue;
            }
            _ => {}
        }
        let attr_start = i;
        while i < bytes.len()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
            && !bytes[i].is_ascii_whitespace()
        {
            i += 1;
        }
        let attr = &html[attr_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = "";
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let v_start = i + 1;
                    let len = html[v_start..].find(q as char)?;
                    value = &html[v_start..v_start + len];
                    i = v_start + len + 1;
                }
                _ => {
                    let v_start = i;
                    while i < bytes.len() && bytes[i] != b'>' && !bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    value = &html[v_start..i];
                }
            }
        }
        if attr.eq_ignore_ascii_case("id") && id.is_none() {
            id = Some(value);
        }
        if !attr.is_empty() {
            attrs.push((attr, value));
        }
    }
    Some(Tag {
        name,
        closing,
        self_closing,
        id,
        attrs,
        end: i,
    })
}

/// Elements that never have content, so they never need a closing tag.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements that sit inside a line of text, so removing them must not split a word.
fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "em"
            | "font"
            | "i"
            | "small"
            | "span"
            | "strong"
            | "sub"
            | "sup"
            | "u"
    )
}

/// Case-insensitive search for an ASCII `needle` from `from`.
fn find_ci(hay: &str, from: usize, needle: &str) -> Option<usize> {
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    (from..=h.len().checked_sub(n.len())?).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// A page's tags, read once, so each lookup by id does not walk the markup again.
pub struct Page<'a> {
    html: &'a str,
    tags: Vec<(usize, Tag<'a>)>,
}

impl<'a> Page<'a> {
    pub fn new(html: &'a str) -> Page<'a> {
        Page {
            html,
            tags: Tags::new(html).collect(),
        }
    }

    /// Whether the page has an element with this id (even an empty one).
    pub fn has_element(&self, id: &str) -> bool {
        self.tags.iter().any(|(_, tag)| tag_has_id(tag, id))
    }

    /// The inner text of the first element with this id: tags dropped, entities decoded,
    /// whitespace collapsed to single spaces. `None` when there is no such element.
    pub fn element_text(&self, id: &str) -> Option<String> {
        let at = self.tags.iter().position(|(_, tag)| tag_has_id(tag, id))?;
        let open = &self.tags[at].1;
        if open.self_closing || is_void(&open.name) {
            return Some(String::new());
        }
        // Find the matching close tag, counting nested elements of the same name. A page
        // cut short has none: then only the text up to the next tag is the element's.
        let mut depth = 1usize;
        let mut end = self
            .tags
            .get(at + 1)
            .map_or(self.html.len(), |(next, _)| *next);
        for (at, tag) in &self.tags[at + 1..] {
            if tag.name != open.name || tag.self_closing {
                continue;
            }
            if tag.closing {
                depth -= 1;
                if depth == 0 {
                    end = *at;
                    break;
                }
            } else {
                depth += 1;
            }
        }
        Some(fragment_text(&self.html[open.end..end]))
    }

    /// An attribute of the first element with this id, entities decoded.
    pub fn attribute(&self, id: &str, attr: &str) -> Option<String> {
        let (_, tag) = self.tags.iter().find(|(_, tag)| tag_has_id(tag, id))?;
        tag.attrs
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(attr))
            .map(|(_, value)| decode_entities(value))
    }

    /// Every `<input type="hidden">` of the page as (name, value), entities decoded, in
    /// page order. A form that posts back must send them all (reference §1.2 step 2).
    pub fn hidden_inputs(&self) -> Vec<(String, String)> {
        self.tags
            .iter()
            .filter(|(_, tag)| tag.name == "input" && !tag.closing)
            .filter(|(_, tag)| {
                tag.attrs.iter().any(|(n, v)| {
                    n.eq_ignore_ascii_case("type") && v.eq_ignore_ascii_case("hidden")
                })
            })
            .filter_map(|(_, tag)| {
                let get = |want: &str| {
                    tag.attrs
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(want))
                        .map(|(_, v)| decode_entities(v))
                };
                Some((get("name")?, get("value").unwrap_or_default()))
            })
            .collect()
    }
}

fn tag_has_id(tag: &Tag<'_>, id: &str) -> bool {
    match tag.id {
        _ if tag.closing => false,
        Some(value) if value.contains('&') => decode_entities(value).trim() == id,
        Some(value) => value.trim() == id,
        None => false,
    }
}

#[cfg(test)]
fn element_text(html: &str, id: &str) -> Option<String> {
    Page::new(html).element_text(id)
}

#[cfg(test)]
fn has_element(html: &str, id: &str) -> bool {
    Page::new(html).has_element(id)
}

/// The text of an HTML fragment: tags and comments removed (block tags and `<br>` become
/// spaces so words on separate lines stay apart; inline tags vanish), entities decoded, whitespace collapsed.
pub fn fragment_text(fragment: &str) -> String {
    let mut raw = String::with_capacity(fragment.len());
    let mut pos = 0;
    for (at, tag) in Tags::new(fragment) {
        // A tag inside a script or style already skipped (or cut off in the middle of one):
        // nothing of it is text.
        if at < pos {
            continue;
        }
        raw.push_str(&fragment[pos..at]);
        if !is_inline(&tag.name) {
            raw.push(' ');
        }
        pos = tag.end;
        if !tag.closing && (tag.name == "script" || tag.name == "style") {
            let close = format!("</{}", tag.name);
            pos = find_ci(fragment, tag.end, &close).unwrap_or(fragment.len());
        }
    }
    if pos < fragment.len() {
        let tail = &fragment[pos..];
        // An unterminated comment or tag at the end is not text.
        let tail = tail.find("<!--").map_or(tail, |i| &tail[..i]);
        raw.push_str(tail);
    }
    collapse_whitespace(&decode_entities(&raw))
}

/// Every run of whitespace (including no-break spaces) becomes one space; ends trimmed.
pub fn collapse_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decodes numeric character references and the named entities a CEAC page or a browser's
/// "save page" uses. Unknown names are left as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest[1..]
            .find(';')
            .filter(|&semi| semi <= 10)
            .and_then(|semi| entity(&rest[1..=semi]).map(|c| (c, semi + 2)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|&c| c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "ldquo" => '\u{201c}',
        "rdquo" => '\u{201d}',
        "hellip" => '\u{2026}',
        "copy" => '\u{a9}',
        "reg" => '\u{ae}',
        "middot" => '\u{b7}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_span_whatever_the_attribute_order_and_quotes() {
        for html in [
            r#"<span id="x" class="a">Refused</span>"#,
            r#"<SPAN class='a' ID='x'>Refused</SPAN>"#,
            r#"<span class=a id=x>Refused</span>"#,
            r#"<span data-x="a>b" id = "x" >Refused</span>"#,
        ] {
            assert_eq!(
                element_text(html, "x").as_deref(),
                Some("Refused"),
                "{html}"
            );
        }
    }

    #[test]
    fn nested_tags_entities_and_whitespace() {
        let html = "<div id=\"m\">A&nbsp;U.S. <b>officer</b>\n\n   has <span>refused <span>it</span></span>&#46; &amp; &#x2019;</div><div>after</div>";
        assert_eq!(
            element_text(html, "m").as_deref(),
            Some("A U.S. officer has refused it. & \u{2019}")
        );
    }

    #[test]
    fn ids_in_comments_and_scripts_are_not_elements() {
        let html = r#"<!-- <span id="s">Issued</span> --><script>var t = '<span id="s">Ready</span>';</script><span id="s">Refused</span>"#;
        assert_eq!(element_text(html, "s").as_deref(), Some("Refused"));
        assert!(!has_element("<!-- <i id=\"q\"></i> -->", "q"));
        assert_eq!(element_text("<p>none</p>", "s"), None);
    }

    #[test]
    fn unknown_entities_and_stray_ampersands_stay() {
        assert_eq!(
            decode_entities("a & b &bogus; &#0; &lt;"),
            "a & b &bogus; &#0; <"
        );
    }
}
