//! Field encryption for personal data.
//!
//! One 32-byte master key lives in a key file (hex, mode 0600, created on first run, and only
//! for a database that holds no encrypted data yet: see [`Store::has_encrypted_data`]). Two
//! subkeys are derived from it: one for XChaCha20-Poly1305 encryption of PII columns, one for
//! keyed hashes (HMAC-SHA-256) that let us find a row by, say, passport number without
//! storing the number in clear.
//!
//! Ciphertext layout: `version (1 byte) || nonce (24 bytes) || ciphertext+tag`. The associated
//! data binds a value to its table, column and row, so a ciphertext copied into another row
//! fails to decrypt instead of silently showing the wrong person's data.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::db::on_pool;
use crate::{Store, StoreError};
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
    #[error(
        "the key file {} is missing, but the database {database} already holds encrypted \
         personal data. visanav will not create a new key, because a new key cannot read that \
         data. Restore the key file from your backup to {}, or point --key-file (or key_file \
         in the config file) at it. Nothing was changed",
        path.display(),
        path.display()
    )]
    Missing { path: PathBuf, database: String },
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

    /// Opens the key file, or `None` if it does not exist. Whether a missing key may be created
    /// depends on the database (see [`Store::has_encrypted_data`]), so this never creates one.
    pub fn open(path: &Path) -> Result<Option<Crypto>, CryptoError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                check_permissions(path)?;
                let master = parse_key(&text).ok_or_else(|| CryptoError::Malformed {
                    path: path.to_path_buf(),
                })?;
                Ok(Some(Crypto::from_master_key(&master)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CryptoError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Creates a new key file (mode 0600, parent directories too). Refuses to overwrite an
    /// existing file. Call it only for a database without encrypted data.
    pub fn create(path: &Path) -> Result<Crypto, CryptoError> {
        let master: [u8; 32] = XChaCha20Poly1305::generate_key(&mut OsRng).into();
        write_key_file(path, &master).map_err(|source| CryptoError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Crypto::from_master_key(&master))
    }

    /// A random key that lives only in memory, for a connection that reads no personal data
    /// (checking the schema, or whether the database holds encrypted data at all).
    pub fn ephemeral() -> Crypto {
        Crypto::from_master_key(&XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    pub fn encrypt(&self, plaintext: &[u8], aad: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        self.encrypt_with_nonce(plaintext, aad, &nonce.into())
    }

    /// The ciphertext layout, with the nonce given (known-answer tests fix it).
    fn encrypt_with_nonce(&self, plaintext: &[u8], aad: &str, nonce: &[u8; NONCE_LEN]) -> Vec<u8> {
        let nonce = XNonce::from_slice(nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                nonce,
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory buffers");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(nonce);
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

impl Store {
    /// Whether the database already holds data encrypted with some key: any case row (its
    /// personal data is encrypted, and refusal notes and notices hang off cases). A database
    /// that is new, not yet migrated or empty holds none. Reads nothing encrypted, so any key
    /// will do for the connection.
    pub async fn has_encrypted_data(&self) -> Result<bool, StoreError> {
        let cases_table: i64 =
            match &self.db {
                crate::db::Db::Sqlite(p) => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'cases'",
                )
                .fetch_one(p)
                .await?,
                crate::db::Db::Pg(p) => {
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_name = 'cases'",
                    )
                    .fetch_one(p)
                    .await?
                }
            };
        if cases_table == 0 {
            return Ok(false);
        }
        let rows: i64 = on_pool!(&self.db, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM cases LIMIT 1) AS one")
                .fetch_one(p)
                .await?
        });
        Ok(rows > 0)
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

    // Known answers. Every database written so far depends on these exact bytes: if one of
    // these tests fails, existing key files no longer open existing data. Do not update the
    // expected values; add a new VERSION instead. They were computed independently of this
    // code (Python's hmac and an HChaCha20 + ChaCha20-Poly1305 construction, itself checked
    // against the XChaCha20-Poly1305 vector of draft-irtf-cfrg-xchacha, appendix A.3.1).
    const KAT_MASTER: [u8; 32] = {
        let mut k = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            k[i] = i as u8;
            i += 1;
        }
        k
    };
    const KAT_NONCE: [u8; NONCE_LEN] = {
        let mut n = [0u8; NONCE_LEN];
        let mut i = 0;
        while i < NONCE_LEN {
            n[i] = 0x40 + i as u8;
            i += 1;
        }
        n
    };
    const KAT_PLAINTEXT: &[u8] = br#"{"passport_number":"P1234567A","surname":"SANTOS"}"#;
    const KAT_AAD: &str = "cases.pii:01900000-0000-7000-8000-000000000001";
    const KAT_CIPHERTEXT: &str = "01\
        404142434445464748494a4b4c4d4e4f5051525354555657\
        7354f994e31753cdad7093b22b46dcbebdbc885c4b8f28c1b2d1a3ae059dce6ba390003202ffe4c6b9e1ae8ce09dc3d908a097e1649100544024e54dbd57841323f0";

    #[test]
    fn known_answer_subkey_derivation() {
        assert_eq!(
            hex(&derive(&KAT_MASTER, b"visanav field encryption v1")),
            "cb6ccea4e9e76acc325ac5a527343a8365b1bfdd77f693c8ddbcf8ead885b846"
        );
        assert_eq!(
            hex(&derive(&KAT_MASTER, b"visanav keyed hash v1")),
            "5faaf871e6c0da0417406e7603566fdc0a7ed9a15be79d8418751e8365dcb2fb"
        );
    }

    #[test]
    fn known_answer_ciphertext_layout() {
        let c = Crypto::from_master_key(&KAT_MASTER);
        let ct = c.encrypt_with_nonce(KAT_PLAINTEXT, KAT_AAD, &KAT_NONCE);
        assert_eq!(
            hex(&ct),
            KAT_CIPHERTEXT,
            "version || nonce || ciphertext+tag"
        );
        assert_eq!(ct.len(), 1 + NONCE_LEN + KAT_PLAINTEXT.len() + 16);
        // And the stored bytes decrypt through the public path.
        let stored = unhex(KAT_CIPHERTEXT);
        assert_eq!(
            c.decrypt(&stored, KAT_AAD).ok().as_deref(),
            Some(KAT_PLAINTEXT)
        );
        let mut tampered = stored.clone();
        tampered[0] = 2;
        assert!(c.decrypt(&tampered, KAT_AAD).is_err(), "unknown version");
    }

    #[test]
    fn known_answer_keyed_hash() {
        let c = Crypto::from_master_key(&KAT_MASTER);
        assert_eq!(
            c.keyed_hash("passport_number", "P1234567A"),
            "c614c487d5898d255d9a51a308bdaddf1848024219eb83fce5370e05bd8b7e74"
        );
    }

    #[test]
    fn known_answer_key_file_format() {
        let text = format!("# a comment\n\n{}\n", hex(&KAT_MASTER));
        assert_eq!(parse_key(&text), Some(KAT_MASTER));
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    fn key_file_created_private_and_reopened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/key");
        assert!(Crypto::open(&path).expect("open").is_none(), "no key yet");
        let c1 = Crypto::create(&path).expect("create");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let c2 = Crypto::open(&path).expect("reopen").expect("key");
        assert!(
            matches!(Crypto::create(&path), Err(CryptoError::Create { .. })),
            "an existing key is never overwritten"
        );
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
            Crypto::open(&path),
            Err(CryptoError::Malformed { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(&path, format!("{}\n", "ab".repeat(32))).expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                Crypto::open(&path),
                Err(CryptoError::Permissions { .. })
            ));
        }
    }
}
