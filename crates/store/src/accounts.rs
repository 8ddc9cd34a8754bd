//! Accounts that sign in, their second factor and recovery codes, server-side sessions and
//! single-use links. Email addresses are personal data: encrypted, found by a keyed hash.
//! Secrets that arrive here are already hashed by the caller (passwords with Argon2id,
//! session ids, tokens and recovery codes with SHA-256): the store never sees them in clear,
//! except the TOTP secret, which it keeps encrypted.

use jiff::Timestamp;
use visanav_core::account::AccountId;

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// What kind of account: a person (who may also belong to firms), the instance's
/// administrator, or the machine's local account the command line acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    Local,
    Person,
    Admin,
}

impl AccountKind {
    fn as_db(self) -> &'static str {
        match self {
            AccountKind::Local => "local",
            AccountKind::Person => "applicant",
            AccountKind::Admin => "admin",
        }
    }

    fn from_db(s: &str) -> AccountKind {
        match s {
            "local" => AccountKind::Local,
            "admin" => AccountKind::Admin,
            _ => AccountKind::Person,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountKind::Local => "local",
            AccountKind::Person => "person",
            AccountKind::Admin => "admin",
        }
    }
}

/// An account as the people who run visanav see it.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub kind: AccountKind,
    pub email: Option<String>,
    pub email_verified: bool,
    pub has_password: bool,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub created_ms: i64,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("totp_enabled", &self.totp_enabled)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// What signing in checks, for the account an email address names.
#[derive(Clone)]
pub struct Credentials {
    pub account: Account,
    pub password_hash: Option<String>,
    /// Decrypted TOTP secret, when a second factor is set up.
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<u64>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    kind: String,
    email_enc: Option<Vec<u8>>,
    email_verified_ms: Option<i64>,
    password_hash: Option<String>,
    totp_secret_enc: Option<Vec<u8>>,
    totp_last_step: Option<i64>,
    disabled_ms: Option<i64>,
    created_ms: i64,
}

const ACCOUNT_COLUMNS: &str = "id, kind, email_enc, email_verified_ms, password_hash, \
    totp_secret_enc, totp_last_step, disabled_ms, created_ms";

/// Whether `email` has the shape of an address (one `@`, a dotted domain, no spaces): what
/// sign-up, invitations and `visanav user add` accept. Only the link sent to it proves it.
pub fn is_email_address(email: &str) -> bool {
    let e = email.trim();
    e.len() <= 254
        && !e.contains(char::is_whitespace)
        && e.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
}

/// Email addresses compare without case and surrounding spaces.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Tx<'_> {
    /// The keyed hash an email address is found by.
    pub fn email_hash(&self, email: &str) -> String {
        self.crypto.keyed_hash("email", &normalise_email(email))
    }

    /// An account's email address from its encrypted column.
    pub(crate) fn decrypt_email(&self, account_id: &str, ct: &[u8]) -> Result<String, StoreError> {
        let bytes = self
            .crypto
            .decrypt(ct, &format!("accounts.email:{account_id}"))?;
        String::from_utf8(bytes)
            .map_err(|_| StoreError::Corrupt(format!("account {account_id}: email is not UTF-8")))
    }

    fn account_of(&self, row: AccountRow) -> Result<Account, StoreError> {
        let email = match &row.email_enc {
            None => None,
            Some(ct) => Some(self.decrypt_email(&row.id, ct)?),
        };
        Ok(Account {
            id: AccountId::from_stored(row.id),
            kind: AccountKind::from_db(&row.kind),
            email,
            email_verified: row.email_verified_ms.is_some(),
            has_password: row.password_hash.is_some(),
            totp_enabled: row.totp_secret_enc.is_some(),
            disabled: row.disabled_ms.is_some(),
            created_ms: row.created_ms,
        })
    }

    /// A new account for `email`. An address already in use is
    /// [`StoreError::Conflict`] on `accounts_email_key`.
    pub async fn create_account(
        &mut self,
        email: &str,
        password_hash: Option<&str>,
        kind: AccountKind,
        now: Timestamp,
    ) -> Result<AccountId, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let email = normalise_email(email);
        let email_enc = self
            .crypto
            .encrypt(email.as_bytes(), &format!("accounts.email:{id}"));
        let hash = self.email_hash(&email);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO accounts (id, name, kind, created_ms, email_hash, email_enc, password_hash)
             VALUES ($1, 'account', $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(kind.as_db())
        .bind(now.as_millisecond())
        .bind(&hash)
        .bind(&email_enc)
        .bind(password_hash)
        .execute(&mut *c)
        .await?
        .rows_affected());
        tracing::info!(account_id = %id, kind = kind.label(), "account created");
        Ok(AccountId::from_stored(id))
    }

    pub async fn account(&mut self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        let row: Option<AccountRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.as_str())
            .fetch_optional(&mut *c)
            .await?);
        row.map(|r| self.account_of(r)).transpose()
    }

    /// What signing in needs for the account with this address, if there is one.
    pub async fn credentials(&mut self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email_hash = $1");
        let hash = self.email_hash(email);
        let row: Option<AccountRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(&hash)
            .fetch_optional(&mut *c)
            .await?);
        let Some(row) = row else { return Ok(None) };
        self.credentials_of(row).map(Some)
    }

    /// The same, for an account already known by id (the second step of signing in).
    pub async fn credentials_by_id(
        &mut self,
        id: &AccountId,
    ) -> Result<Option<Credentials>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        let row: Option<AccountRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.as_str())
            .fetch_optional(&mut *c)
            .await?);
        row.map(|r| self.credentials_of(r)).transpose()
    }

    fn credentials_of(&self, row: AccountRow) -> Result<Credentials, StoreError> {
        let totp_secret = match &row.totp_secret_enc {
            None => None,
            Some(ct) => Some(
                self.crypto
                    .decrypt(ct, &format!("accounts.totp:{}", row.id))?,
            ),
        };
        let password_hash = row.password_hash.clone();
        let totp_last_step = row.totp_last_step.map(|s| s as u64);
        Ok(Credentials {
            account: self.account_of(row)?,
            password_hash,
            totp_secret,
            totp_last_step,
        })
    }

    /// Every account, oldest first (for operators).
    pub async fn list_accounts(&mut self) -> Result<Vec<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY created_ms, id");
        let rows: Vec<AccountRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .fetch_all(&mut *c)
            .await?);
        rows.into_iter().map(|r| self.account_of(r)).collect()
    }

    /// Runs `UPDATE accounts SET <set> WHERE id = $2` with `$1` bound to `value`;
    /// [`StoreError::AccountNotFound`] when no account has the id.
    async fn update_account<V>(
        &mut self,
        id: &AccountId,
        set: &str,
        value: V,
    ) -> Result<(), StoreError>
    where
        V: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + for<'q> sqlx::Encode<'q, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>
            + Send
            + Clone,
    {
        let sql = format!("UPDATE accounts SET {set} WHERE id = $2");
        let n = on_tx!(self, c => sqlx::query(&sql)
            .bind(value.clone())
            .bind(id.as_str())
            .execute(&mut *c)
            .await?
            .rows_affected());
        if n == 0 {
            return Err(StoreError::AccountNotFound);
        }
        Ok(())
    }

    pub async fn set_password(&mut self, id: &AccountId, hash: &str) -> Result<(), StoreError> {
        self.update_account(id, "password_hash = $1", hash.to_string())
            .await
    }

    pub async fn mark_email_verified(
        &mut self,
        id: &AccountId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.update_account(id, "email_verified_ms = $1", now.as_millisecond())
            .await
    }

    /// Changes the address (after the new one was confirmed by its link).
    pub async fn set_email(
        &mut self,
        id: &AccountId,
        email: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let email = normalise_email(email);
        let enc = self
            .crypto
            .encrypt(email.as_bytes(), &format!("accounts.email:{}", id.as_str()));
        let hash = self.email_hash(&email);
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE accounts SET email_hash = $1, email_enc = $2, email_verified_ms = $3 WHERE id = $4"
        )
        .bind(&hash)
        .bind(&enc)
        .bind(now.as_millisecond())
        .bind(id.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if n == 0 {
            return Err(StoreError::AccountNotFound);
        }
        Ok(())
    }

    /// Sets (or with `None` removes) the TOTP secret, encrypted; replay protection restarts.
    pub async fn set_totp(
        &mut self,
        id: &AccountId,
        secret: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let enc = secret.map(|s| {
            self.crypto
                .encrypt(s, &format!("accounts.totp:{}", id.as_str()))
        });
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE accounts SET totp_secret_enc = $1, totp_last_step = NULL WHERE id = $2"
        )
        .bind(&enc)
        .bind(id.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if n == 0 {
            return Err(StoreError::AccountNotFound);
        }
        if secret.is_none() {
            on_tx!(self, c => sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(id.as_str())
                .execute(&mut *c)
                .await?
                .rows_affected());
        }
        Ok(())
    }

    /// Records that the TOTP code of time step `step` was used. False when that step (or a
    /// later one) was already used: the same code is never accepted twice.
    pub async fn accept_totp_step(
        &mut self,
        id: &AccountId,
        step: u64,
    ) -> Result<bool, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE accounts SET totp_last_step = $1
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)"
        )
        .bind(step as i64)
        .bind(id.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Replaces the account's recovery codes (their hashes).
    pub async fn set_recovery_codes(
        &mut self,
        id: &AccountId,
        hashes: &[String],
    ) -> Result<(), StoreError> {
        on_tx!(self, c => {
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(id.as_str())
                .execute(&mut *c)
                .await?;
            for h in hashes {
                sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                    .bind(id.as_str())
                    .bind(h)
                    .execute(&mut *c)
                    .await?;
            }
        });
        Ok(())
    }

    /// Uses a recovery code once. False when it is unknown or was used.
    pub async fn use_recovery_code(
        &mut self,
        id: &AccountId,
        hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE recovery_codes SET used_ms = $1
             WHERE account_id = $2 AND code_hash = $3 AND used_ms IS NULL"
        )
        .bind(now.as_millisecond())
        .bind(id.as_str())
        .bind(hash)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    pub async fn set_disabled(
        &mut self,
        id: &AccountId,
        disabled_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        self.update_account(
            id,
            "disabled_ms = $1",
            disabled_at.map(|t| t.as_millisecond()),
        )
        .await?;
        if disabled_at.is_some() {
            self.delete_sessions(id, None).await?;
        }
        Ok(())
    }

    /// True when the account runs the instance (kind admin).
    pub async fn is_admin(&mut self, id: &AccountId) -> Result<bool, StoreError> {
        Ok(self
            .account(id)
            .await?
            .is_some_and(|a| a.kind == AccountKind::Admin))
    }

    /// True when the account must give a second factor before seeing any case: admins and
    /// members of a firm.
    pub async fn requires_second_factor(&mut self, id: &AccountId) -> Result<bool, StoreError> {
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM accounts WHERE id = $1 AND kind = 'admin')
                  + (SELECT COUNT(*) FROM firm_members WHERE account_id = $1)"
        )
        .bind(id.as_str())
        .fetch_one(&mut *c)
        .await?);
        Ok(n > 0)
    }

    /// Deletes the actor's account: their cases with everything in them, their access to
    /// other people's cases, their firm memberships, sessions and links; the account row
    /// keeps no address, password or second factor and can never sign in again (the audit
    /// log and firm notes still name its id). Returns how many cases were deleted.
    pub async fn delete_account(
        &mut self,
        actor: &visanav_core::account::Actor,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let me = actor.account_id().as_str().to_string();
        let owned: Vec<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM cases WHERE owner_id = $1 ORDER BY id"
        )
        .bind(&me)
        .fetch_all(&mut *c)
        .await?);
        for id in &owned {
            self.delete_case(
                actor,
                &visanav_core::account::CaseId::from_stored(id.clone()),
                now,
            )
            .await?;
        }
        on_tx!(self, c => {
            for sql in [
                "DELETE FROM case_shares WHERE grantee_account = $1",
                "DELETE FROM firm_members WHERE account_id = $1",
                "DELETE FROM case_assignments WHERE assignee_id = $1",
                "DELETE FROM sessions WHERE account_id = $1",
                "DELETE FROM tokens WHERE account_id = $1",
                "DELETE FROM api_tokens WHERE account_id = $1",
                "DELETE FROM calendar_feeds WHERE account_id = $1",
                "DELETE FROM recovery_codes WHERE account_id = $1",
                "DELETE FROM notice_drafts WHERE owner_id = $1",
            ] {
                sqlx::query(sql).bind(&me).execute(&mut *c).await?;
            }
            sqlx::query(
                "UPDATE accounts SET email_hash = NULL, email_enc = NULL, password_hash = NULL,
                    totp_secret_enc = NULL, totp_last_step = NULL, disabled_ms = $1 WHERE id = $2",
            )
            .bind(now.as_millisecond())
            .bind(&me)
            .execute(&mut *c)
            .await?;
        });
        tracing::info!(account_id = %me, cases = owned.len(), "account deleted");
        Ok(owned.len())
    }
}

impl Store {
    pub async fn is_admin(&self, id: &AccountId) -> Result<bool, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.is_admin(id).await)
    }

    pub async fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.account(id).await)
    }

    pub async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.list_accounts().await)
    }

    pub async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.credentials(email).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_have_one_at_and_a_dotted_domain() {
        for ok in [
            "ana@example.org",
            " Ana@Example.org ",
            "a.b+c@mail.example.co.uk",
        ] {
            assert!(is_email_address(ok), "{ok}");
        }
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "ana@.org",
            "ana@example.",
            "a b@example.org",
            "a@b@example.org",
        ] {
            assert!(!is_email_address(bad), "{bad}");
        }
    }
}
