//! What an attorney offers: availability (as the core's JSON), whether they take requests, and
//! their consultation types. Only the attorney (a firm member with the owner or attorney role)
//! changes their own; anyone may read what a firm offers (the public booking page).

use jiff::Timestamp;
use visanav_core::account::{AccountId, Actor};

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// A kind of consultation an attorney offers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsultType {
    pub id: String,
    pub firm_id: String,
    pub attorney_id: AccountId,
    pub name: String,
    pub minutes: u32,
    pub price_text: String,
    pub location: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsultType {
    pub name: String,
    pub minutes: u32,
    pub price_text: String,
    pub location: String,
}

/// An attorney at a firm and what they offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttorneyOffer {
    pub firm_id: String,
    pub firm_name: String,
    pub attorney_id: AccountId,
    pub display_name: String,
    /// `visanav_core::consult::Availability` as JSON.
    pub availability: String,
    pub accepting: bool,
    /// Active types first, by length.
    pub types: Vec<ConsultType>,
}

#[derive(sqlx::FromRow)]
struct OfferRow {
    firm_id: String,
    firm_name: String,
    account_id: String,
    display_name: String,
    availability: String,
    accepting: bool,
}

#[derive(Clone, sqlx::FromRow)]
struct TypeRow {
    id: String,
    firm_id: String,
    account_id: String,
    name: String,
    minutes: i64,
    price_text: String,
    location: String,
    active: bool,
}

impl From<TypeRow> for ConsultType {
    fn from(r: TypeRow) -> ConsultType {
        ConsultType {
            id: r.id,
            firm_id: r.firm_id,
            attorney_id: AccountId::from_stored(r.account_id),
            name: r.name,
            minutes: u32::try_from(r.minutes).unwrap_or(0),
            price_text: r.price_text,
            location: r.location,
            active: r.active,
        }
    }
}

const OFFER_COLUMNS: &str = "s.firm_id, f.name AS firm_name, s.account_id, s.display_name, \
                             s.availability, s.accepting";

impl Tx<'_> {
    /// Whether the actor may offer consultations at the firm (owner or attorney) and, as for
    /// every firm access, has given a second factor.
    pub async fn is_firm_attorney(
        &mut self,
        actor: &Actor,
        firm: &str,
    ) -> Result<bool, StoreError> {
        if !actor.has_second_factor() {
            return Ok(false);
        }
        let found: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT role FROM firm_members WHERE firm_id = $1 AND account_id = $2
               AND role IN ('owner', 'attorney')"
        )
        .bind(firm)
        .bind(actor.account_id().as_str())
        .fetch_optional(&mut *c)
        .await?);
        Ok(found.is_some())
    }

    async fn require_firm_attorney(&mut self, actor: &Actor, firm: &str) -> Result<(), StoreError> {
        if self.is_firm_attorney(actor, firm).await? {
            Ok(())
        } else {
            Err(StoreError::FirmNotFound)
        }
    }

    /// The actor's own offer at the firm, if they set one up.
    pub async fn my_offer(
        &mut self,
        actor: &Actor,
        firm: &str,
    ) -> Result<Option<AttorneyOffer>, StoreError> {
        self.require_firm_attorney(actor, firm).await?;
        let sql = format!(
            "SELECT {OFFER_COLUMNS} FROM consult_settings s JOIN firms f ON f.id = s.firm_id
             WHERE s.firm_id = $1 AND s.account_id = $2"
        );
        let row: Option<OfferRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(firm)
            .bind(actor.account_id().as_str())
            .fetch_optional(&mut *c)
            .await?);
        let mut offers = self.with_types(row.into_iter().collect(), true).await?;
        Ok(offers.pop())
    }

    /// Saves the actor's availability (already checked by the core) and whether they take
    /// requests.
    pub async fn save_offer(
        &mut self,
        actor: &Actor,
        firm: &str,
        display_name: &str,
        availability_json: &str,
        accepting: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.require_firm_attorney(actor, firm).await?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO consult_settings (firm_id, account_id, display_name, availability, accepting, updated_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (firm_id, account_id) DO UPDATE SET display_name = excluded.display_name,
                availability = excluded.availability, accepting = excluded.accepting,
                updated_ms = excluded.updated_ms"
        )
        .bind(firm)
        .bind(actor.account_id().as_str())
        .bind(display_name.trim())
        .bind(availability_json)
        .bind(accepting)
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit_account(
            actor.account_id(),
            None,
            "consult_availability_saved",
            firm,
            now,
        )
        .await?;
        Ok(())
    }

    /// A new consultation type of the actor's at the firm.
    pub async fn add_consult_type(
        &mut self,
        actor: &Actor,
        firm: &str,
        new: &NewConsultType,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        self.require_firm_attorney(actor, firm).await?;
        let id = uuid::Uuid::now_v7().to_string();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO consult_types (id, firm_id, account_id, name, minutes, price_text, location, active, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8)"
        )
        .bind(&id)
        .bind(firm)
        .bind(actor.account_id().as_str())
        .bind(new.name.trim())
        .bind(i64::from(new.minutes))
        .bind(new.price_text.trim())
        .bind(new.location.trim())
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(id)
    }

    /// Offers a type again or stops offering it (requests made for it stay as they are).
    pub async fn set_consult_type_active(
        &mut self,
        actor: &Actor,
        type_id: &str,
        active: bool,
    ) -> Result<bool, StoreError> {
        let changed = on_tx!(self, c => sqlx::query(
            "UPDATE consult_types SET active = $1 WHERE id = $2 AND account_id = $3"
        )
        .bind(active)
        .bind(type_id)
        .bind(actor.account_id().as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(changed == 1 && actor.has_second_factor())
    }

    /// What a firm offers to the public: its name and the attorneys taking requests, with
    /// their active types. `None`: no such firm.
    pub async fn firm_offers(
        &mut self,
        firm: &str,
    ) -> Result<Option<(String, Vec<AttorneyOffer>)>, StoreError> {
        let Some(name) = self.firm_name(firm).await? else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {OFFER_COLUMNS} FROM consult_settings s JOIN firms f ON f.id = s.firm_id
             JOIN firm_members m ON m.firm_id = s.firm_id AND m.account_id = s.account_id
                  AND m.role IN ('owner', 'attorney')
             JOIN accounts a ON a.id = s.account_id AND a.disabled_ms IS NULL
             WHERE s.firm_id = $1 AND s.accepting ORDER BY s.display_name, s.account_id"
        );
        let rows: Vec<OfferRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(firm)
            .fetch_all(&mut *c)
            .await?);
        let offers = self.with_types(rows, false).await?;
        Ok(Some((
            name,
            offers.into_iter().filter(|o| !o.types.is_empty()).collect(),
        )))
    }

    /// The firms on this instance with at least one attorney taking requests: (id, name).
    pub async fn booking_firms(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT DISTINCT f.id, f.name FROM firms f
             JOIN consult_settings s ON s.firm_id = f.id AND s.accepting
             JOIN firm_members m ON m.firm_id = s.firm_id AND m.account_id = s.account_id
                  AND m.role IN ('owner', 'attorney')
             JOIN consult_types t ON t.firm_id = s.firm_id AND t.account_id = s.account_id AND t.active
             ORDER BY f.name, f.id"
        )
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    async fn with_types(
        &mut self,
        rows: Vec<OfferRow>,
        inactive_too: bool,
    ) -> Result<Vec<AttorneyOffer>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let firm = rows[0].firm_id.clone();
        let ids: Vec<&str> = rows.iter().map(|r| r.account_id.as_str()).collect();
        // The firm is $1, the attorneys $2 onwards.
        let list = (2..ids.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id, firm_id, account_id, name, minutes, price_text, location, active
             FROM consult_types WHERE firm_id = $1 AND account_id IN ({list})
             ORDER BY active DESC, minutes, name, id"
        );
        let types: Vec<TypeRow> = on_tx!(self, c => {
            let mut q = sqlx::query_as(&sql).bind(&firm);
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(&mut *c).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| AttorneyOffer {
                types: types
                    .iter()
                    .filter(|t| t.account_id == r.account_id && (inactive_too || t.active))
                    .map(|t| ConsultType::from(t.clone()))
                    .collect(),
                firm_id: r.firm_id,
                firm_name: r.firm_name,
                attorney_id: AccountId::from_stored(r.account_id),
                display_name: r.display_name,
                availability: r.availability,
                accepting: r.accepting,
            })
            .collect())
    }

    /// One type by id, with its attorney's offer (for a request): `None` unless the type is
    /// active and its attorney takes requests.
    pub async fn bookable_type(
        &mut self,
        type_id: &str,
    ) -> Result<Option<(AttorneyOffer, ConsultType)>, StoreError> {
        let row: Option<TypeRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, firm_id, account_id, name, minutes, price_text, location, active
             FROM consult_types WHERE id = $1 AND active"
        )
        .bind(type_id)
        .fetch_optional(&mut *c)
        .await?);
        let Some(t) = row else { return Ok(None) };
        let Some((_, offers)) = self.firm_offers(&t.firm_id).await? else {
            return Ok(None);
        };
        Ok(offers
            .into_iter()
            .find(|o| o.attorney_id.as_str() == t.account_id)
            .map(|o| (o, ConsultType::from(t))))
    }
}

impl Store {
    pub async fn firm_offers(
        &self,
        firm: &str,
    ) -> Result<Option<(String, Vec<AttorneyOffer>)>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.firm_offers(firm).await)
    }

    pub async fn booking_firms(&self) -> Result<Vec<(String, String)>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.booking_firms().await)
    }

    /// See [`Tx::my_offer`].
    pub async fn my_offer_of(
        &self,
        actor: &Actor,
        firm: &str,
    ) -> Result<Option<AttorneyOffer>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.my_offer(actor, firm).await)
    }

    /// See [`Tx::bookable_type`].
    pub async fn bookable_type_of(
        &self,
        type_id: &str,
    ) -> Result<Option<(AttorneyOffer, ConsultType)>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.bookable_type(type_id).await)
    }
}
