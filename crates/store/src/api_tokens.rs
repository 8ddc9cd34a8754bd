//! Personal access tokens for the JSON API. The caller makes the random token and keeps it to
//! show once; the database keeps only its SHA-256 (as for sessions and links), so a copy of
//! the database opens nothing. A token is scoped (`read`, or `read write`), expires, and can
//! be revoked by its owner at any time; a disabled account's tokens stop working at once.
//! A third scope, `ceac`, is the CEAC bookmarklet's: it only hands visanav a CEAC result
//! page (`POST /ceac/bookmarklet`) and opens no API endpoint and no page.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use visanav_core::account::AccountId;

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TokenScope {
    /// Only reading (`GET`).
    #[serde(rename = "read")]
    Read,
    /// Reading and changing (`POST`, `PUT`, `PATCH`, `DELETE` too).
    #[serde(rename = "read write")]
    ReadWrite,
    /// Only submitting CEAC result pages through the bookmarklet: no reading at all, and
    /// no other change. It lives in a bookmark, so it must open nothing if it leaks.
    #[serde(rename = "ceac")]
    CeacSubmit,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::ReadWrite => "read write",
            TokenScope::CeacSubmit => "ceac",
        }
    }

    /// `read`, or `read write` (also written `read,write`, `write` or `rw`: a token that may
    /// write may always read), or `ceac` (the bookmarklet's).
    pub fn parse(text: &str) -> Option<TokenScope> {
        let words: Vec<String> = text
            .split([' ', ',', '+'])
            .map(|w| w.trim().to_ascii_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["read"] => Some(TokenScope::Read),
            ["read", "write"] | ["write", "read"] | ["write"] | ["rw"] => {
                Some(TokenScope::ReadWrite)
            }
            ["ceac"] => Some(TokenScope::CeacSubmit),
            _ => None,
        }
    }

    pub fn can_write(self) -> bool {
        self == TokenScope::ReadWrite
    }

    /// Whether the token opens the JSON API at all (the bookmarklet's does not).
    pub fn opens_api(self) -> bool {
        matches!(self, TokenScope::Read | TokenScope::ReadWrite)
    }
}

/// A token as its owner sees it in the list: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub account: AccountId,
    pub name: String,
    pub scope: TokenScope,
    /// Whether it was made where the second factor had been given.
    pub second_factor: bool,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub last_used_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
}

impl ApiToken {
    /// Usable at `now`: not revoked and not expired.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_ms.is_none() && self.expires_ms > now.as_millisecond()
    }
}

/// A new token (its hash made by the caller from the token it shows once).
pub struct NewApiToken<'a> {
    pub hash: &'a str,
    pub account: &'a AccountId,
    pub name: &'a str,
    pub scope: TokenScope,
    pub second_factor: bool,
    pub lifetime: SignedDuration,
}

/// Longest name a token may have, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 80;

/// The longest a token may live, in days: a forgotten token should not work for ever.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// How long a token made for `days` lives, or what is wrong with the number (for the person).
pub fn token_lifetime(days: i64) -> Result<SignedDuration, &'static str> {
    if (1..=MAX_TOKEN_DAYS).contains(&days) {
        Ok(SignedDuration::from_hours(24 * days))
    } else {
        Err("A token lives from 1 to 366 days; make a new one when it runs out.")
    }
}

/// A token's name as typed, trimmed, or what is wrong with it (for the person).
pub fn token_name(typed: &str) -> Result<String, &'static str> {
    let name = typed.trim();
    if name.is_empty() {
        return Err("Give the token a name, such as the script or computer that will use it.");
    }
    if name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return Err("A token's name is at most 80 characters.");
    }
    if name.chars().any(char::is_control) {
        return Err("A token's name cannot hold line breaks or other control characters.");
    }
    Ok(name.to_string())
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    account_id: String,
    name: String,
    scope: String,
    second_factor: bool,
    created_ms: i64,
    expires_ms: i64,
    last_used_ms: Option<i64>,
    revoked_ms: Option<i64>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(r: TokenRow) -> Result<ApiToken, StoreError> {
        let scope = TokenScope::parse(&r.scope)
            .ok_or_else(|| StoreError::Corrupt(format!("api token {}: unknown scope", r.id)))?;
        Ok(ApiToken {
            id: r.id,
            account: AccountId::from_stored(r.account_id),
            name: r.name,
            scope,
            second_factor: r.second_factor,
            created_ms: r.created_ms,
            expires_ms: r.expires_ms,
            last_used_ms: r.last_used_ms,
            revoked_ms: r.revoked_ms,
        })
    }
}

const COLUMNS: &str = "t.id, t.account_id, t.name, t.scope, t.second_factor, t.created_ms, \
    t.expires_ms, t.last_used_ms, t.revoked_ms";

/// A token's last use is recorded at most this often, so reading through the API does not
/// write on every request.
const USE_GRANULARITY_MS: i64 = 60_000;

impl Tx<'_> {
    /// Stores a new token for the account and returns its id. The name was checked with
    /// [`token_name`].
    pub async fn create_api_token(
        &mut self,
        new: NewApiToken<'_>,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let name: String = new.name.trim().chars().take(MAX_TOKEN_NAME_CHARS).collect();
        let id = uuid::Uuid::now_v7().to_string();
        let now_ms = now.as_millisecond();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO api_tokens (id, account_id, hash, name, scope, second_factor, created_ms, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(new.account.as_str())
        .bind(new.hash)
        .bind(name)
        .bind(new.scope.as_str())
        .bind(new.second_factor)
        .bind(now_ms)
        .bind(now_ms.saturating_add(new.lifetime.as_millis() as i64))
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit_account(new.account, None, "api_token_created", &id, now)
            .await?;
        tracing::info!(token_id = %id, "API token created");
        Ok(id)
    }

    /// The account's tokens, newest first, revoked and expired ones included (marked).
    pub async fn list_api_tokens(
        &mut self,
        account: &AccountId,
    ) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM api_tokens t WHERE t.account_id = $1
             ORDER BY t.created_ms DESC, t.id DESC"
        );
        let rows: Vec<TokenRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(account.as_str())
            .fetch_all(&mut *c)
            .await?);
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    /// Revokes one of the account's tokens; false when it has no such live token.
    pub async fn revoke_api_token(
        &mut self,
        account: &AccountId,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND account_id = $3 AND revoked_ms IS NULL"
        )
        .bind(now.as_millisecond())
        .bind(id)
        .bind(account.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if n == 1 {
            self.audit_account(account, None, "api_token_revoked", id, now)
                .await?;
        }
        Ok(n == 1)
    }

    /// Revokes every unrevoked token of the account with this scope and returns how many:
    /// making the CEAC bookmarklet anew replaces the old one, so a bookmark that was copied
    /// somewhere stops working.
    pub async fn revoke_api_tokens_with_scope(
        &mut self,
        account: &AccountId,
        scope: TokenScope,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let ids: Vec<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM api_tokens WHERE account_id = $1 AND scope = $2 AND revoked_ms IS NULL"
        )
        .bind(account.as_str())
        .bind(scope.as_str())
        .fetch_all(&mut *c)
        .await?);
        for id in &ids {
            self.revoke_api_token(account, id, now).await?;
        }
        Ok(ids.len())
    }

    /// The live token with this hash: not revoked, not expired, its account not disabled.
    async fn find_api_token(
        &mut self,
        hash: &str,
        now: Timestamp,
    ) -> Result<Option<ApiToken>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM api_tokens t JOIN accounts a ON a.id = t.account_id
             WHERE t.hash = $1 AND t.revoked_ms IS NULL AND t.expires_ms > $2
               AND a.disabled_ms IS NULL"
        );
        let row: Option<TokenRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(hash)
            .bind(now.as_millisecond())
            .fetch_optional(&mut *c)
            .await?);
        row.map(ApiToken::try_from).transpose()
    }

    async fn mark_api_token_used(&mut self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query("UPDATE api_tokens SET last_used_ms = $1 WHERE id = $2")
            .bind(now.as_millisecond())
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }
}

/// True when the token's last use was recorded long enough ago to record it again.
fn use_is_stale(token: &ApiToken, now: Timestamp) -> bool {
    token
        .last_used_ms
        .is_none_or(|last| now.as_millisecond() - last > USE_GRANULARITY_MS)
}

impl Store {
    /// The live token a request's `Authorization: Bearer` names (by its hash), and whether its
    /// account must give a second factor. A read; only a token whose use was not recorded for
    /// a minute takes a short write to record it.
    pub async fn live_api_token(
        &self,
        hash: &str,
        now: Timestamp,
    ) -> Result<Option<(ApiToken, bool)>, StoreError> {
        let found = in_tx!(self, TxMode::Read, |tx| {
            match tx.find_api_token(hash, now).await {
                Ok(Some(token)) => tx
                    .requires_second_factor(&token.account)
                    .await
                    .map(|needs| Some((token, needs))),
                other => other.map(|_| None),
            }
        })?;
        if let Some((token, _)) = &found
            && use_is_stale(token, now)
        {
            in_tx!(self, TxMode::Write, |tx| tx
                .mark_api_token_used(&token.id, now)
                .await)?;
        }
        Ok(found)
    }

    pub async fn list_api_tokens(&self, account: &AccountId) -> Result<Vec<ApiToken>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.list_api_tokens(account).await)
    }

    pub async fn revoke_api_token(
        &self,
        account: &AccountId,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .revoke_api_token(account, id, now)
            .await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_people_write_them() {
        assert_eq!(TokenScope::parse("read"), Some(TokenScope::Read));
        for rw in ["read write", "read,write", "write", "READ+WRITE", "rw"] {
            assert_eq!(TokenScope::parse(rw), Some(TokenScope::ReadWrite), "{rw}");
        }
        for bad in ["", "admin", "read read", "write,admin"] {
            assert_eq!(TokenScope::parse(bad), None, "{bad}");
        }
        for scope in [
            TokenScope::Read,
            TokenScope::ReadWrite,
            TokenScope::CeacSubmit,
        ] {
            assert_eq!(TokenScope::parse(scope.as_str()), Some(scope));
        }
        assert!(!TokenScope::CeacSubmit.opens_api() && !TokenScope::CeacSubmit.can_write());
    }
}
