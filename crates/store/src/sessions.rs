//! Server-side sessions and single-use links. The cookie and the link hold random values;
//! the database keeps only their SHA-256 (made by the caller), so a stolen database opens no
//! session and follows no link.

use jiff::{SignedDuration, Timestamp};
use visanav_core::account::AccountId;

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// A session as stored: found by the hash of the cookie's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub account: AccountId,
    pub created_ms: i64,
    pub last_seen_ms: i64,
    pub expires_ms: i64,
    /// When the second factor was given in this session.
    pub mfa_ms: Option<i64>,
    pub label: String,
    csrf_secret: String,
}

impl Session {
    /// The secret the per-form CSRF tokens of this session are derived from.
    pub fn csrf_secret(&self) -> &str {
        &self.csrf_secret
    }
}

/// A new session: the caller made the random id and keeps it for the cookie.
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub account: &'a AccountId,
    pub csrf_secret: &'a str,
    pub label: &'a str,
    /// Whether the second factor was already given (accounts without one sign in at once).
    pub mfa_done: bool,
}

/// What a single-use link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
    SignIn,
    FirmInvite,
    CaseShare,
    ChangeEmail,
}

impl TokenPurpose {
    fn as_db(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::SignIn => "sign_in",
            TokenPurpose::FirmInvite => "firm_invite",
            TokenPurpose::CaseShare => "case_share",
            TokenPurpose::ChangeEmail => "change_email",
        }
    }
}

/// A single-use link to remember (its token hashed by the caller).
pub struct NewToken<'a> {
    pub hash: &'a str,
    pub purpose: TokenPurpose,
    pub account: Option<&'a AccountId>,
    /// The address the link was sent to: only the account with it may use the link.
    pub email: Option<&'a str>,
    /// What it is about (a firm id, a share id).
    pub subject: Option<&'a str>,
    /// A personal value it carries (a new email address), encrypted.
    pub subject_secret: Option<&'a str>,
    pub lifetime: SignedDuration,
}

/// A link that was used just now.
#[derive(Clone, PartialEq, Eq)]
pub struct UsedToken {
    pub account: Option<AccountId>,
    pub email_hash: Option<String>,
    pub subject: Option<String>,
    pub subject_secret: Option<String>,
}

impl std::fmt::Debug for UsedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsedToken")
            .field("account", &self.account)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Expired,
    Used,
    /// The link was sent to another address than the signed-in account's.
    WrongAccount,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id_hash: String,
    account_id: String,
    created_ms: i64,
    last_seen_ms: i64,
    expires_ms: i64,
    mfa_ms: Option<i64>,
    csrf_secret: String,
    label: String,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Session {
        Session {
            id_hash: r.id_hash,
            account: AccountId::from_stored(r.account_id),
            created_ms: r.created_ms,
            last_seen_ms: r.last_seen_ms,
            expires_ms: r.expires_ms,
            mfa_ms: r.mfa_ms,
            label: r.label,
            csrf_secret: r.csrf_secret,
        }
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    account_id: Option<String>,
    email_hash: Option<String>,
    subject: Option<String>,
    subject_enc: Option<Vec<u8>>,
    expires_ms: i64,
    used_ms: Option<i64>,
}

/// The session columns, from `sessions s`.
const SESSION_COLUMNS: &str = "s.id_hash, s.account_id, s.created_ms, s.last_seen_ms, \
    s.expires_ms, s.mfa_ms, s.csrf_secret, s.label";

/// Sessions are marked as seen at most this often, so reading pages does not write on every
/// request.
const SEEN_GRANULARITY_MS: i64 = 60_000;

impl Tx<'_> {
    // ----- sessions -----

    pub async fn create_session(
        &mut self,
        new: NewSession<'_>,
        now: Timestamp,
        absolute: SignedDuration,
    ) -> Result<(), StoreError> {
        let now_ms = now.as_millisecond();
        let expires = now_ms + absolute.as_millis() as i64;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO sessions (id_hash, account_id, created_ms, last_seen_ms, expires_ms, mfa_ms, csrf_secret, label)
             VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        )
        .bind(new.id_hash)
        .bind(new.account.as_str())
        .bind(now_ms)
        .bind(expires)
        .bind(new.mfa_done.then_some(now_ms))
        .bind(new.csrf_secret)
        .bind(new.label)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The live session with this id hash: not past its absolute expiry, not idle longer
    /// than `idle`, its account not disabled. Marks it as seen.
    pub async fn session(
        &mut self,
        id_hash: &str,
        now: Timestamp,
        idle: SignedDuration,
    ) -> Result<Option<Session>, StoreError> {
        let Some(session) = self.find_session(id_hash, now, idle).await? else {
            return Ok(None);
        };
        if session_is_stale(&session, now) {
            self.touch_session(id_hash, now).await?;
        }
        Ok(Some(session))
    }

    /// The live session with this id hash, without marking it as seen (a read).
    async fn find_session(
        &mut self,
        id_hash: &str,
        now: Timestamp,
        idle: SignedDuration,
    ) -> Result<Option<Session>, StoreError> {
        let now_ms = now.as_millisecond();
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.id_hash = $1 AND s.expires_ms > $2 AND s.last_seen_ms > $3
               AND a.disabled_ms IS NULL"
        );
        let row: Option<SessionRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id_hash)
            .bind(now_ms)
            .bind(now_ms - idle.as_millis() as i64)
            .fetch_optional(&mut *c)
            .await?);
        Ok(row.map(Session::from))
    }

    async fn touch_session(&mut self, id_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE id_hash = $2")
            .bind(now.as_millisecond())
            .bind(id_hash)
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Records that the second factor was given in this session.
    pub async fn mark_session_mfa(
        &mut self,
        id_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query("UPDATE sessions SET mfa_ms = $1 WHERE id_hash = $2")
            .bind(now.as_millisecond())
            .bind(id_hash)
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn delete_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Signs the account out everywhere (but `except`, the session asking).
    pub async fn delete_sessions(
        &mut self,
        account: &AccountId,
        except: Option<&str>,
    ) -> Result<u64, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "DELETE FROM sessions WHERE account_id = $1 AND id_hash <> $2"
        )
        .bind(account.as_str())
        .bind(except.unwrap_or(""))
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(n)
    }

    /// The account's live sessions, most recent first.
    pub async fn list_sessions(
        &mut self,
        account: &AccountId,
        now: Timestamp,
    ) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.account_id = $1 AND s.expires_ms > $2
             ORDER BY s.last_seen_ms DESC"
        );
        let rows: Vec<SessionRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(now.as_millisecond())
            .fetch_all(&mut *c)
            .await?);
        Ok(rows.into_iter().map(Session::from).collect())
    }

    // ----- single-use links -----

    pub async fn create_token(
        &mut self,
        t: NewToken<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let email_hash = t.email.map(|e| self.email_hash(e));
        let subject_enc = t.subject_secret.map(|s| {
            self.crypto
                .encrypt(s.as_bytes(), &format!("tokens.subject:{}", t.hash))
        });
        let now_ms = now.as_millisecond();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO tokens (hash, purpose, account_id, email_hash, subject, subject_enc, created_ms, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(t.hash)
        .bind(t.purpose.as_db())
        .bind(t.account.map(|a| a.as_str().to_string()))
        .bind(&email_hash)
        .bind(t.subject)
        .bind(&subject_enc)
        .bind(now_ms)
        .bind(now_ms + t.lifetime.as_millis() as i64)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Uses a link once: it must exist for this purpose, be unexpired and unused.
    pub async fn use_token(
        &mut self,
        purpose: TokenPurpose,
        hash: &str,
        now: Timestamp,
    ) -> Result<Result<UsedToken, TokenProblem>, StoreError> {
        self.use_token_as(purpose, hash, None, now).await
    }

    /// The same, for a link sent to an address: only the account with that address may use
    /// it. Anyone else is told so, and the link stays usable for its owner.
    pub async fn use_token_as(
        &mut self,
        purpose: TokenPurpose,
        hash: &str,
        account_email: Option<&str>,
        now: Timestamp,
    ) -> Result<Result<UsedToken, TokenProblem>, StoreError> {
        let row: Option<TokenRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT account_id, email_hash, subject, subject_enc, expires_ms, used_ms
             FROM tokens WHERE hash = $1 AND purpose = $2"
        )
        .bind(hash)
        .bind(purpose.as_db())
        .fetch_optional(&mut *c)
        .await?);
        let Some(row) = row else {
            return Ok(Err(TokenProblem::Unknown));
        };
        if row.used_ms.is_some() {
            return Ok(Err(TokenProblem::Used));
        }
        if row.expires_ms <= now.as_millisecond() {
            return Ok(Err(TokenProblem::Expired));
        }
        if let Some(email) = account_email
            && row.email_hash.as_deref() != Some(self.email_hash(email).as_str())
        {
            return Ok(Err(TokenProblem::WrongAccount));
        }
        // Only one of two concurrent uses wins.
        let won = on_tx!(self, c => sqlx::query(
            "UPDATE tokens SET used_ms = $1 WHERE hash = $2 AND used_ms IS NULL"
        )
        .bind(now.as_millisecond())
        .bind(hash)
        .execute(&mut *c)
        .await?
        .rows_affected());
        if won != 1 {
            return Ok(Err(TokenProblem::Used));
        }
        let subject_secret = match &row.subject_enc {
            None => None,
            Some(ct) => Some(
                String::from_utf8(self.crypto.decrypt(ct, &format!("tokens.subject:{hash}"))?)
                    .map_err(|_| StoreError::Corrupt("token subject is not UTF-8".into()))?,
            ),
        };
        Ok(Ok(UsedToken {
            account: row.account_id.map(AccountId::from_stored),
            email_hash: row.email_hash,
            subject: row.subject,
            subject_secret,
        }))
    }
}

/// True when the session was last marked as seen long enough ago to mark it again.
fn session_is_stale(session: &Session, now: Timestamp) -> bool {
    now.as_millisecond() - session.last_seen_ms > SEEN_GRANULARITY_MS
}

impl Store {
    /// The live session a request's cookie names, and whether its account must give a second
    /// factor. Every request asks this, so it is a read; only a session not marked as seen
    /// for a minute takes a (short) write to mark it.
    pub async fn live_session(
        &self,
        id_hash: &str,
        now: Timestamp,
        idle: SignedDuration,
    ) -> Result<Option<(Session, bool)>, StoreError> {
        let found = in_tx!(self, TxMode::Read, |tx| {
            match tx.find_session(id_hash, now, idle).await {
                Ok(Some(session)) => tx
                    .requires_second_factor(&session.account)
                    .await
                    .map(|needs| Some((session, needs))),
                other => other.map(|_| None),
            }
        })?;
        if let Some((session, _)) = &found
            && session_is_stale(session, now)
        {
            in_tx!(self, TxMode::Write, |tx| tx
                .touch_session(id_hash, now)
                .await)?;
        }
        Ok(found)
    }
}
