//! Stored conversations are private: the data directory is 0700, and every file clab keeps in
//! it (the session stores with their `-wal`/`-shm`, the log) is 0600, whatever the umask.
//!
//! Invariants: clab sets these modes explicitly instead of trusting the umask, which is 022 on
//! most systems and would leave every prompt and answer readable by other users. A database is
//! created 0600 before SQLite opens it, because SQLite gives its `-wal`, `-shm` and `-journal`
//! the mode of the database file. On start, [`secure_data_dir`] tightens whatever an older
//! clab left open and returns those paths, so the next start finds nothing and says nothing:
//! each install is told once. Modes are only ever narrowed, never widened.

use std::io;
use std::path::{Path, PathBuf};

/// The data directory's mode: the owner only.
pub const DIR_MODE: u32 = 0o700;
/// A stored file's mode: the owner reads and writes.
pub const FILE_MODE: u32 = 0o600;

/// The session stores in the data directory.
const STORES: &[&str] = &["sessions.db", "demo-sessions.db"];
/// What SQLite keeps beside a database while it is open.
const COMPANIONS: &[&str] = &["-wal", "-shm", "-journal"];
/// The log, beside the stores.
const LOG: &str = "clab.log";

/// Creates `path` (and any missing parents) and makes it owner-only. `true` if it existed
/// with a wider mode.
pub fn dir(path: &Path) -> io::Result<bool> {
    if !path.is_dir() {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(DIR_MODE);
        }
        match builder.create(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    // Also when it was just created: another process may have made it first, with its umask.
    narrow(path, DIR_MODE)
}

/// Creates `path` empty if it is missing and makes it owner-only. `true` if it existed with
/// a wider mode. An empty file is what SQLite takes for a new database.
pub fn file(path: &Path) -> io::Result<bool> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options.open(path)?;
    narrow(path, FILE_MODE)
}

/// A database at `path`, created 0600 if missing, with whatever SQLite already keeps beside
/// it tightened. `true` if any of them was wider.
pub fn store(path: &Path) -> io::Result<bool> {
    let mut wider = file(path)?;
    for companion in companions(path) {
        wider |= narrow_existing(&companion, FILE_MODE)?;
    }
    Ok(wider)
}

/// On start: creates the data directory 0700 and tightens the stores, their companions and
/// the log. Returns what was readable by others, to be reported once. A directory that holds
/// none of clab's files is a fresh one, made private without a word.
pub fn secure_data_dir(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let dir_was_wider = self::dir(dir)?;
    let mut files: Vec<PathBuf> = STORES.iter().map(|name| dir.join(name)).collect();
    let companions: Vec<PathBuf> = files.iter().flat_map(|f| companions(f)).collect();
    files.extend(companions);
    files.push(dir.join(LOG));
    let existing = files.iter().any(|f| f.exists());
    let mut tightened = Vec::new();
    if dir_was_wider && existing {
        tightened.push(dir.to_path_buf());
    }
    for f in files {
        if narrow_existing(&f, FILE_MODE)? {
            tightened.push(f);
        }
    }
    Ok(tightened)
}

/// A fresh temporary directory readable by the owner only, for the demo's sample data and
/// the files the mock keeps: both hold what a user uploaded or a turn produced.
pub fn temp_dir(prefix: &str) -> io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(DIR_MODE));
    }
    builder.tempdir()
}

/// The mode an ordinary new file gets under the process's umask (0644 under umask 022), for a
/// file written privately and then handed to the user, such as a download.
#[cfg(unix)]
pub fn ordinary_file_mode() -> u32 {
    use rustix::fs::Mode;
    use std::sync::OnceLock;
    static UMASK: OnceLock<u32> = OnceLock::new();
    // The umask can only be read by setting it: set the strictest one for the instant in
    // between, so a file another thread creates meanwhile comes out more private, not less.
    let umask = *UMASK.get_or_init(|| {
        let old = rustix::process::umask(Mode::from_raw_mode(0o077));
        rustix::process::umask(old);
        old.as_raw_mode() as u32
    });
    0o666 & !umask
}

fn companions(db: &Path) -> Vec<PathBuf> {
    COMPANIONS
        .iter()
        .map(|suffix| {
            let mut name = db.as_os_str().to_os_string();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

fn narrow_existing(path: &Path, allowed: u32) -> io::Result<bool> {
    match narrow(path, allowed) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        other => other,
    }
}

/// Clears every permission bit outside `allowed`; `true` if there were any.
#[cfg(unix)]
fn narrow(path: &Path, allowed: u32) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o7777;
    if mode & !allowed == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & allowed))?;
    Ok(true)
}

#[cfg(not(unix))]
fn narrow(path: &Path, _allowed: u32) -> io::Result<bool> {
    std::fs::metadata(path).map(|_| false)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn an_existing_install_is_tightened_once() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        chmod(&dir, 0o755);
        for name in [
            "sessions.db",
            "sessions.db-wal",
            "demo-sessions.db",
            "clab.log",
        ] {
            std::fs::write(dir.join(name), b"x").unwrap();
            chmod(&dir.join(name), 0o644);
        }
        let mut tightened = secure_data_dir(&dir).unwrap();
        tightened.sort();
        let mut expected: Vec<PathBuf> = ["", "clab.log", "demo-sessions.db", "sessions.db"]
            .iter()
            .map(|n| {
                if n.is_empty() {
                    dir.clone()
                } else {
                    dir.join(n)
                }
            })
            .collect();
        expected.push(dir.join("sessions.db-wal"));
        expected.sort();
        assert_eq!(tightened, expected);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("sessions.db-wal")), 0o600);
        assert_eq!(secure_data_dir(&dir).unwrap(), Vec::<PathBuf>::new());
    }

    #[test]
    fn a_fresh_directory_is_made_private_without_a_report() {
        let home = tempfile::tempdir().unwrap();
        chmod(home.path(), 0o755);
        assert!(secure_data_dir(home.path()).unwrap().is_empty());
        assert_eq!(mode(home.path()), 0o700);
        let created = home.path().join("new/data");
        assert!(secure_data_dir(&created).unwrap().is_empty());
        assert_eq!(mode(&created), 0o700);
    }

    #[test]
    fn modes_are_narrowed_never_widened() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("sessions.db");
        std::fs::write(&path, b"").unwrap();
        chmod(&path, 0o400);
        assert!(!store(&path).unwrap());
        assert_eq!(mode(&path), 0o400);
    }
}
