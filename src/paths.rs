//! Where clab keeps its config, data and log.
//!
//! Invariant: `CLAB_HOME`, when set, holds everything (config.toml, data, log) so tests and
//! portable installs never touch the user's real directories; otherwise the platform's
//! directories from the `directories` crate are used.

use directories::ProjectDirs;
use std::path::PathBuf;

fn clab_home() -> Option<PathBuf> {
    std::env::var_os("CLAB_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "clab")
}

pub fn config_file() -> Option<PathBuf> {
    match clab_home() {
        Some(home) => Some(home.join("config.toml")),
        None => project_dirs().map(|d| d.config_dir().join("config.toml")),
    }
}

pub fn data_dir() -> Option<PathBuf> {
    match clab_home() {
        Some(home) => Some(home),
        None => project_dirs().map(|d| d.data_dir().to_path_buf()),
    }
}
