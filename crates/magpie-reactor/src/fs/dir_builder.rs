//! [`DirBuilder`]: tokio's builder for creating directories with options, over
//! `std::fs::DirBuilder` on the blocking pool.

use std::io;
use std::path::Path;

use super::asyncify;

/// Creates directories with options: whether missing parents are created too, and (on
/// Unix) their permission bits.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use magpie_reactor::fs::DirBuilder;
///
/// DirBuilder::new().recursive(true).create("/tmp/a/b/c").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder that creates one directory (not its parents) with the default mode.
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether [`create`](Self::create) also creates every missing parent (and succeeds
    /// if the directory already exists).
    pub fn recursive(&mut self, recursive: bool) -> &mut Self {
        self.recursive = recursive;
        self
    }

    /// The permission bits of the directories created (before the process umask), like
    /// `std::os::unix::fs::DirBuilderExt::mode`.
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory at `path` with this builder's options.
    ///
    /// # Errors
    ///
    /// As `std::fs::DirBuilder::create`: among others, the directory exists (unless
    /// recursive), a parent is missing (unless recursive), or permission is denied.
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        asyncify(move || builder.create(path)).await
    }
}
