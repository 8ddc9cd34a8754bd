//! Firms and their members, cases shared with a co-applicant or a firm, the notes a firm
//! keeps on a case, and the audit log. Who may see a case is decided in SQL by
//! [`crate::access::visible`]; this module changes what that rule sees.

use jiff::Timestamp;
use serde::Serialize;
use visanav_core::account::{AccountId, Actor, CaseId};

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// A member's role in a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FirmRole {
    Owner,
    Attorney,
    Paralegal,
}

impl FirmRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FirmRole::Owner => "owner",
            FirmRole::Attorney => "attorney",
            FirmRole::Paralegal => "paralegal",
        }
    }

    pub fn parse(s: &str) -> Option<FirmRole> {
        match s {
            "owner" => Some(FirmRole::Owner),
            "attorney" => Some(FirmRole::Attorney),
            "paralegal" => Some(FirmRole::Paralegal),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Firm {
    pub id: String,
    pub name: String,
    /// The acting account's role in it.
    pub role: FirmRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Share {
    pub id: String,
    pub case_id: CaseId,
    /// "co_applicant" or "firm".
    pub with: &'static str,
    pub firm: Option<String>,
    pub firm_name: Option<String>,
    pub account: Option<AccountId>,
    pub status: String,
    pub created_ms: i64,
}

/// A case offered to one of the actor's firms, with the facts the firm needs to decide whether
/// to take it (no personal data: the owner's offer consents to exactly these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedCase {
    pub share: Share,
    pub visa: String,
    pub post: String,
    pub case_number: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct FirmNote {
    pub id: String,
    pub firm_id: String,
    pub author: AccountId,
    pub body: String,
    pub created_ms: i64,
}

impl std::fmt::Debug for FirmNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirmNote")
            .field("id", &self.id)
            .field("firm_id", &self.firm_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub account_id: Option<String>,
    pub session_ref: Option<String>,
    pub action: String,
    pub case_id: Option<String>,
    pub detail: String,
}

#[derive(sqlx::FromRow)]
struct ShareRow {
    id: String,
    case_id: String,
    grantee_account: Option<String>,
    grantee_firm: Option<String>,
    firm_name: Option<String>,
    status: String,
    created_ms: i64,
}

#[derive(sqlx::FromRow)]
struct OfferedRow {
    #[sqlx(flatten)]
    share: ShareRow,
    visa: String,
    post: String,
    ceac_case_number: Option<String>,
}

impl From<ShareRow> for Share {
    fn from(r: ShareRow) -> Share {
        Share {
            id: r.id,
            case_id: CaseId::from_stored(r.case_id),
            with: if r.grantee_firm.is_some() {
                "firm"
            } else {
                "co_applicant"
            },
            firm: r.grantee_firm,
            firm_name: r.firm_name,
            account: r.grantee_account.map(AccountId::from_stored),
            status: r.status,
            created_ms: r.created_ms,
        }
    }
}

impl Tx<'_> {
    // ----- firms -----

    /// A new firm with `owner` as its owner attorney.
    pub async fn create_firm(
        &mut self,
        name: &str,
        owner: &AccountId,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let id = self.create_empty_firm(name, now).await?;
        self.add_member(&id, owner, FirmRole::Owner, now).await?;
        self.audit_account(owner, None, "firm_created", &id, now)
            .await?;
        Ok(id)
    }

    /// A new firm with no members yet (an admin makes it and invites its owner).
    pub async fn create_empty_firm(
        &mut self,
        name: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        on_tx!(self, c => sqlx::query("INSERT INTO firms (id, name, created_ms) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(name.trim())
            .bind(now.as_millisecond())
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(id)
    }

    /// A firm's name, if it exists.
    pub async fn firm_name(&mut self, firm: &str) -> Result<Option<String>, StoreError> {
        let name: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT name FROM firms WHERE id = $1"
        )
        .bind(firm)
        .fetch_optional(&mut *c)
        .await?);
        Ok(name)
    }

    pub async fn add_member(
        &mut self,
        firm: &str,
        account: &AccountId,
        role: FirmRole,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO firm_members (firm_id, account_id, role, created_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (firm_id, account_id) DO UPDATE SET role = excluded.role"
        )
        .bind(firm)
        .bind(account.as_str())
        .bind(role.as_str())
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The firms the actor belongs to, with their role.
    pub async fn my_firms(&mut self, actor: &Actor) -> Result<Vec<Firm>, StoreError> {
        let rows: Vec<(String, String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT f.id, f.name, m.role FROM firms f JOIN firm_members m ON m.firm_id = f.id
             WHERE m.account_id = $1 ORDER BY f.name, f.id"
        )
        .bind(actor.account_id().as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(id, name, role)| Firm {
                id,
                name,
                role: FirmRole::parse(&role).unwrap_or(FirmRole::Paralegal),
            })
            .collect())
    }

    /// The actor's role in a firm, if a member.
    pub async fn firm_role(
        &mut self,
        actor: &Actor,
        firm: &str,
    ) -> Result<Option<FirmRole>, StoreError> {
        let role: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT role FROM firm_members WHERE firm_id = $1 AND account_id = $2"
        )
        .bind(firm)
        .bind(actor.account_id().as_str())
        .fetch_optional(&mut *c)
        .await?);
        Ok(role.as_deref().and_then(FirmRole::parse))
    }

    /// Members of a firm the actor belongs to: (account, role).
    pub async fn firm_members(
        &mut self,
        actor: &Actor,
        firm: &str,
    ) -> Result<Vec<(AccountId, FirmRole)>, StoreError> {
        if self.firm_role(actor, firm).await?.is_none() {
            return Err(StoreError::FirmNotFound);
        }
        let rows: Vec<(String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT account_id, role FROM firm_members WHERE firm_id = $1 ORDER BY created_ms"
        )
        .bind(firm)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows
            .into_iter()
            .filter_map(|(a, r)| Some((AccountId::from_stored(a), FirmRole::parse(&r)?)))
            .collect())
    }

    // ----- shares -----

    /// True when the actor owns the case (only the owner shares and revokes).
    async fn owns(&mut self, actor: &Actor, case: &CaseId) -> Result<bool, StoreError> {
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE id = $1 AND owner_id = $2"
        )
        .bind(case.as_str())
        .bind(actor.account_id().as_str())
        .fetch_one(&mut *c)
        .await?);
        Ok(n == 1)
    }

    /// The owner offers the case to a firm (pending until a member accepts), or to a
    /// co-applicant (`firm` None: pending until the invited person accepts by link).
    pub async fn offer_share(
        &mut self,
        actor: &Actor,
        case: &CaseId,
        firm: Option<&str>,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        if !self.owns(actor, case).await? {
            return Err(StoreError::CaseNotFound(case.to_string()));
        }
        let id = uuid::Uuid::now_v7().to_string();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO case_shares (id, case_id, grantee_account, grantee_firm, status, created_ms)
             VALUES ($1, $2, NULL, $3, 'pending', $4)"
        )
        .bind(&id)
        .bind(case.as_str())
        .bind(firm)
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit(
            actor,
            "share_offered",
            Some(case),
            firm.unwrap_or("co-applicant"),
            now,
        )
        .await?;
        Ok(id)
    }

    /// The other side answers an offer: a member of the firm for a firm share, or (for a
    /// co-applicant share) the account that followed the invitation link.
    pub async fn answer_share(
        &mut self,
        actor: &Actor,
        share: &str,
        accept: bool,
        now: Timestamp,
    ) -> Result<CaseId, StoreError> {
        let row: Option<(String, Option<String>, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT case_id, grantee_firm, status FROM case_shares WHERE id = $1"
        )
        .bind(share)
        .fetch_optional(&mut *c)
        .await?);
        let Some((case_id, firm, status)) = row else {
            return Err(StoreError::ShareNotFound);
        };
        if status != "pending" {
            return Err(StoreError::ShareNotFound);
        }
        if let Some(f) = &firm
            && self.firm_role(actor, f).await?.is_none()
        {
            return Err(StoreError::ShareNotFound);
        }
        let new_status = if accept { "active" } else { "declined" };
        let grantee = firm
            .is_none()
            .then(|| actor.account_id().as_str().to_string());
        on_tx!(self, c => sqlx::query(
            "UPDATE case_shares SET status = $1, grantee_account = COALESCE($2, grantee_account), decided_ms = $3
             WHERE id = $4 AND status = 'pending'"
        )
        .bind(new_status)
        .bind(&grantee)
        .bind(now.as_millisecond())
        .bind(share)
        .execute(&mut *c)
        .await?
        .rows_affected());
        let case = CaseId::from_stored(case_id);
        let action = if accept {
            "share_accepted"
        } else {
            "share_declined"
        };
        self.audit(actor, action, Some(&case), share, now).await?;
        Ok(case)
    }

    /// The owner ends a share at once (pending or active).
    pub async fn revoke_share(
        &mut self,
        actor: &Actor,
        case: &CaseId,
        share: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if !self.owns(actor, case).await? {
            return Err(StoreError::CaseNotFound(case.to_string()));
        }
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE case_shares SET status = 'revoked', decided_ms = $1
             WHERE id = $2 AND case_id = $3 AND status IN ('pending', 'active')"
        )
        .bind(now.as_millisecond())
        .bind(share)
        .bind(case.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if n == 0 {
            return Err(StoreError::ShareNotFound);
        }
        self.audit(actor, "share_revoked", Some(case), share, now)
            .await
    }

    /// Who has or was offered access to the owner's case.
    pub async fn shares(&mut self, actor: &Actor, case: &CaseId) -> Result<Vec<Share>, StoreError> {
        if !self.owns(actor, case).await? {
            return Err(StoreError::CaseNotFound(case.to_string()));
        }
        let rows: Vec<ShareRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT s.id, s.case_id, s.grantee_account, s.grantee_firm, f.name AS firm_name, s.status, s.created_ms
             FROM case_shares s LEFT JOIN firms f ON f.id = s.grantee_firm
             WHERE s.case_id = $1 ORDER BY s.created_ms, s.id"
        )
        .bind(case.as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows.into_iter().map(Share::from).collect())
    }

    /// Offers waiting for the actor's firms to answer.
    /// The pending offers to the actor's firms, each with the case's visa, post and case number.
    pub async fn offered_cases(&mut self, actor: &Actor) -> Result<Vec<OfferedCase>, StoreError> {
        let rows: Vec<OfferedRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT s.id, s.case_id, s.grantee_account, s.grantee_firm, f.name AS firm_name, s.status,
                s.created_ms, k.visa, k.post, k.ceac_case_number
             FROM case_shares s JOIN firms f ON f.id = s.grantee_firm
             JOIN firm_members m ON m.firm_id = s.grantee_firm
             JOIN cases k ON k.id = s.case_id
             WHERE m.account_id = $1 AND s.status = 'pending' ORDER BY s.created_ms"
        )
        .bind(actor.account_id().as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| OfferedCase {
                visa: r.visa,
                post: r.post,
                case_number: r.ceac_case_number,
                share: Share::from(r.share),
            })
            .collect())
    }

    pub async fn offers_for_me(&mut self, actor: &Actor) -> Result<Vec<Share>, StoreError> {
        let rows: Vec<ShareRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT s.id, s.case_id, s.grantee_account, s.grantee_firm, f.name AS firm_name, s.status, s.created_ms
             FROM case_shares s JOIN firms f ON f.id = s.grantee_firm
             JOIN firm_members m ON m.firm_id = s.grantee_firm
             WHERE m.account_id = $1 AND s.status = 'pending' ORDER BY s.created_ms"
        )
        .bind(actor.account_id().as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows.into_iter().map(Share::from).collect())
    }

    // ----- firm notes -----

    /// A note of the actor's firm on a case shared with that firm.
    pub async fn add_firm_note(
        &mut self,
        actor: &Actor,
        case: &CaseId,
        firm: &str,
        body: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        if !actor.has_second_factor() || !self.firm_shares_case(actor, case, firm).await? {
            return Err(StoreError::CaseNotFound(case.to_string()));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let enc = self
            .crypto
            .encrypt(body.as_bytes(), &format!("firm_notes.body:{id}"));
        on_tx!(self, c => sqlx::query(
            "INSERT INTO firm_notes (id, case_id, firm_id, author_id, body_enc, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(&id)
        .bind(case.as_str())
        .bind(firm)
        .bind(actor.account_id().as_str())
        .bind(&enc)
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit(actor, "firm_note_added", Some(case), firm, now)
            .await?;
        Ok(id)
    }

    pub(crate) async fn firm_shares_case(
        &mut self,
        actor: &Actor,
        case: &CaseId,
        firm: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM case_shares s JOIN firm_members m ON m.firm_id = s.grantee_firm
             WHERE s.case_id = $1 AND s.grantee_firm = $2 AND s.status = 'active' AND m.account_id = $3"
        )
        .bind(case.as_str())
        .bind(firm)
        .bind(actor.account_id().as_str())
        .fetch_one(&mut *c)
        .await?);
        Ok(n > 0)
    }

    /// The notes of the actor's firms on a case they may see; nobody else's.
    pub async fn firm_notes(
        &mut self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Vec<FirmNote>, StoreError> {
        self.ensure_case(actor, case).await?;
        if !actor.has_second_factor() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String, String, Vec<u8>, i64)> = on_tx!(self, c => sqlx::query_as(
            "SELECT n.id, n.firm_id, n.author_id, n.body_enc, n.created_ms FROM firm_notes n
             JOIN firm_members m ON m.firm_id = n.firm_id AND m.account_id = $2
             JOIN case_shares s ON s.case_id = n.case_id AND s.grantee_firm = n.firm_id AND s.status = 'active'
             WHERE n.case_id = $1 ORDER BY n.created_ms, n.id"
        )
        .bind(case.as_str())
        .bind(actor.account_id().as_str())
        .fetch_all(&mut *c)
        .await?);
        rows.into_iter()
            .map(|(id, firm_id, author, enc, created_ms)| {
                let body = self
                    .crypto
                    .decrypt(&enc, &format!("firm_notes.body:{id}"))?;
                Ok(FirmNote {
                    id,
                    firm_id,
                    author: AccountId::from_stored(author),
                    body: String::from_utf8(body)
                        .map_err(|_| StoreError::Corrupt("firm note is not UTF-8".into()))?,
                    created_ms,
                })
            })
            .collect()
    }

    // ----- audit -----

    /// Appends to the audit log. `detail` must hold no personal data (ids and kinds only).
    pub async fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        case: Option<&CaseId>,
        detail: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO audit_log (id, at_ms, account_id, session_ref, action, case_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(now.as_millisecond())
        .bind(actor.account_id().as_str())
        .bind(actor.session_ref())
        .bind(action)
        .bind(case.map(|c| c.as_str().to_string()))
        .bind(detail)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// An account event with no session yet (sign-in attempts, account creation).
    pub async fn audit_account(
        &mut self,
        account: &AccountId,
        session: Option<&str>,
        action: &str,
        detail: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let actor = match session {
            Some(s) => Actor::signed_in(account.clone(), s.to_string(), false),
            None => Actor::account(account.clone()),
        };
        self.audit(&actor, action, None, detail, now).await
    }

    /// The log of a case, for its owner only.
    pub async fn case_audit(
        &mut self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        if !self.owns(actor, case).await? {
            return Err(StoreError::CaseNotFound(case.to_string()));
        }
        let rows: Vec<AuditEntry> = on_tx!(self, c => sqlx::query_as(
            "SELECT at_ms, account_id, session_ref, action, case_id, detail FROM audit_log
             WHERE case_id = $1 ORDER BY at_ms, id"
        )
        .bind(case.as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// Sign-in events (for admins).
    pub async fn sign_in_events(&mut self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditEntry> = on_tx!(self, c => sqlx::query_as(
            "SELECT at_ms, account_id, session_ref, action, case_id, detail FROM audit_log
             WHERE action LIKE 'sign_in%' OR action = 'sign_out' ORDER BY at_ms DESC, id DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }
}

impl Store {
    pub async fn my_firms(&self, actor: &Actor) -> Result<Vec<Firm>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.my_firms(actor).await)
    }

    pub async fn shares(&self, actor: &Actor, case: &CaseId) -> Result<Vec<Share>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.shares(actor, case).await)
    }

    pub async fn firm_notes(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Vec<FirmNote>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.firm_notes(actor, case).await)
    }

    pub async fn case_audit(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.case_audit(actor, case).await)
    }
}
