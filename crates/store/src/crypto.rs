//! Field encryption for personal data.
//!
//! One 32-byte master key lives in a key file (hex, mode 0600, created on first run). Two
//! subkeys are derived from it: one for XChaCha20-Poly1305 encryption of PII columns, one for
//! keyed hashes (HMAC-SHA-256) that let us find a row by, say, passport number without
//! storing the number in clear.
//!
//! Ciphertext layout: `version (1 byte) || nonce (24 bytes) || ciphertext+tag`. The associated
//! data binds a value to its table, column and row, so a ciphertext copied into another row
//! fails to decrypt instead of silently showing the wrong person's data.

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error(
        "cannot read the key file {path}: {source}. visanav encrypts personal data with this key; \
         point VISANAV_KEY_FILE at the right file, or restore it from your backup"
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the key file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the key file {path} is not a visanav key (expected 64 hexadecimal characters). \
         Restore the right file from your backup; do not edit it"
    )]
    Malformed { path: PathBuf },
    #[error(
        "the key file {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error(
        "stored personal data could not be decrypted: the key file does not match this database \
         (was the key file replaced or lost?), or the data was altered"
    )]
    Decrypt,
}

/// The keys derived from the key file. Debug output never shows key material.
#[derive(Clone)]
pub struct Crypto {
    cipher: XChaCha20Poly1305,
    hash_key: [u8; 32],
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Crypto { .. }")
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    // HMAC as a KDF over a fixed label: simple, and enough for independent subkeys.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Crypto {
    pub fn from_master_key(master: &[u8; 32]) -> Crypto {
        let enc = derive(master, b"visanav field encryption v1");
        Crypto {
            cipher: XChaCha20Poly1305::new(&enc.into()),
            hash_key: derive(master, b"visanav keyed hash v1"),
        }
    }

    /// Opens the key file, creating it (mode 0600, parent directories too) if it does not
    /// exist. Returns whether it was created, so the caller can tell the user to back it up.
    pub fn open_or_create(path: &Path) -> Result<(Crypto, bool), CryptoError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                check_permissions(path)?;
                let master = parse_key(&text).ok_or_else(|| CryptoError::Malformed {
                    path: path.to_path_buf(),
                })?;
                Ok((Crypto::from_master_key(&master), false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let master: [u8; 32] = XChaCha20Poly1305::generate_key(&mut OsRng).into();
                write_key_file(path, &master).map_err(|source| CryptoError::Create {
                    path: path.to_path_buf(),
                    source,
                })?;
                Ok((Crypto::from_master_key(&master), true))
            }
            Err(source) => Err(CryptoError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    pub fn encrypt(&self, plaintext: &[u8], aad: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory buffers");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn decrypt(&self, data: &[u8], aad: &str) -> Result<Vec<u8>, CryptoError> {
        if data.len() < 1 + NONCE_LEN || data[0] != VERSION {
            return Err(CryptoError::Decrypt);
        }
        let nonce = XNonce::from_slice(&data[1..1 + NONCE_LEN]);
        self.cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &data[1 + NONCE_LEN..],
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)
    }

    /// A keyed hash for lookups: equal inputs give equal hashes, but the hash reveals nothing
    /// without the key.
    pub fn keyed_hash(&self, purpose: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hash_key)
            .expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_key(text: &str) -> Option<[u8; 32]> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    if line.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(line.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

fn write_key_file(path: &Path, master: &[u8; 32]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(
        file,
        "# visanav master key. Without it the personal data in the database cannot be read.\n\
         # Back it up somewhere safe, separately from the database. Do not edit."
    )?;
    writeln!(file, "{}", hex(master))?;
    file.sync_all()
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> Result<(), CryptoError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| CryptoError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CryptoError::Permissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path) -> Result<(), CryptoError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let c = Crypto::from_master_key(&[7; 32]);
        let ct = c.encrypt(b"P1234567A", "cases:pii:1");
        assert_eq!(
            c.decrypt(&ct, "cases:pii:1").ok().as_deref(),
            Some(&b"P1234567A"[..])
        );
        assert!(c.decrypt(&ct, "cases:pii:2").is_err(), "bound to its row");
        let other = Crypto::from_master_key(&[8; 32]);
        assert!(
            other.decrypt(&ct, "cases:pii:1").is_err(),
            "wrong key fails"
        );
        assert_ne!(
            c.encrypt(b"x", "a"),
            c.encrypt(b"x", "a"),
            "fresh nonce each time"
        );
    }

    #[test]
    fn keyed_hash_is_stable_and_keyed() {
        let a = Crypto::from_master_key(&[1; 32]);
        let b = Crypto::from_master_key(&[2; 32]);
        assert_eq!(
            a.keyed_hash("passport", "X1"),
            a.keyed_hash("passport", "X1")
        );
        assert_ne!(
            a.keyed_hash("passport", "X1"),
            b.keyed_hash("passport", "X1")
        );
    }

    #[test]
    fn key_file_created_private_and_reopened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/key");
        let (c1, created) = Crypto::open_or_create(&path).expect("create");
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (c2, created) = Crypto::open_or_create(&path).expect("reopen");
        assert!(!created);
        let ct = c1.encrypt(b"secret", "t");
        assert_eq!(c2.decrypt(&ct, "t").ok().as_deref(), Some(&b"secret"[..]));
    }

    #[test]
    fn malformed_and_open_key_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key");
        std::fs::write(&path, "not a key\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        assert!(matches!(
            Crypto::open_or_create(&path),
            Err(CryptoError::Malformed { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(&path, format!("{}\n", "ab".repeat(32))).expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                Crypto::open_or_create(&path),
                Err(CryptoError::Permissions { .. })
            ));
        }
    }
}
