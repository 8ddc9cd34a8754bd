//! Upgrades from every earlier schema: for each migration N, a database is migrated to N only,
//! filled the way the visanav of that time wrote it (raw SQL for the tables that existed then,
//! personal data encrypted with the real `Crypto` under the same associated data), then opened
//! by today's `Store`, which migrates it the rest of the way. Everything must read back through
//! the `Store` API, and the upgraded database must take new writes. On SQLite always, on
//! PostgreSQL when `VISANAV_TEST_POSTGRES_URL` is set (required under CI).
//!
//! When a migration is added: add a `seed_vN` for the tables or columns it introduces, in SEEDS,
//! and what it should read back in `check_reads_back`. Earlier seeds stay as they are: they are
//! what older databases hold.

use std::path::PathBuf;

use sqlx::Connection;
use sqlx::migrate::{Migrate, Migrator};
use visanav_core::casefile::{CaseFile, Format};
use visanav_core::ids::PassportNumber;
use visanav_core::knowledge::Knowledge;
use visanav_store::{
    Actor, Backend, CaseId, Crypto, DashboardFilter, DraftId, DuplicatePolicy, EpisodeChoice,
    LOCAL_ACCOUNT, NewNotice, Store, StoreError, Sweep,
};

const CASE_ID: &str = "01900000-0000-7000-8000-00000000c001";
const REFUSAL_ID: &str = "01900000-0000-7000-8000-00000000e001";
const NOTICE_ID: &str = "01900000-0000-7000-8000-00000000a001";
const CREATED_MS: i64 = 1_736_899_200_000;
const PII_JSON: &str = r#"{"passport_number":"P1234567A","surname":"SANTOS","beneficiary":{"given_names":"Maria Clara","surname":"Santos","date_of_birth":"1996-04-12","nationality":"PH"},"petitioner":{"given_names":"Daniel","surname":"Whitfield","date_of_birth":"1993-09-30","nationality":"US"}}"#;
const NOTES: &str = "Officer kept the passport.";
const NOTICE_TEXT: &[u8] = b"Dear Maria Clara, please send your police certificate";

fn crypto() -> Crypto {
    Crypto::from_master_key(&[42; 32])
}

/// A value to bind, on either backend.
enum Arg {
    Text(&'static str),
    OptText(Option<String>),
    Int(i64),
    Blob(Vec<u8>),
}
use Arg::{Blob, Int, OptText, Text};

enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

impl Conn {
    async fn exec(&mut self, sql: &str, args: Vec<Arg>) {
        macro_rules! run {
            ($c:expr) => {{
                let mut q = sqlx::query(sql);
                for a in args {
                    q = match a {
                        Text(v) => q.bind(v),
                        OptText(v) => q.bind(v),
                        Int(v) => q.bind(v),
                        Blob(v) => q.bind(v),
                    };
                }
                q.execute($c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            }};
        }
        match self {
            Conn::Sqlite(c) => run!(&mut *c),
            Conn::Pg(c) => run!(&mut *c),
        }
    }

    /// Applies the migrations up to `version` only, as the visanav of that time did.
    async fn migrate_to(&mut self, migrator: &Migrator, version: i64) {
        macro_rules! apply {
            ($c:expr) => {{
                $c.ensure_migrations_table()
                    .await
                    .expect("migrations table");
                for m in migrator.iter().filter(|m| m.version <= version) {
                    $c.apply(m).await.expect("apply");
                }
            }};
        }
        match self {
            Conn::Sqlite(c) => apply!(c),
            Conn::Pg(c) => apply!(c),
        }
    }

    async fn close(self) {
        match self {
            Conn::Sqlite(c) => c.close().await.expect("close"),
            Conn::Pg(c) => c.close().await.expect("close"),
        }
    }
}

/// Rows as migration 0001 (initial schema) stored them: a case with encrypted personal data
/// and a passport hash, its status history, a refusal with encrypted notes, its documents.
async fn seed_v1(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO cases (id, owner_id, visa, post, ceac_case_number, ds160_id, uscis_receipt,
            petition_approved_on, interview_on, visa_issued_on, entered_us_on,
            principal_visa_issued_on, pii_enc, passport_hash, created_ms, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
        vec![
            Text(CASE_ID),
            Text(LOCAL_ACCOUNT),
            Text("K-1"),
            Text("MNL"),
            OptText(Some("MNL2025512345".into())),
            OptText(Some("AA00B7QPGN".into())),
            OptText(Some("IOE0912345678".into())),
            OptText(Some("2024-11-20".into())),
            OptText(Some("2025-03-14".into())),
            OptText(None),
            OptText(None),
            OptText(None),
            Blob(k.encrypt(PII_JSON.as_bytes(), &format!("cases.pii:{CASE_ID}"))),
            OptText(Some(k.keyed_hash("passport_number", "P1234567A"))),
            Int(CREATED_MS),
        ],
    )
    .await;
    for (i, (on, status)) in [
        ("2025-03-14", "Refused"),
        ("2025-04-02", "Administrative Processing"),
    ]
    .into_iter()
    .enumerate()
    {
        c.exec(
            "INSERT INTO status_observations (id, case_id, observed_on, status, last_updated, source, recorded_ms)
             VALUES ($1, $2, $3, $4, $5, 'ceac', $6)",
            vec![
                Text(["01900000-0000-7000-8000-00000000b001", "01900000-0000-7000-8000-00000000b002"][i]),
                Text(CASE_ID),
                Text(on),
                Text(status),
                OptText(Some(on.into())),
                Int(CREATED_MS + i as i64),
            ],
        )
        .await;
    }
    c.exec(
        "INSERT INTO refusals (id, case_id, refused_on, sections, requested, submitted_on, notes_enc, created_ms)
         VALUES ($1, $2, '2025-03-14', '[\"221g\"]', '[\"police_certificate\"]', NULL, $3, $4)",
        vec![
            Text(REFUSAL_ID),
            Text(CASE_ID),
            Blob(k.encrypt(NOTES.as_bytes(), &format!("refusals.notes:{REFUSAL_ID}"))),
            Int(CREATED_MS),
        ],
    )
    .await;
    c.exec(
        "INSERT INTO case_documents (id, case_id, position, kind, country, issued_on, expires_on, status)
         VALUES ($1, $2, 0, 'police_certificate', 'PH', '2025-01-10', NULL, 'gathered')",
        vec![Text("01900000-0000-7000-8000-00000000d001"), Text(CASE_ID)],
    )
    .await;
}

/// Rows migration 0002 (notices) added: a saved notice, its original and reading encrypted.
async fn seed_v2(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO notices (id, case_id, refusal_id, kind, media_type, original_enc, reading_enc, created_ms)
         VALUES ($1, $2, $3, 'documents_requested', 'text/plain', $4, $5, $6)",
        vec![
            Text(NOTICE_ID),
            Text(CASE_ID),
            Text(REFUSAL_ID),
            Blob(k.encrypt(NOTICE_TEXT, &format!("notices.original:{NOTICE_ID}"))),
            Blob(k.encrypt(b"{\"kind\":\"documents_requested\"}", &format!("notices.reading:{NOTICE_ID}"))),
            Int(CREATED_MS + 10),
        ],
    )
    .await;
}

/// Each migration's version and the seed that fills what it created. Every migration the
/// binary knows must be here (checked below), so a new one cannot skip this test.
type Seed = for<'a> fn(
    &'a mut Conn,
    &'a Crypto,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;
const SEEDS: &[(i64, Seed)] = &[
    (1, |c, k| Box::pin(seed_v1(c, k))),
    (2, |c, k| Box::pin(seed_v2(c, k))),
    (3, |c, k| Box::pin(seed_v3(c, k))),
    (4, |c, k| Box::pin(seed_v4(c, k))),
    (5, |c, k| Box::pin(seed_v5(c, k))),
    (6, |c, k| Box::pin(seed_v6(c, k))),
    (7, |c, k| Box::pin(seed_v7(c, k))),
    (8, |c, k| Box::pin(seed_v8(c, k))),
    (9, |c, k| Box::pin(seed_v9(c, k))),
    (10, |c, k| Box::pin(seed_v10(c, k))),
    (11, |c, k| Box::pin(seed_v11(c, k))),
    (12, |c, k| Box::pin(seed_v12(c, k))),
    (13, |c, k| Box::pin(seed_v13(c, k))),
    (14, |c, k| Box::pin(seed_v14(c, k))),
    (15, |c, k| Box::pin(seed_v15(c, k))),
];

/// What migration 0011 (notifications) added: the seeded event fanned out into the local
/// account's in-app list, and that account's choices.
async fn seed_v11(c: &mut Conn, _k: &Crypto) {
    c.exec(
        "UPDATE events SET fanned_out_ms = $1 WHERE id = '01900000-0000-7000-8000-0000000ce001'",
        vec![Int(CREATED_MS)],
    )
    .await;
    c.exec(
        "INSERT INTO deliveries (id, event_id, account_id, channel, state, next_attempt_ms, sent_ms, created_ms)
         VALUES ('01900000-0000-7000-8000-0000000de001', '01900000-0000-7000-8000-0000000ce001',
                 $1, 'app', 'sent', $2, $2, $2)",
        vec![Text(LOCAL_ACCOUNT), Int(CREATED_MS)],
    )
    .await;
    c.exec(
        "INSERT INTO notification_prefs (account_id, email_enabled, time_zone, quiet_start_min,
             quiet_end_min, lead_days, updated_ms)
         VALUES ($1, FALSE, 'Asia/Manila', 1320, 420, '30,7', $2)",
        vec![Text(LOCAL_ACCOUNT), Int(CREATED_MS)],
    )
    .await;
}

const DOCUMENT_NOTE: &str = "Sent by courier, tracking 8841";

/// What migration 0005 (checklist) added: the day a document was gathered and its note.
async fn seed_v5(c: &mut Conn, k: &Crypto) {
    c.exec(
        "UPDATE case_documents SET status_on = '2025-02-01', note_enc = $1 WHERE id = $2",
        vec![
            Blob(k.encrypt(
                DOCUMENT_NOTE.as_bytes(),
                "case_documents.note:01900000-0000-7000-8000-00000000d001",
            )),
            Text("01900000-0000-7000-8000-00000000d001"),
        ],
    )
    .await;
}

const MEMBER_ID: &str = "01900000-0000-7000-8000-00000000a004";
const FIRM_ID: &str = "01900000-0000-7000-8000-00000000f004";

/// Rows migration 0004 (accounts) added: a person with an encrypted address who belongs to
/// a firm the seeded case is shared with.
async fn seed_v4(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO accounts (id, name, kind, created_ms, email_hash, email_enc, password_hash)
         VALUES ($1, 'account', 'applicant', $2, $3, $4, '$argon2id$seed')",
        vec![
            Text(MEMBER_ID),
            Int(CREATED_MS),
            Text(Box::leak(
                k.keyed_hash("email", "atty@firm.example").into_boxed_str(),
            )),
            Blob(k.encrypt(b"atty@firm.example", &format!("accounts.email:{MEMBER_ID}"))),
        ],
    )
    .await;
    c.exec(
        "INSERT INTO firms (id, name, created_ms) VALUES ($1, 'Reyes Law', $2)",
        vec![Text(FIRM_ID), Int(CREATED_MS)],
    )
    .await;
    c.exec(
        "INSERT INTO firm_members (firm_id, account_id, role, created_ms) VALUES ($1, $2, 'attorney', $3)",
        vec![Text(FIRM_ID), Text(MEMBER_ID), Int(CREATED_MS)],
    )
    .await;
    c.exec(
        "INSERT INTO case_shares (id, case_id, grantee_account, grantee_firm, status, created_ms)
         VALUES ('01900000-0000-7000-8000-00000000c004', $1, NULL, $2, 'active', $3)",
        vec![Text(CASE_ID), Text(FIRM_ID), Int(CREATED_MS)],
    )
    .await;
}

/// The API token seed_v6 stores (its hash only, as visanav does).
const API_TOKEN: &str = "visanav_seeded-token-for-the-upgrade-test";

/// Rows migration 0006 (API tokens) added: a read-write token of the firm member.
async fn seed_v6(c: &mut Conn, _k: &Crypto) {
    c.exec(
        "INSERT INTO api_tokens (id, account_id, hash, name, scope, second_factor, created_ms, expires_ms)
         VALUES ('01900000-0000-7000-8000-00000000a006', $1, $2, 'seeded', 'read write', TRUE, $3, $4)",
        vec![
            Text(MEMBER_ID),
            Text(Box::leak(visanav_auth::hash_token(API_TOKEN).into_boxed_str())),
            Int(CREATED_MS),
            Int(CREATED_MS + 86_400_000),
        ],
    )
    .await;
}

/// Rows migration 0007 (dashboard) added: the case's summary as a visanav of that time wrote
/// it (computed, with the beneficiary's name hashed) and its assignment to the firm's member.
async fn seed_v7(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO case_summaries (case_id, urgency_rank, next_deadline_on, next_deadline_title,
            deadline_key, latest_status, status_since, since_key, help_reasons, computed_for,
            valid_until_ms, computed_ms)
         VALUES ($1, 2, '2026-03-14', 'Send the documents', '2026-03-14', 'Administrative Processing',
            '2025-04-02', '2025-04-02', '[\"Long administrative processing\"]', '2025-04-02', $2, $2)",
        vec![Text(CASE_ID), Int(CREATED_MS)],
    )
    .await;
    for key in ["maria", "clara", "santos", "maria clara santos"] {
        c.exec(
            "INSERT INTO case_name_hashes (case_id, name_hash) VALUES ($1, $2)",
            vec![
                Text(CASE_ID),
                Text(Box::leak(k.keyed_hash("person_name", key).into_boxed_str())),
            ],
        )
        .await;
    }
    c.exec(
        "INSERT INTO case_assignments (case_id, firm_id, assignee_id, assigned_by, assigned_ms)
         VALUES ($1, $2, $3, $3, $4)",
        vec![
            Text(CASE_ID),
            Text(FIRM_ID),
            Text(MEMBER_ID),
            Int(CREATED_MS),
        ],
    )
    .await;
}

const ATTEMPT_ID: &str = "01900000-0000-7000-8000-0000000ca001";
const CEAC_ANSWER: &str = "<span id=\"lblStatus\">Administrative Processing</span>";

/// Rows migration 0008 (monitoring) added: the case watched on CEAC, one direct check with
/// its encrypted answer, and the change event it wrote.
async fn seed_v8(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO monitors (case_id, source, enabled, next_check_ms, updated_ms)
         VALUES ($1, 'ceac', TRUE, $2, $2)",
        vec![Text(CASE_ID), Int(CREATED_MS)],
    )
    .await;
    c.exec(
        "INSERT INTO check_attempts (id, case_id, source, via, started_ms, duration_ms, ok,
             status, last_updated, changed, worker, raw_enc, raw_expires_ms)
         VALUES ($1, $2, 'ceac', 'direct', $3, 40, TRUE, 'Administrative Processing',
             '2025-04-02', TRUE, 'w1', $4, $5)",
        vec![
            Text(ATTEMPT_ID),
            Text(CASE_ID),
            Int(CREATED_MS),
            Blob(k.encrypt(
                CEAC_ANSWER.as_bytes(),
                &format!("check_attempts.raw:{ATTEMPT_ID}"),
            )),
            Int(CREATED_MS + 86_400_000),
        ],
    )
    .await;
    c.exec(
        "INSERT INTO events (id, case_id, kind, payload, created_ms)
         VALUES ('01900000-0000-7000-8000-0000000ce001', $1, 'status_changed', '{}', $2)",
        vec![Text(CASE_ID), Int(CREATED_MS)],
    )
    .await;
}

const CEAC_TOKEN: &str = "visanav_seeded-bookmarklet-token";

/// What migration 0009 allowed: a token of the CEAC bookmarklet's scope.
async fn seed_v9(c: &mut Conn, _k: &Crypto) {
    c.exec(
        "INSERT INTO api_tokens (id, account_id, hash, name, scope, second_factor, created_ms, expires_ms)
         VALUES ('01900000-0000-7000-8000-00000000a009', $1, $2, 'CEAC bookmarklet', 'ceac', FALSE, $3, $4)",
        vec![
            Text(LOCAL_ACCOUNT),
            Text(Box::leak(visanav_auth::hash_token(CEAC_TOKEN).into_boxed_str())),
            Int(CREATED_MS),
            Int(CREATED_MS + 86_400_000),
        ],
    )
    .await;
}

/// What migration 0010 added: a step USCIS listed as done.
async fn seed_v10(c: &mut Conn, _k: &Crypto) {
    c.exec(
        "INSERT INTO history_steps (case_id, source, done_on, text, attempt_id, recorded_ms)
         VALUES ($1, 'uscis', '2025-01-10', 'We received your Form I-129F.', NULL, $2)",
        vec![Text(CASE_ID), Int(CREATED_MS)],
    )
    .await;
}

const FEED_ID: &str = "01900000-0000-7000-8000-0000000ca112";

/// The link token of the seeded feed, derived from its id as the store derives it.
fn feed_token(k: &Crypto) -> String {
    k.keyed_hash("calendar_feed_token", FEED_ID)
}

/// What migration 0012 (calendar feeds) added: a live feed of the local account's cases and
/// one event's version.
async fn seed_v12(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO calendar_feeds (id, account_id, case_id, token_hash, second_factor, created_ms)
         VALUES ($1, $2, NULL, $3, TRUE, $4)",
        vec![
            Text(FEED_ID),
            Text(LOCAL_ACCOUNT),
            OptText(Some(k.keyed_hash("calendar_feed_token_hash", &feed_token(k)))),
            Int(CREATED_MS),
        ],
    )
    .await;
    c.exec(
        "INSERT INTO calendar_event_versions (uid, case_id, fingerprint, sequence, updated_ms)
         VALUES ($1, $2, 'f0', 4, $3)",
        vec![
            Text("221g_reconsideration.01900000-0000-7000-8000-00000000c001@visa.example.org"),
            Text(CASE_ID),
            Int(CREATED_MS),
        ],
    )
    .await;
}

/// The seeded feed still opens with its link and the event keeps its sequence.
async fn check_calendar_after_upgrade(store: &Store, id: &CaseId, filled_at: i64, label: &str) {
    let feed = store
        .calendar_feed_by_token(&feed_token(&crypto()))
        .await
        .expect("feed");
    assert_eq!(
        feed.is_some(),
        filled_at >= 12,
        "{label}: the calendar feed"
    );
    let uid = format!("221g_reconsideration.{id}@visa.example.org");
    let event = visanav_store::FeedEvent {
        uid: &uid,
        case: id,
        fingerprint: "f0",
    };
    let versions = store
        .calendar_event_versions(&Actor::local(), &[event], jiff::Timestamp::UNIX_EPOCH)
        .await
        .expect("versions");
    let expected = if filled_at >= 12 { 4 } else { 0 };
    assert_eq!(
        versions[0].sequence, expected,
        "{label}: the event's sequence"
    );
}

const WEBHOOK_ID: &str = "01900000-0000-7000-8000-0000000000b1";
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What migration 0013 added: a webhook endpoint and an ntfy subscription, secrets encrypted.
async fn seed_v13(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO webhook_endpoints (id, account_id, url, secret_enc, enabled, created_ms)
         VALUES ($1, $2, 'https://hooks.example.org/in', $3, TRUE, $4)",
        vec![
            Text(WEBHOOK_ID),
            Text(LOCAL_ACCOUNT),
            Blob(k.encrypt(
                WEBHOOK_SECRET.as_bytes(),
                &format!("webhook_endpoints.secret:{WEBHOOK_ID}"),
            )),
            Int(CREATED_MS),
        ],
    )
    .await;
    c.exec(
        "INSERT INTO ntfy_subscriptions (account_id, server_url, topic_enc, token_enc, enabled, created_ms)
         VALUES ($1, 'https://ntfy.example.org', $2, NULL, TRUE, $3)",
        vec![
            Text(LOCAL_ACCOUNT),
            Blob(k.encrypt(
                b"k1-topic",
                &format!("ntfy_subscriptions.topic:{LOCAL_ACCOUNT}"),
            )),
            Int(CREATED_MS),
        ],
    )
    .await;
}

const CONSULT_ID: &str = "01900000-0000-7000-8000-0000000c0015";
const CONSULT_START_MS: i64 = CREATED_MS + 7 * 86_400_000;

/// What migration 0015 added: an attorney's offer, a type, a confirmed consultation with its
/// intake encrypted, and the time it claims.
async fn seed_v15(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO consult_settings (firm_id, account_id, display_name, availability, accepting, updated_ms)
         VALUES ($1, $2, 'Ana Reyes', '{}', TRUE, $3)",
        vec![Text(FIRM_ID), Text(MEMBER_ID), Int(CREATED_MS)],
    )
    .await;
    c.exec(
        "INSERT INTO consult_types (id, firm_id, account_id, name, minutes, price_text, location, active, created_ms)
         VALUES ('01900000-0000-7000-8000-0000000c1015', $1, $2, 'First consultation', 60, '$150', 'Video', TRUE, $3)",
        vec![Text(FIRM_ID), Text(MEMBER_ID), Int(CREATED_MS)],
    )
    .await;
    let intake = br#"{"visa":"K-1","post":"MNL","post_name":"Manila","ceac_status":"Refused","refusal":null,"requested_documents":[],"deadlines":[],"help_reasons":[],"help_urgency":"soon","applicant_name":"Maria Clara Santos","petitioner_name":"Daniel Whitfield","question":"What now?"}"#;
    c.exec(
        "INSERT INTO consultations (id, firm_id, attorney_id, type_id, applicant_id, case_id,
            start_ms, end_ms, occupied_from_ms, occupied_until_ms, applicant_zone, attorney_zone,
            status, intake_enc, sequence, created_ms, updated_ms)
         VALUES ($1, $2, $3, '01900000-0000-7000-8000-0000000c1015', $4, $5, $6, $7, $6, $7,
            'Asia/Manila', 'America/New_York', 'confirmed', $8, 1, $9, $9)",
        vec![
            Text(CONSULT_ID),
            Text(FIRM_ID),
            Text(MEMBER_ID),
            Text(LOCAL_ACCOUNT),
            Text(CASE_ID),
            Int(CONSULT_START_MS),
            Int(CONSULT_START_MS + 3_600_000),
            Blob(k.encrypt(intake, &format!("consultations.intake:{CONSULT_ID}"))),
            Int(CREATED_MS),
        ],
    )
    .await;
    for block in 0..4 {
        c.exec(
            "INSERT INTO consult_claims (attorney_id, block, consultation_id) VALUES ($1, $2, $3)",
            vec![
                Text(MEMBER_ID),
                Int(CONSULT_START_MS / 900_000 + block),
                Text(CONSULT_ID),
            ],
        )
        .await;
    }
}

/// The seeded consultation reads back for its applicant, intake decrypted.
async fn check_consultation_after_upgrade(store: &Store, filled_at: i64, label: &str) {
    let mine = store
        .consultations(&Actor::local(), visanav_store::Side::Applicant)
        .await
        .unwrap_or_else(|e| panic!("{label}: consultations: {e}"));
    if filled_at >= 15 {
        assert_eq!(mine.len(), 1, "{label}");
        assert_eq!(
            mine[0].intake.applicant_name, "Maria Clara Santos",
            "{label}"
        );
        assert_eq!(
            mine[0].status,
            visanav_store::ConsultStatus::Confirmed,
            "{label}"
        );
    } else {
        assert!(mine.is_empty(), "{label}");
    }
}

/// What migration 0014 added: a live date of the case (its passport's expiry).
async fn seed_v14(c: &mut Conn, _k: &Crypto) {
    c.exec(
        "INSERT INTO case_dates (case_id, key, kind, subject, due_on, title)
         VALUES ($1, 'expiry-passport', 'expiry', 'passport', '2031-07-31', 'Passport')",
        vec![Text(CASE_ID)],
    )
    .await;
}

/// The seeded case's live dates, as the reminder sweep reads them: (key, due).
async fn case_dates(store: &Store) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = store
        .reminder_candidates("0000-01-01", "9999-12-31")
        .await
        .expect("dates")
        .into_iter()
        .filter(|c| c.case_id == CASE_ID)
        .map(|c| (c.key, c.due))
        .collect();
    keys.sort();
    keys
}

/// The case's dates after the upgrade: a seeded date reads back; an older case has none
/// until a sweep computes its summary again.
async fn check_dates_after_upgrade(store: &Store, filled_at: i64, label: &str) {
    let seeded = vec![("expiry-passport".to_string(), "2031-07-31".to_string())];
    if filled_at >= 14 {
        assert_eq!(case_dates(store).await, seeded, "{label}");
    } else {
        assert!(case_dates(store).await.is_empty(), "{label}");
    }
}

/// After a sweep, every case has its dates: here the seeded case's police certificate's
/// expiry (its issue date plus the catalogue's validity).
async fn check_dates_after_sweep(store: &Store, label: &str) {
    let dates = case_dates(store).await;
    assert!(
        dates
            .iter()
            .any(|(key, _)| key == "expiry-police_certificate"),
        "{label}: {dates:?}"
    );
}

const DRAFT_ID: &str = "01900000-0000-7000-8000-00000000f001";
const DRAFT_TEXT: &str = "Dear Maria Clara, please send your NBI clearance";

/// Rows migration 0003 (drafts and duplicates) added: a notice waiting as a draft.
async fn seed_v3(c: &mut Conn, k: &Crypto) {
    c.exec(
        "INSERT INTO notice_drafts (id, owner_id, case_id, media_type, original_enc, text_enc, created_ms, expires_ms)
         VALUES ($1, $2, $3, 'text/plain', $4, $5, $6, $7)",
        vec![
            Text(DRAFT_ID),
            Text(LOCAL_ACCOUNT),
            Text(CASE_ID),
            Blob(k.encrypt(DRAFT_TEXT.as_bytes(), &format!("notice_drafts.original:{DRAFT_ID}"))),
            Blob(k.encrypt(DRAFT_TEXT.as_bytes(), &format!("notice_drafts.text:{DRAFT_ID}"))),
            Int(CREATED_MS),
            Int(CREATED_MS + 86_400_000),
        ],
    )
    .await;
}

/// What an upgraded database must read back, given the schema it was filled at.
async fn check_reads_back(store: &Store, filled_at: i64, label: &str) {
    let id = CaseId::from_stored(CASE_ID.to_string());
    let local = Actor::local();
    let stored = store
        .get_case(&local, &id)
        .await
        .unwrap_or_else(|e| panic!("{label}: read after upgrade: {e}"))
        .unwrap_or_else(|| panic!("{label}: the case is gone after the upgrade"));
    let case = &stored.case;
    assert_eq!(stored.created_ms, CREATED_MS, "{label}");
    assert_eq!(
        case.ceac_case_number.as_ref().map(|c| c.as_str()),
        Some("MNL2025512345"),
        "{label}"
    );
    assert_eq!(
        case.passport_number.as_ref().map(|p| p.as_str()),
        Some("P1234567A"),
        "{label}"
    );
    let b = case.beneficiary.as_ref().expect("beneficiary");
    assert_eq!(
        (b.given_names.as_deref(), b.surname.as_deref()),
        (Some("Maria Clara"), Some("Santos")),
        "{label}"
    );
    assert_eq!(
        case.petitioner.as_ref().and_then(|p| p.surname.as_deref()),
        Some("Whitfield"),
        "{label}"
    );
    let statuses: Vec<&str> = case.status.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["Refused", "Administrative Processing"],
        "{label}"
    );
    let refusal = case.refusal.as_ref().expect("refusal");
    assert_eq!(refusal.on.to_string(), "2025-03-14", "{label}");
    assert_eq!(refusal.notes.as_deref(), Some(NOTES), "{label}");
    assert_eq!(case.documents.len(), 1, "{label}");
    assert_eq!(case.documents[0].kind, "police_certificate", "{label}");
    let (on, note) = (&case.documents[0].status_on, &case.documents[0].note);
    if filled_at >= 5 {
        assert_eq!(
            on.map(|d| d.to_string()).as_deref(),
            Some("2025-02-01"),
            "{label}"
        );
        assert_eq!(note.as_deref(), Some(DOCUMENT_NOTE), "{label}");
    } else {
        assert_eq!((on, note), (&None, &None), "{label}");
    }

    let listed = store.list_cases(&local).await.expect("list");
    assert_eq!(listed.len(), 1, "{label}");
    let found = store
        .find_by_passport(&local, &PassportNumber::parse("P1234567A").expect("p"))
        .await
        .expect("find");
    assert_eq!(found.len(), 1, "{label}: passport lookup by keyed hash");

    let notices = store.list_notices(&local, &id).await.expect("notices");
    if filled_at >= 2 {
        assert_eq!(notices.len(), 1, "{label}");
        assert_eq!(notices[0].original, NOTICE_TEXT, "{label}");
    } else {
        assert!(notices.is_empty(), "{label}");
    }
    let in_time = jiff::Timestamp::from_millisecond(CREATED_MS + 1000).expect("ts");
    let draft = store
        .draft(&local, &id, &DraftId(DRAFT_ID.into()), in_time)
        .await;
    if filled_at >= 3 {
        assert_eq!(draft.expect("draft").text, DRAFT_TEXT, "{label}");
    } else {
        assert!(matches!(draft, Err(StoreError::DraftNotFound)), "{label}");
    }
    let member = Actor::operator(visanav_store::AccountId::from_stored(MEMBER_ID.into()));
    let shared = store.get_case(&member, &id).await.expect("get").is_some();
    assert_eq!(shared, filled_at >= 4, "{label}: the firm share");
    let creds = store
        .credentials("ATTY@firm.example")
        .await
        .expect("credentials");
    assert_eq!(
        creds.is_some(),
        filled_at >= 4,
        "{label}: the account by address"
    );
    let token = store
        .live_api_token(&visanav_auth::hash_token(API_TOKEN), in_time)
        .await
        .expect("token");
    assert_eq!(token.is_some(), filled_at >= 6, "{label}: the API token");
    if let Some((token, needs_second_factor)) = token {
        assert_eq!(token.scope, visanav_store::TokenScope::ReadWrite, "{label}");
        assert!(token.second_factor && needs_second_factor, "{label}");
    }
    // The API token seeded before 0009 rebuilt the table (on SQLite) is still there, above;
    // the bookmarklet's token reads back with its scope.
    let ceac = store
        .live_api_token(&visanav_auth::hash_token(CEAC_TOKEN), in_time)
        .await
        .expect("token");
    assert_eq!(
        ceac.map(|(t, _)| t.scope),
        (filled_at >= 9).then_some(visanav_store::TokenScope::CeacSubmit),
        "{label}: the bookmarklet token"
    );
    check_dates_after_upgrade(store, filled_at, label).await;
    if filled_at >= 4 {
        // It sweeps every summary.
        check_dashboard_after_upgrade(store, &member, filled_at, label).await;
    } else {
        let k = std::sync::Arc::new(Knowledge::embedded().expect("knowledge"));
        let now = jiff::Timestamp::from_millisecond(CREATED_MS + 1000).expect("ts");
        let swept = store
            .clone()
            .with_summarizer(visanav_store::Summarizer::from_knowledge(k));
        swept.sweep(Sweep::Stale, now).await.expect("sweep");
    }
    check_dates_after_sweep(store, label).await;
    check_monitoring_after_upgrade(store, &local, &id, filled_at, label).await;
    check_calendar_after_upgrade(store, &id, filled_at, label).await;
}

/// A monitor, attempt and event written at schema 8 read back; an older case is not watched.
async fn check_monitoring_after_upgrade(
    store: &Store,
    local: &Actor,
    id: &CaseId,
    filled_at: i64,
    label: &str,
) {
    let monitors = store.monitors(local, id).await.expect("monitors");
    assert_eq!(monitors.len(), usize::from(filled_at >= 8), "{label}");
    let attempts = store.attempts(local, id, 10).await.expect("attempts");
    if filled_at >= 8 {
        let answer = store
            .attempt_answer(local, id, ATTEMPT_ID)
            .await
            .expect("answer")
            .expect("kept");
        assert_eq!(answer.1, CEAC_ANSWER, "{label}");
        assert_eq!(attempts.len(), 1, "{label}");
        assert_eq!(
            store.case_events(local, id).await.expect("events").len(),
            1,
            "{label}"
        );
    } else {
        assert!(attempts.is_empty(), "{label}");
    }
    let steps = store.history_steps(local, id).await.expect("steps");
    assert_eq!(steps.len(), usize::from(filled_at >= 10), "{label}");
    // The event of 0008 reaches the in-app list: fanned out at 0011, or by the first
    // dispatcher after the upgrade.
    if filled_at >= 8 {
        let fanned = store
            .fan_out(jiff::Timestamp::now(), 10)
            .await
            .expect("fan out");
        assert_eq!(fanned, usize::from(filled_at < 11), "{label}");
        let list = store.notifications(local, 10).await.expect("list");
        assert_eq!(list.len(), 1, "{label}");
        assert_eq!(list[0].kind, "status_changed", "{label}");
    }
    let prefs = store.notification_prefs(local).await.expect("prefs");
    assert_eq!(prefs.email_enabled, filled_at < 11, "{label}");
    if filled_at >= 11 {
        assert_eq!(prefs.time_zone, "Asia/Manila", "{label}");
        assert_eq!(prefs.lead_days, [30, 7], "{label}");
        assert_eq!(
            prefs.quiet.map(|q| (q.start_min, q.end_min)),
            Some((1320, 420))
        );
    }
    // Readings stored before 0008 came from people: they read back as typed ones.
    let timeline = store.timeline(local, id).await.expect("timeline");
    assert!(timeline.iter().all(|t| t.via == "manual"), "{label}");
    let hooks = store
        .webhook_targets(local.account_id(), jiff::Timestamp::UNIX_EPOCH)
        .await
        .expect("webhooks");
    let secrets: Vec<&str> = hooks
        .iter()
        .flat_map(|h| &h.secrets)
        .map(String::as_str)
        .collect();
    let ntfy = store.ntfy_subscription(local).await.expect("ntfy");
    if filled_at >= 13 {
        assert_eq!(secrets, [WEBHOOK_SECRET], "{label}");
        assert_eq!(
            ntfy.map(|n| n.topic).as_deref(),
            Some("k1-topic"),
            "{label}"
        );
    } else {
        assert!(secrets.is_empty() && ntfy.is_none(), "{label}");
    }
}

/// The firm's dashboard lists the upgraded case: a summary written at schema 7 reads back; an
/// older case waits as "not summarised yet" until the sweep, which also hashes its names.
async fn check_dashboard_after_upgrade(store: &Store, member: &Actor, filled_at: i64, label: &str) {
    let all = DashboardFilter::default();
    let rows = store
        .firm_dashboard(member, FIRM_ID, &all)
        .await
        .unwrap_or_else(|e| panic!("{label}: dashboard: {e}"))
        .rows;
    assert_eq!(rows.len(), 1, "{label}");
    let row = &rows[0];
    assert_eq!(row.client.as_deref(), Some("Maria Clara Santos"), "{label}");
    if filled_at >= 7 {
        assert_eq!(row.urgency_rank, 2, "{label}");
        assert_eq!(
            row.latest_status.as_deref(),
            Some("Administrative Processing"),
            "{label}"
        );
        assert_eq!(
            row.help_reasons,
            ["Long administrative processing"],
            "{label}"
        );
        assert_eq!(
            row.assignee.as_ref().map(|a| a.as_str()),
            Some(MEMBER_ID),
            "{label}"
        );
    } else {
        assert_eq!(row.urgency_rank, visanav_store::PENDING_RANK, "{label}");
        assert_eq!(row.assignee, None, "{label}");
    }
    let k = std::sync::Arc::new(Knowledge::embedded().expect("knowledge"));
    let swept = store
        .clone()
        .with_summarizer(visanav_store::Summarizer::from_knowledge(k));
    let now = jiff::Timestamp::from_millisecond(CREATED_MS + 1000).expect("ts");
    swept.sweep(Sweep::All, now).await.expect("sweep");
    let by_name = DashboardFilter {
        search: Some("clara santos".into()),
        ..DashboardFilter::default()
    };
    let found = swept
        .firm_dashboard(member, FIRM_ID, &by_name)
        .await
        .expect("search");
    assert_eq!(
        found.rows.len(),
        1,
        "{label}: found by name after the sweep"
    );
    assert_ne!(
        found.rows[0].urgency_rank,
        visanav_store::PENDING_RANK,
        "{label}"
    );
}

/// The upgraded database takes today's writes too.
async fn check_takes_new_writes(store: &Store, label: &str) {
    let k = Knowledge::embedded().expect("knowledge");
    let example = CaseFile::parse(
        include_str!("../../../../examples/k1-manila-221g.toml"),
        Format::Toml,
        &k,
        "2026-01-15".parse().expect("date"),
    )
    .expect("example");
    let local = Actor::local();
    let now = jiff::Timestamp::from_millisecond(CREATED_MS + 5000).expect("ts");
    let id = store
        .create_case(&local, &example, now, DuplicatePolicy::Allow)
        .await
        .unwrap_or_else(|e| panic!("{label}: create after upgrade: {e}"));
    let refusal = example.refusal.clone().expect("refusal");
    store
        .apply_notice(
            &local,
            &id,
            &refusal,
            NewNotice {
                kind: "documents_requested",
                media_type: "text/plain",
                original: b"notice",
                reading_json: "{}",
                from_draft: None,
                episode: EpisodeChoice::Latest,
                duplicates: DuplicatePolicy::Refuse,
            },
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("{label}: notice after upgrade: {e}"));
    assert_eq!(store.list_cases(&local).await.expect("list").len(), 2);
}

/// A fresh, empty database on one backend.
struct Fresh {
    backend: Backend,
    url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Fresh {
    async fn sqlite() -> Fresh {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("visanav.db").display()
        );
        Fresh {
            backend: Backend::Sqlite,
            url,
            _dir: Some(dir),
            pg: None,
        }
    }

    async fn postgres(admin: &str) -> Fresh {
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let mut c = sqlx::PgConnection::connect(admin).await.expect("connect");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await
            .expect("create db");
        c.close().await.ok();
        let base = admin.rsplit_once('/').expect("db path").0;
        Fresh {
            backend: Backend::Postgres,
            url: format!("{base}/{name}"),
            _dir: None,
            pg: Some((admin.to_string(), name)),
        }
    }

    async fn connect(&self) -> Conn {
        match self.backend {
            Backend::Sqlite => Conn::Sqlite(
                sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect"),
            ),
            Backend::Postgres => Conn::Pg(
                sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect"),
            ),
        }
    }

    fn migrations_dir(&self) -> PathBuf {
        let sub = match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(sub)
    }

    async fn cleanup(self) {
        if let Some((admin, name)) = self.pg {
            let mut c = sqlx::PgConnection::connect(&admin).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .await
                .expect("drop db");
        }
    }
}

async fn fresh_dbs() -> Vec<Fresh> {
    let mut dbs = vec![Fresh::sqlite().await];
    if let Some(admin) = crate::support::test_postgres_url() {
        dbs.push(Fresh::postgres(&admin).await);
    }
    dbs
}

async fn migrator_for(db: &Fresh) -> Migrator {
    Migrator::new(db.migrations_dir().as_path())
        .await
        .expect("migrations")
}

#[tokio::test]
async fn every_migration_has_a_seed() {
    let db = Fresh::sqlite().await;
    let known: Vec<i64> = migrator_for(&db).await.iter().map(|m| m.version).collect();
    let seeded: Vec<i64> = SEEDS.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        known, seeded,
        "add a seed for each new migration (see the module comment)"
    );
}

/// For each N: migrate to N, fill, reported as pending; then open with today's Store.
#[tokio::test]
async fn data_from_every_earlier_schema_survives_the_upgrade() {
    for template in fresh_dbs().await {
        let migrator = migrator_for(&template).await;
        let versions: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        let latest = *versions.last().expect("a migration");
        for &n in &versions {
            let db = another_fresh(&template).await;
            let label = format!("{} filled at schema {n}", db.backend.name());
            eprintln!("{label}");
            let mut c = db.connect().await;
            c.migrate_to(&migrator, n).await;
            for (_, seed) in SEEDS.iter().filter(|(v, _)| *v <= n) {
                seed(&mut c, &crypto()).await;
            }
            c.close().await;

            // Before upgrading, the old database is reported as what it is.
            let probe = Store::connect(&db.url, Crypto::ephemeral())
                .await
                .expect("connect");
            let status = probe.schema_status().await.expect("status");
            assert_eq!(status.applied, Some(n), "{label}");
            assert_eq!(status.latest, latest, "{label}");
            assert_eq!(
                status.pending,
                versions
                    .iter()
                    .copied()
                    .filter(|v| *v > n)
                    .collect::<Vec<_>>(),
                "{label}: a part-migrated database is pending"
            );
            assert!(status.failed.is_empty(), "{label}");
            assert!(probe.has_encrypted_data().await.expect("probe"), "{label}");
            probe.close().await;

            let store = Store::open(&db.url, crypto())
                .await
                .unwrap_or_else(|e| panic!("{label}: upgrade failed: {e}"));
            let status = store.schema_status().await.expect("status");
            assert!(status.pending.is_empty(), "{label}: {status:?}");
            assert_eq!(status.applied, Some(latest), "{label}");
            check_reads_back(&store, n, &label).await;
            check_consultation_after_upgrade(&store, n, &label).await;
            check_takes_new_writes(&store, &label).await;
            store.close().await;
            db.cleanup().await;
        }
        template.cleanup().await;
    }
}

/// Summaries written before migration 0014 do not have their dates: the migration marks
/// them out of date, so the next sweep of stale summaries, even one long before their day
/// ends, computes them again and writes the dates the reminders need.
#[tokio::test]
async fn summaries_from_before_the_dates_are_swept_again() {
    for db in fresh_dbs().await {
        let label = db.backend.name();
        let migrator = migrator_for(&db).await;
        let mut c = db.connect().await;
        c.migrate_to(&migrator, 13).await;
        for (_, seed) in SEEDS.iter().filter(|(v, _)| *v <= 13) {
            seed(&mut c, &crypto()).await;
        }
        // Good for years, as far as schema 13 knew.
        c.exec(
            "UPDATE case_summaries SET valid_until_ms = $1",
            vec![Int(CREATED_MS + 1_000 * 86_400_000)],
        )
        .await;
        c.close().await;
        let k = std::sync::Arc::new(Knowledge::embedded().expect("knowledge"));
        let store = Store::open(&db.url, crypto())
            .await
            .expect("upgrade")
            .with_summarizer(visanav_store::Summarizer::from_knowledge(k));
        assert!(case_dates(&store).await.is_empty(), "{label}");
        let now = jiff::Timestamp::from_millisecond(CREATED_MS + 1000).expect("ts");
        assert_eq!(
            store.sweep(Sweep::Stale, now).await.expect("sweep"),
            1,
            "{label}: the older summary is swept again"
        );
        check_dates_after_sweep(&store, label).await;
        assert_eq!(
            store.sweep(Sweep::Stale, now).await.expect("sweep"),
            0,
            "{label}: once"
        );
        store.close().await;
        db.cleanup().await;
    }
}

/// Another fresh database on the same backend (one per schema version).
async fn another_fresh(db: &Fresh) -> Fresh {
    match &db.pg {
        None => Fresh::sqlite().await,
        Some((admin, _)) => Fresh::postgres(admin).await,
    }
}

/// A migration recorded as started but not finished (`success = false`) is reported as failed,
/// and migrating refuses to build on a half-changed schema.
#[tokio::test]
async fn a_failed_migration_is_reported_and_blocks_migrating() {
    for db in fresh_dbs().await {
        let label = db.backend.name();
        let migrator = migrator_for(&db).await;
        let mut c = db.connect().await;
        c.migrate_to(&migrator, 1).await;
        c.exec(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (2, 'notices', FALSE, $1, -1)",
            vec![Blob(vec![0])],
        )
        .await;
        c.close().await;
        let store = Store::connect(&db.url, crypto()).await.expect("connect");
        let status = store.schema_status().await.expect("status");
        assert_eq!(status.applied, Some(1), "{label}");
        assert_eq!(status.failed, [2], "{label}");
        assert_eq!(status.pending[0], 2, "{label}: {:?}", status.pending);
        assert!(status.pending.windows(2).all(|w| w[0] < w[1]), "{label}");
        let err = store.migrate().await.expect_err("must not migrate past it");
        assert!(matches!(err, StoreError::Migrate(_)), "{label}: {err}");
        assert!(err.to_string().contains("migration 2"), "{label}: {err}");
        store.close().await;
        db.cleanup().await;
    }
}
