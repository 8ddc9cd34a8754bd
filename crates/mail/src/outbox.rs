//! Without an SMTP server: each message becomes one `.eml` file in the outbox directory.
//!
//! File names sort by time (`20261130T113025.123Z-<id>.eml`, UTC) and end in the random part
//! of the Message-ID, so two messages in the same millisecond never collide and a file can
//! be matched to its log line. A file appears whole or not at all (written beside, then
//! renamed); the directory is created 0700 and each file 0600, since they carry links that
//! sign people in.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::MailError;

pub(crate) async fn write(
    dir: &Path,
    message_id: &str,
    bytes: Vec<u8>,
) -> Result<PathBuf, MailError> {
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%S%.3fZ")
        .to_string();
    let id: String = message_id
        .trim_start_matches('<')
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let name = format!("{stamp}-{id}.eml");
    let target = dir.to_path_buf();
    let dir = dir.to_path_buf();
    let fail = |dir: &Path, source| MailError::Outbox {
        dir: dir.to_path_buf(),
        source,
    };
    tokio::task::spawn_blocking(move || {
        create_dir(&dir).map_err(|e| fail(&dir, e))?;
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp"));
        write_new(&tmp, &bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                fail(&dir, e)
            })?;
        Ok(path)
    })
    .await
    .map_err(|e| MailError::Outbox {
        dir: target,
        source: std::io::Error::other(e),
    })?
}

fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
