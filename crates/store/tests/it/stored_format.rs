//! Data written by an earlier visanav must stay readable: a key file and ciphertexts produced
//! by the first database format (`fixtures/stored-v1.*`), decrypted by today's code.

use visanav_store::Crypto;

const KEY_FILE: &str = include_str!("fixtures/stored-v1.key");
const RECORDS: &str = include_str!("fixtures/stored-v1.txt");

/// The fixture's key file, copied with the private mode a key file must have (git keeps 0644).
fn fixture_crypto(dir: &tempfile::TempDir) -> Crypto {
    let path = dir.path().join("visanav.key");
    std::fs::write(&path, KEY_FILE).expect("write key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    Crypto::open(&path)
        .expect("the stored key file opens")
        .expect("key file present")
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "hex of odd length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn stored_v1_ciphertexts_still_decrypt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crypto = fixture_crypto(&dir);
    let mut decrypted = 0;
    for record in RECORDS.split("\n\n") {
        let field = |name: &str| {
            record
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        };
        let (Some(aad), Some(ct), Some(plaintext)) =
            (field("aad"), field("ciphertext"), field("plaintext"))
        else {
            continue;
        };
        let got = crypto
            .decrypt(&unhex(ct), aad)
            .unwrap_or_else(|e| panic!("stored {aad} no longer decrypts: {e}"));
        assert_eq!(String::from_utf8(got).expect("utf-8"), plaintext, "{aad}");
        // Bound to its row: the same bytes under another row's associated data fail.
        assert!(crypto.decrypt(&unhex(ct), &format!("{aad}x")).is_err());
        decrypted += 1;
    }
    assert_eq!(
        decrypted, 4,
        "pii, refusal notes, notice original and reading"
    );
    assert!(
        RECORDS.contains("\"passport_number\":\"P1234567A\""),
        "the pii record is the JSON the store writes"
    );
}

#[test]
fn stored_v1_keyed_hash_still_matches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crypto = fixture_crypto(&dir);
    let line = RECORDS
        .lines()
        .find_map(|l| l.strip_prefix("keyed_hash: "))
        .expect("keyed_hash record");
    let [purpose, value, hash] = line.split(' ').collect::<Vec<_>>()[..] else {
        panic!("keyed_hash: PURPOSE VALUE HEX, got {line:?}");
    };
    assert_eq!(
        crypto.keyed_hash(purpose, value),
        hash,
        "passport lookups in existing databases depend on this hash"
    );
}

#[test]
fn a_different_key_cannot_read_the_stored_data() {
    let record = RECORDS
        .split("\n\n")
        .find(|r| r.contains("aad: cases.pii:"))
        .expect("pii record");
    let get = |name: &str| {
        record
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .expect("field")
    };
    let other = Crypto::from_master_key(&[9; 32]);
    assert!(
        other
            .decrypt(&unhex(get("ciphertext")), get("aad"))
            .is_err()
    );
}
