//! Zip and XML plumbing for the office readers (`mod.rs`): capped reads of package parts,
//! relationships, and a streaming XML walk that keeps only the open elements' names.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;
use zip::result::ZipError;

use super::{MAX_DOC_BYTES, MAX_ITEM_CHARS, MAX_PART_BYTES, Res, bad, too_large};

/// An OOXML package: reads parts with per-part and per-document caps.
pub(super) struct Package<'a> {
    pub(super) zip: ZipArchive<Cursor<&'a [u8]>>,
    kind: &'static str,
    left: u64,
}

pub(super) fn open_package<'a>(bytes: &'a [u8], kind: &'static str) -> Res<Package<'a>> {
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(kind, e))?;
    let left = MAX_DOC_BYTES;
    Ok(Package { zip, kind, left })
}

impl Package<'_> {
    /// The part's text, or `None` when it is absent or the document's budget is spent.
    pub(super) fn part(&mut self, name: &str) -> Res<Option<String>> {
        let kind = self.kind;
        let mut file = match self.zip.by_name(name.trim_start_matches('/')) {
            Ok(file) => file,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(bad(kind, format!("{name}: {e}"))),
        };
        if file.size() > MAX_PART_BYTES {
            return Err(too_large(format_args!("{kind} part {name}"), file.size()));
        }
        if file.size() > self.left {
            return Ok(None);
        }
        let mut buf = Vec::new();
        let read = file.by_ref().take(MAX_PART_BYTES + 1).read_to_end(&mut buf);
        let len = read.map_err(|e| bad(kind, format!("{name}: {e}")))? as u64;
        if len > MAX_PART_BYTES {
            return Err(too_large(format_args!("{kind} part {name}"), len));
        }
        self.left = self.left.saturating_sub(len);
        let text = String::from_utf8(buf).map_err(|_| bad(kind, format!("{name} is not UTF-8")))?;
        Ok(Some(text.trim_start_matches('\u{feff}').to_owned()))
    }

    pub(super) fn required(&mut self, name: &str) -> Res<String> {
        let kind = self.kind;
        self.part(name)?
            .ok_or_else(|| bad(kind, format!("{name} is missing")))
    }

    /// `Id -> (absolute target, type)` of the relationships of `part` (`""` for the package).
    pub(super) fn rels(&mut self, part: &str) -> Res<HashMap<String, (String, String)>> {
        let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
        let mut map = HashMap::new();
        let Some(xml) = self.part(&format!("{dir}/_rels/{file}.rels"))? else {
            return Ok(map);
        };
        xml_walk(&xml, self.kind, |ev, _| {
            if let XmlEv::Open(e) = ev
                && e.local_name().as_ref() == "Relationship"
                && let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target"))
            {
                let typ = attr(e, "Type").unwrap_or_default();
                map.insert(id, (resolve(dir, &target), typ));
            }
            true
        })?;
        Ok(map)
    }

    /// The main part named by `_rels/.rels` (falls back to `default`).
    pub(super) fn main_part(&mut self, default: &str) -> Res<String> {
        let mut rels = self.rels("")?.into_values();
        let main = rels.find(|(_, typ)| typ.ends_with("/officeDocument"));
        Ok(main.map_or_else(|| default.to_owned(), |(target, _)| target))
    }
}

/// Joins a relationship target to the directory of its source part; `..` and `.` resolved.
fn resolve(dir: &str, target: &str) -> String {
    let base = if target.starts_with('/') { "" } else { dir };
    let mut parts = Vec::new();
    for seg in base.split('/').chain(target.split('/')) {
        match seg {
            "" | "." => {}
            ".." => drop(parts.pop()),
            seg => parts.push(seg),
        }
    }
    parts.join("/")
}

/// The attribute with this local name; `r:id` asks for a prefixed `id` (a plain one differs).
pub(super) fn attr(e: &BytesStart, key: &str) -> Option<String> {
    let (prefixed, local) = key.strip_prefix("r:").map_or((false, key), |k| (true, k));
    let mut all = e.attributes().flatten();
    let found = all.find(|a| {
        a.key.local_name().as_ref() == local && (!prefixed || a.key.prefix().is_some())
    })?;
    let value = found.normalized_value(XmlVersion::Implicit1_0).ok()?;
    Some(value.into_owned())
}

pub(super) fn num_attr(e: &BytesStart, key: &str) -> Option<u8> {
    attr(e, key)?.parse().ok()
}

pub(super) enum XmlEv<'a, 'e> {
    /// A start tag; for `<x/>` it is followed by `Close`.
    Open(&'a BytesStart<'e>),
    Close(&'a str),
    Text(&'a str),
}

/// Streams `xml`, giving each event and the local names of the open ancestors (outermost
/// first) to `f`, until the end or until `f` returns `false`. Content of `mc:Fallback`
/// (a duplicate of the `mc:Choice` next to it) is skipped.
pub(super) fn xml_walk(
    xml: &str,
    kind: &str,
    mut f: impl FnMut(XmlEv, &[String]) -> bool,
) -> Res<()> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut stack, mut fallback) = (Vec::<String>::new(), 0usize);
    loop {
        let event = reader.read_event();
        let event = event.map_err(|e| bad(kind, format!("broken XML ({e})")))?;
        let mut go = match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().as_ref().to_owned();
                fallback += usize::from(fallback > 0 || name == "Fallback");
                let go = fallback > 0 || f(XmlEv::Open(e), &stack);
                stack.push(name);
                go
            }
            Event::Eof => return Ok(()),
            _ if fallback > 0 => true,
            Event::Text(t) => f(XmlEv::Text(&t.xml10_content()), &stack),
            Event::CData(t) => f(XmlEv::Text(&t.xml10_content()), &stack),
            Event::GeneralRef(r) => match r.resolve_char_ref().ok().flatten() {
                Some(c) => f(XmlEv::Text(c.encode_utf8(&mut [0; 4])), &stack),
                None => resolve_predefined_entity(&r.xml10_content())
                    .is_none_or(|t| f(XmlEv::Text(t), &stack)),
            },
            _ => true,
        };
        if matches!(event, Event::Empty(_) | Event::End(_)) {
            let name = stack.pop().unwrap_or_default();
            go = go && (fallback > 0 || f(XmlEv::Close(&name), &stack));
            fallback = fallback.saturating_sub(1);
        }
        if !go {
            return Ok(());
        }
    }
}

pub(super) fn expect_root(xml: &str, kind: &str, root: &str) -> Res<()> {
    let mut found = String::new();
    xml_walk(xml, kind, |ev, _| {
        if let XmlEv::Open(e) = ev {
            found = e.local_name().as_ref().to_owned();
        }
        found.is_empty()
    })?;
    let wrong = || bad(kind, format!("its main part is not a {root}"));
    (found == root).then_some(()).ok_or_else(wrong)
}

/// Cuts `s` to `max` characters, marking a cut with `…`.
pub(super) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Appends `s` to the open paragraph unless it is already long (it is `cut` later).
pub(super) fn append<T>(para: Option<&mut (String, T)>, s: &str) {
    if let Some((text, _)) = para
        && text.len() <= MAX_ITEM_CHARS * 4
    {
        text.push_str(s);
    }
}

/// Whether the innermost open elements are `names` (outermost first).
pub(super) fn parent_is(stack: &[String], names: &[&str]) -> bool {
    let mut inner = stack.iter().rev().zip(names.iter().rev());
    stack.len() >= names.len() && inner.all(|(a, b)| a == b)
}
