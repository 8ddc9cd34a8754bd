//! Calendar feeds: secret links to an iCalendar view of an account's cases (or of one case),
//! and the SEQUENCE of each event they carry.
//!
//! The link's token is derived from the feed's id with the instance's keyed hash, and only a
//! keyed hash of the token is stored: a copy of the database opens no feed, yet the account
//! page can show the link again (people add one calendar on a phone and a laptop), and
//! regenerating (a new feed, the old one revoked) is the only way to change it. The token is
//! 256 bits from a keyed hash, so there is nothing to guess.
//!
//! Fetching a feed is the one unauthenticated read of case data: the token is the credential.
//! [`Tx::calendar_feed_by_token`] turns it into the feed's account as an [`Actor`], and every
//! read after that is filtered by `access::visible` for that actor like any other, so a feed
//! never shows a case its account can no longer see.

use jiff::Timestamp;
use visanav_core::account::{AccountId, Actor, CaseId};

use crate::access::visible;
use crate::cases::StoredCase;
use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// A feed as its owner sees it (never the token: see [`Tx::calendar_feed_token`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub id: String,
    pub account: AccountId,
    /// `None`: every case the account can see.
    pub case: Option<CaseId>,
    /// Made where the second factor had been given: firm cases show only then.
    pub second_factor: bool,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// One event of a feed being served: its UID, its case and the fingerprint of its content.
#[derive(Debug, Clone, Copy)]
pub struct FeedEvent<'a> {
    pub uid: &'a str,
    pub case: &'a CaseId,
    pub fingerprint: &'a str,
}

/// An event's stored version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventVersion {
    pub sequence: u32,
    /// When its content last changed (or was first served).
    pub updated_ms: i64,
}

#[derive(sqlx::FromRow)]
struct FeedRow {
    id: String,
    account_id: String,
    case_id: Option<String>,
    second_factor: bool,
    created_ms: i64,
    revoked_ms: Option<i64>,
}

impl From<FeedRow> for CalendarFeed {
    fn from(r: FeedRow) -> CalendarFeed {
        CalendarFeed {
            id: r.id,
            account: AccountId::from_stored(r.account_id),
            case: r.case_id.map(CaseId::from_stored),
            second_factor: r.second_factor,
            created_ms: r.created_ms,
            revoked_ms: r.revoked_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    uid: String,
    fingerprint: String,
    sequence: i64,
    updated_ms: i64,
}

const COLUMNS: &str = "f.id, f.account_id, f.case_id, f.second_factor, f.created_ms, f.revoked_ms";

/// Purposes of the keyed hashes, so the token and its stored hash can never coincide.
const TOKEN_PURPOSE: &str = "calendar_feed_token";
const HASH_PURPOSE: &str = "calendar_feed_token_hash";

impl Tx<'_> {
    /// The secret token in the feed's link (64 hex digits).
    pub fn calendar_feed_token(&self, feed: &CalendarFeed) -> String {
        self.crypto.keyed_hash(TOKEN_PURPOSE, &feed.id)
    }

    fn token_hash(&self, token: &str) -> String {
        self.crypto.keyed_hash(HASH_PURPOSE, token)
    }

    /// Makes a new feed for the actor, of all their cases (`case` None) or of one case they
    /// can see, and revokes the live feed it replaces (regenerating). `CaseNotFound` when the
    /// actor cannot see the case.
    pub async fn create_calendar_feed(
        &mut self,
        actor: &Actor,
        case: Option<&CaseId>,
        now: Timestamp,
    ) -> Result<CalendarFeed, StoreError> {
        let me = actor.account_id();
        if let Some(case) = case {
            let sql = format!(
                "SELECT COUNT(*) FROM cases c WHERE c.id = $1 AND {}",
                visible("c", 2, actor)
            );
            let n: i64 = on_tx!(self, c => sqlx::query_scalar(&sql)
                .bind(case.as_str())
                .bind(me.as_str())
                .fetch_one(&mut *c)
                .await?);
            if n == 0 {
                return Err(StoreError::CaseNotFound(case.to_string()));
            }
        }
        for old in self.calendar_feeds(actor).await? {
            if old.case.as_ref() == case {
                self.revoke_calendar_feed(actor, &old.id, now).await?;
            }
        }
        let feed = CalendarFeed {
            id: uuid::Uuid::now_v7().to_string(),
            account: me.clone(),
            case: case.cloned(),
            second_factor: actor.has_second_factor(),
            created_ms: now.as_millisecond(),
            revoked_ms: None,
        };
        let hash = self.token_hash(&self.calendar_feed_token(&feed));
        on_tx!(self, c => sqlx::query(
            "INSERT INTO calendar_feeds (id, account_id, case_id, token_hash, second_factor, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&feed.id)
        .bind(me.as_str())
        .bind(case.map(|c| c.as_str().to_string()))
        .bind(&hash)
        .bind(feed.second_factor)
        .bind(feed.created_ms)
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit_account(
            me,
            actor.session_ref(),
            "calendar_feed_created",
            &feed.id,
            now,
        )
        .await?;
        tracing::info!(feed_id = %feed.id, "calendar feed created");
        Ok(feed)
    }

    /// The actor's live feeds, the all-cases one first, then per case, oldest first.
    pub async fn calendar_feeds(&mut self, actor: &Actor) -> Result<Vec<CalendarFeed>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM calendar_feeds f WHERE f.account_id = $1 AND f.revoked_ms IS NULL
             ORDER BY f.case_id IS NOT NULL, f.created_ms, f.id"
        );
        let rows: Vec<FeedRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(actor.account_id().as_str())
            .fetch_all(&mut *c)
            .await?);
        Ok(rows.into_iter().map(CalendarFeed::from).collect())
    }

    /// Revokes one of the actor's feeds; false when they have no such live feed.
    pub async fn revoke_calendar_feed(
        &mut self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE calendar_feeds SET revoked_ms = $1
             WHERE id = $2 AND account_id = $3 AND revoked_ms IS NULL",
        )
        .bind(now.as_millisecond())
        .bind(id)
        .bind(actor.account_id().as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if n == 1 {
            self.audit_account(
                actor.account_id(),
                actor.session_ref(),
                "calendar_feed_revoked",
                id,
                now,
            )
            .await?;
        }
        Ok(n == 1)
    }

    /// The live feed a link's token names, and the actor it reads as: its account, with the
    /// second factor the feed was made with. `None` for an unknown or revoked token, or a
    /// disabled (deleted) account. The one lookup without an actor: the token is the
    /// credential.
    pub async fn calendar_feed_by_token(
        &mut self,
        token: &str,
    ) -> Result<Option<(CalendarFeed, Actor)>, StoreError> {
        let hash = self.token_hash(token);
        let sql = format!(
            "SELECT {COLUMNS} FROM calendar_feeds f JOIN accounts a ON a.id = f.account_id
             WHERE f.token_hash = $1 AND f.revoked_ms IS NULL AND a.disabled_ms IS NULL"
        );
        let row: Option<FeedRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(&hash)
            .fetch_optional(&mut *c)
            .await?);
        Ok(row.map(|r| {
            let feed = CalendarFeed::from(r);
            let reference = format!("calendar:{}", feed.id.chars().take(13).collect::<String>());
            let actor = Actor::signed_in(feed.account.clone(), reference, feed.second_factor);
            (feed, actor)
        }))
    }

    /// The cases a feed shows, oldest first: every case the actor can see, or the feed's one
    /// case while the actor can still see it.
    pub async fn calendar_feed_cases(
        &mut self,
        actor: &Actor,
        feed: &CalendarFeed,
    ) -> Result<Vec<StoredCase>, StoreError> {
        let sql = format!(
            "SELECT c.id FROM cases c WHERE {} AND ($2 IS NULL OR c.id = $2)
             ORDER BY c.created_ms, c.id",
            visible("c", 1, actor)
        );
        let one = feed.case.as_ref().map(|c| c.as_str().to_string());
        let ids: Vec<String> = on_tx!(self, c => sqlx::query_scalar(&sql)
            .bind(actor.account_id().as_str())
            .bind(&one)
            .fetch_all(&mut *c)
            .await?);
        let mut cases = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(case) = self.get_case(actor, &CaseId::from_stored(id)).await? {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    /// The stored versions of these events (of cases the actor can see), by UID.
    async fn event_versions(
        &mut self,
        actor: &Actor,
        uids: &[&str],
    ) -> Result<Vec<VersionRow>, StoreError> {
        let sql = format!(
            "SELECT v.uid, v.fingerprint, v.sequence, v.updated_ms
             FROM calendar_event_versions v JOIN cases c ON c.id = v.case_id
             WHERE v.uid = $2 AND {}",
            visible("c", 1, actor)
        );
        let mut out = Vec::with_capacity(uids.len());
        for uid in uids {
            let row: Option<VersionRow> = on_tx!(self, c => sqlx::query_as(&sql)
                .bind(actor.account_id().as_str())
                .bind(*uid)
                .fetch_optional(&mut *c)
                .await?);
            out.extend(row);
        }
        Ok(out)
    }

    /// Records each event's fingerprint: a new event starts at SEQUENCE 0, one whose content
    /// changed goes up by one, an unchanged one stays. Only events of cases the actor can
    /// see are written. Returns the versions in the order of `events`.
    pub async fn record_event_versions(
        &mut self,
        actor: &Actor,
        events: &[FeedEvent<'_>],
        now: Timestamp,
    ) -> Result<Vec<EventVersion>, StoreError> {
        // One statement per event, atomic under concurrent servings: the update happens only
        // while the stored fingerprint differs, so two servings of one change add one.
        let sql = format!(
            "INSERT INTO calendar_event_versions (uid, case_id, fingerprint, sequence, updated_ms)
             SELECT $3, c.id, $4, 0, $5 FROM cases c WHERE c.id = $2 AND {}
             ON CONFLICT (uid) DO UPDATE SET fingerprint = excluded.fingerprint,
                 sequence = calendar_event_versions.sequence + 1,
                 updated_ms = excluded.updated_ms
             WHERE calendar_event_versions.fingerprint <> excluded.fingerprint
               AND calendar_event_versions.case_id = excluded.case_id",
            visible("c", 1, actor)
        );
        for e in events {
            on_tx!(self, c => sqlx::query(&sql)
                .bind(actor.account_id().as_str())
                .bind(e.case.as_str())
                .bind(e.uid)
                .bind(e.fingerprint)
                .bind(now.as_millisecond())
                .execute(&mut *c)
                .await?
                .rows_affected());
        }
        let uids: Vec<&str> = events.iter().map(|e| e.uid).collect();
        let rows = self.event_versions(actor, &uids).await?;
        Ok(in_order(events, &rows, now))
    }
}

/// The versions for `events`, in their order; an event without a row (its case not visible)
/// reads as a first version.
fn in_order(events: &[FeedEvent<'_>], rows: &[VersionRow], now: Timestamp) -> Vec<EventVersion> {
    events
        .iter()
        .map(|e| {
            rows.iter()
                .find(|r| r.uid == e.uid)
                .map(|r| EventVersion {
                    sequence: u32::try_from(r.sequence).unwrap_or(u32::MAX),
                    updated_ms: r.updated_ms,
                })
                .unwrap_or(EventVersion {
                    sequence: 0,
                    updated_ms: now.as_millisecond(),
                })
        })
        .collect()
}

impl Store {
    /// The versions of a feed's events, recording changes: a read, and a write only when an
    /// event is new or its content changed (calendar clients poll; most polls change nothing).
    pub async fn calendar_event_versions(
        &self,
        actor: &Actor,
        events: &[FeedEvent<'_>],
        now: Timestamp,
    ) -> Result<Vec<EventVersion>, StoreError> {
        let uids: Vec<&str> = events.iter().map(|e| e.uid).collect();
        let stored = in_tx!(self, TxMode::Read, |tx| tx
            .event_versions(actor, &uids)
            .await)?;
        let unchanged = events.iter().all(|e| {
            stored
                .iter()
                .any(|r| r.uid == e.uid && r.fingerprint == e.fingerprint)
        });
        if unchanged {
            return Ok(in_order(events, &stored, now));
        }
        in_tx!(self, TxMode::Write, |tx| tx
            .record_event_versions(actor, events, now)
            .await)
    }

    /// The live feed a token names and the actor it reads as (see
    /// [`Tx::calendar_feed_by_token`]).
    pub async fn calendar_feed_by_token(
        &self,
        token: &str,
    ) -> Result<Option<(CalendarFeed, Actor)>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .calendar_feed_by_token(token)
            .await)
    }
}
