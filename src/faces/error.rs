//! What a command reports when it fails, and the exit code that goes with it.
//!
//! Invariant: `Usage` (exit 2) means the user asked for something that cannot work as asked and
//! nothing was sent; `Failed` (exit 1) means the API or the file system said no. Messages are
//! complete sentences; they never contain the API key because nothing that holds it prints it.
//! A reader that closed stdout early is no error at all (see [`crate::faces::output`]).

use crate::api::ApiError;
use crate::session::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
        }
    }

    /// A write to stdout that failed for another reason than a closed pipe.
    pub fn stdout(err: std::io::Error) -> CliError {
        CliError::Failed(format!("cannot write to stdout: {err}"))
    }
}

impl From<ApiError> for CliError {
    fn from(err: ApiError) -> CliError {
        CliError::Failed(err.to_string())
    }
}

impl From<crate::api::files::UploadRefusal> for CliError {
    fn from(refusal: crate::api::files::UploadRefusal) -> CliError {
        let text = crate::text_safety::strip_controls(&refusal.to_string()).into_owned();
        if refusal.is_usage() {
            CliError::Usage(text)
        } else {
            CliError::Failed(text)
        }
    }
}

impl From<StoreError> for CliError {
    fn from(err: StoreError) -> CliError {
        let text = crate::text_safety::strip_controls(&err.to_string()).into_owned();
        match err {
            StoreError::NotFound(_) | StoreError::Ambiguous(..) => CliError::Usage(text),
            _ => CliError::Failed(text),
        }
    }
}
