//! Safe local names for downloaded files, and where a download may land.
//!
//! Invariant: a file name that came from the server (or from the model, through code execution)
//! never chooses the directory it is written to and never replaces an existing file.
//! [`sanitize_file_name`] reduces any string to one plain path component (no separators, no
//! `.`/`..`, no control or bidi characters, at most [`MAX_NAME_BYTES`]): terminal sequences go
//! whole through [`strip_controls`] first, so neither a separator inside one nor its leftover
//! text (`]0;pwned`) reaches the name, and a newline or tab left after that becomes `_`, so a
//! name printed in `saved … →` cannot start a forged line; [`persist_unique`]
//! claims `name`, `name (1)`, `name (2)`… with an atomic no-clobber rename, so two downloads of
//! the same file, concurrent or not, both survive. The rename is atomic, so a name is never
//! observed half-written: the bytes go to a temporary file in the same directory first.

use crate::text_safety::strip_controls;
use std::io;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// Longest name kept, in bytes (file systems allow 255; the margin leaves room for ` (n)`).
pub const MAX_NAME_BYTES: usize = 200;

/// Used when nothing of the server's name survives sanitising.
pub const FALLBACK_NAME: &str = "download";

/// Gives up numbering after this many taken names rather than looping forever.
const MAX_NUMBERED: u32 = 10_000;

/// An extension longer than this is treated as part of the stem when shortening.
const MAX_EXTENSION_BYTES: usize = 16;

/// One safe path component made from an untrusted file name.
pub fn sanitize_file_name(raw: &str) -> String {
    // The parser behind strip_controls keeps newlines but drops tabs; read as newlines, tabs
    // survive it too and end as `_` with them.
    let lines = raw.replace('\t', "\n");
    let visible = strip_controls(&lines);
    let last = visible
        .split(['/', '\\'])
        .rfind(|part| !part.trim().is_empty())
        .unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !is_forbidden(*c)).collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return FALLBACK_NAME.to_string();
    }
    shorten(&trimmed.replace(char::is_control, "_"))
}

/// Characters the Files API itself forbids in names, dropped from a downloaded name.
fn is_forbidden(c: char) -> bool {
    matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\\' | '/')
}

/// Cuts `name` to [`MAX_NAME_BYTES`] on a char boundary, keeping a short extension intact.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_string();
    }
    let (stem, ext) = split_extension(name);
    match ext {
        Some(ext) if ext.len() <= MAX_EXTENSION_BYTES => {
            let room = MAX_NAME_BYTES - ext.len() - 1;
            format!("{}.{ext}", prefix_within(stem, room))
        }
        _ => prefix_within(name, MAX_NAME_BYTES).to_string(),
    }
}

fn prefix_within(text: &str, max_bytes: usize) -> &str {
    let mut end = max_bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn split_extension(name: &str) -> (&str, Option<&str>) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], Some(&name[dot + 1..])),
        _ => (name, None),
    }
}

/// `plot.png` for n = 0, `plot (n).png` after.
fn numbered(name: &str, n: u32) -> String {
    if n == 0 {
        return name.to_string();
    }
    match split_extension(name) {
        (stem, Some(ext)) => format!("{stem} ({n}).{ext}"),
        (stem, None) => format!("{stem} ({n})"),
    }
}

/// Moves `file` into `dir` under the first free name of `name`, `name (1)`, `name (2)`…,
/// never replacing an existing file. `name` must already be sanitised.
pub fn persist_unique(mut file: NamedTempFile, dir: &Path, name: &str) -> io::Result<PathBuf> {
    for n in 0..MAX_NUMBERED {
        let candidate = dir.join(numbered(name, n));
        match file.persist_noclobber(&candidate) {
            Ok(_) => return Ok(candidate),
            Err(err) if err.error.kind() == io::ErrorKind::AlreadyExists => file = err.file,
            Err(err) => return Err(err.error),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{MAX_NUMBERED} files named like {name} already exist"),
    ))
}

/// Where a download goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadTarget {
    /// Into this directory, under the file's sanitised name, numbered if taken.
    Dir(PathBuf),
    /// Exactly this path, which must not exist yet.
    File(PathBuf),
}

impl DownloadTarget {
    /// The target for `-o PATH`: an existing directory (or a path ending in a separator) is a
    /// directory; anything else names the file. Without `-o`, `default_dir`.
    pub fn from_output(output: Option<PathBuf>, default_dir: PathBuf) -> DownloadTarget {
        match output {
            None => DownloadTarget::Dir(default_dir),
            Some(path) if path.is_dir() || ends_with_separator(&path) => DownloadTarget::Dir(path),
            Some(path) => DownloadTarget::File(path),
        }
    }

    /// The directory the temporary file and the result live in.
    pub fn dir(&self) -> PathBuf {
        match self {
            DownloadTarget::Dir(dir) => dir.clone(),
            DownloadTarget::File(path) => match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            },
        }
    }

    /// Why this target cannot be written, checked before anything is downloaded.
    pub fn problem(&self) -> Option<String> {
        let dir = self.dir();
        if !dir.is_dir() {
            return Some(format!("no such directory: {}", dir.display()));
        }
        match self {
            DownloadTarget::File(path) if path.symlink_metadata().is_ok() => Some(format!(
                "{} already exists; not overwriting it (choose another -o path)",
                path.display()
            )),
            _ => None,
        }
    }

    /// Moves the finished temporary file into place. `server_name` is the metadata filename,
    /// used (sanitised) only for a directory target.
    pub fn persist(&self, file: NamedTempFile, server_name: &str) -> io::Result<PathBuf> {
        match self {
            DownloadTarget::Dir(dir) => persist_unique(file, dir, &sanitize_file_name(server_name)),
            DownloadTarget::File(path) => match file.persist_noclobber(path) {
                Ok(_) => Ok(path.clone()),
                Err(err) if err.error.kind() == io::ErrorKind::AlreadyExists => {
                    Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!("{} appeared meanwhile; not overwriting it", path.display()),
                    ))
                }
                Err(err) => Err(err.error),
            },
        }
    }
}

fn ends_with_separator(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn only_the_last_component_survives() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("a/b\\c.png"), "c.png");
        assert_eq!(sanitize_file_name("/abs/out.csv"), "out.csv");
        assert_eq!(sanitize_file_name("results/"), "results");
    }

    #[test]
    fn dot_names_and_empty_become_the_fallback() {
        for raw in ["..", ".", "", "   ", "../..", "/", "\\", "...", "\x1b\x07"] {
            assert_eq!(sanitize_file_name(raw), FALLBACK_NAME, "{raw:?}");
        }
    }

    #[test]
    fn controls_forbidden_and_bidi_characters_are_dropped() {
        assert_eq!(sanitize_file_name("re\x1b[31mport\x07.csv"), "report.csv");
        assert_eq!(
            sanitize_file_name("\x1b]0;pwned\x07\x1b[31mred.png"),
            "red.png"
        );
        assert_eq!(sanitize_file_name("\u{9d}0;pwned\u{9c}red.png"), "red.png");
        assert_eq!(
            sanitize_file_name("\x1b]8;;http://x/y\x1b\\ab.txt"),
            "ab.txt"
        );
        assert_eq!(sanitize_file_name("a<b>c:d\"e|f?g*h.txt"), "abcdefgh.txt");
        assert_eq!(sanitize_file_name("evil\u{202e}gnp.sh"), "evilgnp.sh");
        assert_eq!(sanitize_file_name("caf\u{e9} \u{8868}.png"), "café 表.png");
    }

    #[test]
    fn newlines_and_tabs_become_underscores() {
        assert_eq!(sanitize_file_name("a\nb.txt"), "a_b.txt");
        assert_eq!(sanitize_file_name("a\r\nb\tc.txt"), "a_b_c.txt");
        assert_eq!(sanitize_file_name("x\n/../\ty\n"), "y");
    }

    #[test]
    fn leading_and_trailing_dots_and_spaces_are_trimmed() {
        assert_eq!(sanitize_file_name(" .bashrc "), "bashrc");
        assert_eq!(sanitize_file_name("plot.png. . "), "plot.png");
    }

    #[test]
    fn long_names_are_cut_on_a_char_boundary_keeping_the_extension() {
        let long = format!("{}.png", "é".repeat(300));
        let short = sanitize_file_name(&long);
        assert!(short.len() <= MAX_NAME_BYTES, "{}", short.len());
        assert!(short.ends_with(".png"));
        assert!(short.starts_with("éé"));
        let no_ext = "x".repeat(500);
        assert_eq!(sanitize_file_name(&no_ext).len(), MAX_NAME_BYTES);
    }

    #[test]
    fn numbering_goes_before_the_extension() {
        assert_eq!(numbered("plot.png", 0), "plot.png");
        assert_eq!(numbered("plot.png", 2), "plot (2).png");
        assert_eq!(numbered("README", 1), "README (1)");
        assert_eq!(numbered("data.tar.gz", 1), "data.tar (1).gz");
    }

    fn temp_with(dir: &Path, bytes: &[u8]) -> NamedTempFile {
        let mut file = NamedTempFile::new_in(dir).unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn persist_unique_never_replaces_and_numbers_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for content in [b"one", b"two", b"thr"] {
            let file = temp_with(dir.path(), content);
            paths.push(persist_unique(file, dir.path(), "plot.png").unwrap());
        }
        let names: Vec<_> = paths.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(names, ["plot.png", "plot (1).png", "plot (2).png"]);
        assert_eq!(std::fs::read(&paths[0]).unwrap(), b"one");
        assert_eq!(std::fs::read(&paths[2]).unwrap(), b"thr");
        assert!(paths.iter().all(|p| p.parent() == Some(dir.path())));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temp left"
        );
    }

    #[test]
    fn a_hostile_server_name_lands_inside_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let target = DownloadTarget::Dir(dir.path().to_path_buf());
        let path = target
            .persist(temp_with(dir.path(), b"x"), "../../etc/passwd")
            .unwrap();
        assert_eq!(path, dir.path().join("passwd"));
    }

    #[test]
    fn an_explicit_file_target_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("chart.png");
        std::fs::write(&existing, b"mine").unwrap();
        let target = DownloadTarget::from_output(Some(existing.clone()), PathBuf::from("."));
        assert_eq!(target, DownloadTarget::File(existing.clone()));
        assert!(target.problem().unwrap().contains("already exists"));
        let err = target
            .persist(temp_with(dir.path(), b"theirs"), "x")
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&existing).unwrap(), b"mine");
    }

    #[test]
    fn output_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        assert_eq!(
            DownloadTarget::from_output(None, d.clone()),
            DownloadTarget::Dir(d.clone())
        );
        assert_eq!(
            DownloadTarget::from_output(Some(d.clone()), PathBuf::from(".")),
            DownloadTarget::Dir(d.clone())
        );
        let new_file = d.join("new.csv");
        let target = DownloadTarget::from_output(Some(new_file.clone()), PathBuf::from("."));
        assert_eq!(target, DownloadTarget::File(new_file));
        assert_eq!(target.dir(), d);
        assert_eq!(target.problem(), None);
        assert_eq!(
            DownloadTarget::File("x.csv".into()).dir(),
            PathBuf::from(".")
        );
        let missing = DownloadTarget::File(d.join("nope/x.csv"));
        assert!(missing.problem().unwrap().starts_with("no such directory"));
    }
}
