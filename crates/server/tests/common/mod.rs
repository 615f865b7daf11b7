//! What the server's test files share.

use std::path::PathBuf;

/// `../shared/testdata` beside the repository (CYANOTYPE_TESTDATA overrides it).
pub fn testdata() -> PathBuf {
    std::env::var("CYANOTYPE_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
        })
}
