//! A firm's dashboard: every case shared with the firm, most urgent first, filtered and
//! searched in SQL over the stored summaries (see `derived`), with personal data decrypted
//! only for the rows on the page. And who in the firm works each case (assignment).
//!
//! The firm is reached only through the acting member: the membership and the active share
//! are conditions of the query itself, and a member who has not given a second factor sees
//! no firm at all, as in [`crate::access::visible`].

use jiff::Timestamp;
use jiff::civil::Date;
use visanav_core::account::{AccountId, Actor, CaseId};
use visanav_core::ids::CeacCaseNumber;
use visanav_core::names::name_words;

use crate::db::{TxMode, on_tx};
use crate::derived::name_hash;
use crate::{FirmRole, Store, StoreError, Tx, in_tx};

/// Whose cases to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Assignee {
    #[default]
    Anyone,
    /// Cases no member is assigned to.
    Nobody,
    Member(AccountId),
}

/// What a dashboard shows: filters, a search, and which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardFilter {
    /// A post code (`MNL`).
    pub post: Option<String>,
    /// A status as stored (`Refused`).
    pub status: Option<String>,
    /// A legal-help urgency rank (0 none … 3 now, or [`crate::PENDING_RANK`]).
    pub urgency: Option<i64>,
    /// Only cases whose next open deadline is on or before this date.
    pub due_by: Option<Date>,
    pub assignee: Assignee,
    /// Only cases whose status checks keep failing.
    pub checks_failing: bool,
    /// How many failed checks in a row make "checks keep failing" (the schedule's
    /// `failures_before_notice`, when the person is told).
    pub failing_after: u32,
    /// A CEAC case number, or words of a client's name.
    pub search: Option<String>,
    /// Zero-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for DashboardFilter {
    fn default() -> DashboardFilter {
        DashboardFilter {
            post: None,
            status: None,
            urgency: None,
            due_by: None,
            assignee: Assignee::Anyone,
            checks_failing: false,
            failing_after: visanav_core::monitor::Schedule::default().failures_before_notice,
            search: None,
            page: 0,
            per_page: 50,
        }
    }
}

/// One case on a dashboard.
#[derive(Clone, PartialEq, Eq)]
pub struct DashboardRow {
    pub case_id: CaseId,
    pub visa: String,
    pub post: String,
    pub ceac_case_number: Option<String>,
    /// The beneficiary's name (else the petitioner's), decrypted for this page only.
    pub client: Option<String>,
    /// 0 none … 3 now; [`crate::PENDING_RANK`] while not summarised yet.
    pub urgency_rank: i64,
    pub next_deadline: Option<(Date, String)>,
    pub latest_status: Option<String>,
    pub status_since: Option<Date>,
    pub help_reasons: Vec<String>,
    pub assignee: Option<AccountId>,
    /// A watched source of the case has failed `failing_after` checks in a row or more.
    pub checks_failing: bool,
}

impl std::fmt::Debug for DashboardRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardRow")
            .field("case_id", &self.case_id)
            .field("urgency_rank", &self.urgency_rank)
            .field("next_deadline", &self.next_deadline)
            .field("latest_status", &self.latest_status)
            .field("assignee", &self.assignee)
            .field("checks_failing", &self.checks_failing)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardPage {
    pub rows: Vec<DashboardRow>,
    /// Whether another page follows.
    pub has_more: bool,
    pub firm_name: String,
    /// Everyone in the firm (to show assignees and to assign to).
    pub members: Vec<FirmMember>,
}

/// A member of a firm, with the address people know them by.
#[derive(Clone, PartialEq, Eq)]
pub struct FirmMember {
    pub account: AccountId,
    pub role: FirmRole,
    pub email: Option<String>,
}

impl std::fmt::Debug for FirmMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirmMember")
            .field("account", &self.account)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    visa: String,
    post: String,
    ceac_case_number: Option<String>,
    pii_enc: Vec<u8>,
    urgency_rank: i64,
    next_deadline_on: Option<String>,
    next_deadline_title: Option<String>,
    latest_status: Option<String>,
    status_since: Option<String>,
    help_reasons: String,
    assignee_id: Option<String>,
    checks_failing: bool,
}

/// A value bound to a query built piece by piece.
enum Arg {
    Text(String),
    Int(i64),
}

/// SQL conditions and their bound values, numbered as they are added.
struct Conditions {
    sql: String,
    args: Vec<Arg>,
}

impl Conditions {
    fn new(args: Vec<Arg>) -> Conditions {
        Conditions {
            sql: String::new(),
            args,
        }
    }

    /// The placeholder for a new bound value.
    fn bind(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    fn and(&mut self, condition: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(condition);
    }
}

/// What the dashboard selects, from `case_summaries s` joined to the case and the firm's
/// assignment (the firm is `$1`), and whether the case's checks keep failing (`$3` failures
/// in a row: a lookup by the monitors' key, at most one row per source).
const DASHBOARD_COLUMNS: &str = "SELECT c.id, c.visa, c.post, c.ceac_case_number, c.pii_enc,
        s.urgency_rank, s.next_deadline_on, s.next_deadline_title, s.latest_status,
        s.status_since, s.help_reasons, a.assignee_id,
        EXISTS (SELECT 1 FROM monitors mo WHERE mo.case_id = s.case_id AND mo.enabled
                AND mo.consecutive_failures >= $3) AS checks_failing";

/// The condition of the "checks failing" filter (the threshold is `$3`, as in the columns).
const CHECKS_FAILING: &str = "EXISTS (SELECT 1 FROM monitors mf WHERE mf.case_id = s.case_id
        AND mf.enabled AND mf.consecutive_failures >= $3)";

/// The firm (`$1`) has the case, and the acting member (`$2`) belongs to the firm: the
/// dashboard's own conditions, whatever the filters.
const DASHBOARD_JOINS: &str = "
    JOIN cases c ON c.id = s.case_id
    LEFT JOIN case_assignments a ON a.case_id = s.case_id AND a.firm_id = $1
    WHERE EXISTS (SELECT 1 FROM case_shares sh WHERE sh.case_id = s.case_id
            AND sh.grantee_firm = $1 AND sh.status = 'active')
        AND EXISTS (SELECT 1 FROM firm_members m WHERE m.firm_id = $1 AND m.account_id = $2)";

/// Most urgent first, then the nearest open deadline, then the latest status change; the
/// case id breaks ties so pages never overlap. The index `case_summaries_order` has this order.
const DASHBOARD_ORDER: &str =
    " ORDER BY s.urgency_rank DESC, s.deadline_key, s.since_key DESC, s.case_id";

fn parse_date(field: &str, text: Option<String>) -> Result<Option<Date>, StoreError> {
    text.map(|t| {
        t.parse::<Date>()
            .map_err(|_| StoreError::Corrupt(format!("{field} holds a value that is not a date")))
    })
    .transpose()
}

impl Tx<'_> {
    /// The actor's role in the firm and the firm's name; [`StoreError::FirmNotFound`] unless
    /// the actor is a member and has given a second factor (members see the firm's cases only
    /// then).
    async fn ensure_member(
        &mut self,
        actor: &Actor,
        firm: &str,
    ) -> Result<(FirmRole, String), StoreError> {
        if !actor.has_second_factor() {
            return Err(StoreError::FirmNotFound);
        }
        let row: Option<(String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT m.role, f.name FROM firm_members m JOIN firms f ON f.id = m.firm_id
             WHERE m.firm_id = $1 AND m.account_id = $2"
        )
        .bind(firm)
        .bind(actor.account_id().as_str())
        .fetch_optional(&mut *c)
        .await?);
        let (role, name) = row.ok_or(StoreError::FirmNotFound)?;
        Ok((FirmRole::parse(&role).unwrap_or(FirmRole::Paralegal), name))
    }

    /// One page of the firm's dashboard, for a member, with the firm's name and members.
    pub async fn firm_dashboard(
        &mut self,
        actor: &Actor,
        firm: &str,
        filter: &DashboardFilter,
    ) -> Result<DashboardPage, StoreError> {
        let (_, firm_name) = self.ensure_member(actor, firm).await?;
        let mut w = Conditions::new(vec![
            Arg::Text(firm.to_string()),
            Arg::Text(actor.account_id().as_str().to_string()),
            Arg::Int(i64::from(filter.failing_after.max(1))),
        ]);
        self.filter_conditions(&mut w, filter);
        // A search starts from the cases it found (few) rather than walking the firm's order.
        let source = match filter.search.as_deref().map(str::trim) {
            Some(q) if !q.is_empty() => self.search_source(&mut w, q),
            _ => "case_summaries s".to_string(),
        };
        let per_page = filter.per_page.clamp(1, 200);
        let limit = w.bind(Arg::Int(i64::from(per_page) + 1));
        let offset = w.bind(Arg::Int(i64::from(filter.page) * i64::from(per_page)));
        let sql = format!(
            "{DASHBOARD_COLUMNS} FROM {source}{DASHBOARD_JOINS}{}{DASHBOARD_ORDER} LIMIT {limit} OFFSET {offset}",
            w.sql
        );
        let mut rows: Vec<Row> = on_tx!(self, c => {
            let mut q = sqlx::query_as(&sql);
            for a in &w.args {
                q = match a {
                    Arg::Text(v) => q.bind(v),
                    Arg::Int(v) => q.bind(v),
                };
            }
            q.fetch_all(&mut *c).await?
        });
        let has_more = rows.len() > per_page as usize;
        rows.truncate(per_page as usize);
        let rows = rows
            .into_iter()
            .map(|r| self.dashboard_row(r))
            .collect::<Result<Vec<_>, _>>()?;
        let members = self.members_of(firm).await?;
        Ok(DashboardPage {
            rows,
            has_more,
            firm_name,
            members,
        })
    }

    fn filter_conditions(&self, w: &mut Conditions, f: &DashboardFilter) {
        if let Some(post) = &f.post {
            let p = w.bind(Arg::Text(post.clone()));
            w.and(&format!("c.post = {p}"));
        }
        if let Some(status) = &f.status {
            let p = w.bind(Arg::Text(status.clone()));
            w.and(&format!("s.latest_status = {p}"));
        }
        if let Some(rank) = f.urgency {
            let p = w.bind(Arg::Int(rank));
            w.and(&format!("s.urgency_rank = {p}"));
        }
        if let Some(by) = f.due_by {
            // deadline_key is '9999-12-31' when there is no open deadline.
            let p = w.bind(Arg::Text(by.to_string()));
            w.and(&format!("s.deadline_key <= {p}"));
        }
        if f.checks_failing {
            w.and(CHECKS_FAILING);
        }
        match &f.assignee {
            Assignee::Anyone => {}
            // A lookup per case by the assignment's key, not a pass over every assignment.
            Assignee::Nobody => w.and(
                "NOT EXISTS (SELECT 1 FROM case_assignments x \
                 WHERE x.case_id = s.case_id AND x.firm_id = $1)",
            ),
            Assignee::Member(id) => {
                let p = w.bind(Arg::Text(id.as_str().to_string()));
                w.and(&format!("a.assignee_id = {p}"));
            }
        }
    }

    /// The cases a search finds, as the query's first table: by case number, or by name,
    /// where every word typed must be a word of one of the case's names (or the words
    /// together its whole name), compared by keyed hash. Nothing searchable (only
    /// punctuation) finds nothing.
    fn search_source(&self, w: &mut Conditions, q: &str) -> String {
        let mut found = Vec::new();
        if let Ok(number) = CeacCaseNumber::parse(q) {
            let p = w.bind(Arg::Text(number.as_str().to_string()));
            found.push(format!(
                "SELECT n.id AS case_id FROM cases n WHERE n.ceac_case_number = {p}"
            ));
        }
        let mut words = name_words(q);
        words.sort();
        words.dedup();
        if !words.is_empty() {
            let each: Vec<String> = words
                .iter()
                .map(|word| w.bind(Arg::Text(name_hash(self.crypto, word))))
                .collect();
            found.push(format!(
                "SELECT h.case_id FROM case_name_hashes h WHERE h.name_hash IN ({})
                    GROUP BY h.case_id HAVING COUNT(*) = {}",
                each.join(", "),
                each.len()
            ));
            let whole = w.bind(Arg::Text(name_hash(self.crypto, &name_words(q).join(" "))));
            found.push(format!(
                "SELECT h.case_id FROM case_name_hashes h WHERE h.name_hash = {whole}"
            ));
        }
        if found.is_empty() {
            found.push("SELECT n.id AS case_id FROM cases n WHERE 1 = 0".into());
        }
        format!(
            "({}) found JOIN case_summaries s ON s.case_id = found.case_id",
            found.join(" UNION ")
        )
    }

    fn dashboard_row(&self, r: Row) -> Result<DashboardRow, StoreError> {
        let pii = self.decrypt_pii(&r.id, &r.pii_enc)?;
        let client = [pii.beneficiary, pii.petitioner]
            .into_iter()
            .flatten()
            .map(|p| p.display_name())
            .find(|n| !n.is_empty());
        let due = parse_date("next_deadline_on", r.next_deadline_on)?;
        let help_reasons: Vec<String> = serde_json::from_str(&r.help_reasons)
            .map_err(|e| StoreError::Corrupt(format!("case {}: help reasons: {e}", r.id)))?;
        Ok(DashboardRow {
            case_id: CaseId::from_stored(r.id),
            visa: r.visa,
            post: r.post,
            ceac_case_number: r.ceac_case_number,
            client,
            urgency_rank: r.urgency_rank,
            next_deadline: due.map(|d| (d, r.next_deadline_title.unwrap_or_default())),
            latest_status: r.latest_status,
            status_since: parse_date("status_since", r.status_since)?,
            help_reasons,
            assignee: r.assignee_id.map(AccountId::from_stored),
            checks_failing: r.checks_failing,
        })
    }

    /// A firm's members with their addresses (the caller has checked the actor belongs).
    async fn members_of(&mut self, firm: &str) -> Result<Vec<FirmMember>, StoreError> {
        let rows: Vec<(String, String, Option<Vec<u8>>)> = on_tx!(self, c => sqlx::query_as(
            "SELECT m.account_id, m.role, a.email_enc FROM firm_members m
             JOIN accounts a ON a.id = m.account_id
             WHERE m.firm_id = $1 ORDER BY m.created_ms, m.account_id"
        )
        .bind(firm)
        .fetch_all(&mut *c)
        .await?);
        rows.into_iter()
            .map(|(id, role, email_enc)| {
                let email = email_enc
                    .map(|ct| {
                        let bytes = self.crypto.decrypt(&ct, &format!("accounts.email:{id}"))?;
                        String::from_utf8(bytes).map_err(|_| {
                            StoreError::Corrupt(format!("account {id}: email is not UTF-8"))
                        })
                    })
                    .transpose()?;
                Ok(FirmMember {
                    account: AccountId::from_stored(id),
                    role: FirmRole::parse(&role).unwrap_or(FirmRole::Paralegal),
                    email,
                })
            })
            .collect()
    }

    /// A member assigns a case shared with the firm to a member of the firm (`None`:
    /// unassigns it). Audited in the case's log with ids only. [`StoreError::CaseNotFound`]
    /// when the actor's firm does not have the case; [`StoreError::AccountNotFound`] when the
    /// assignee is not a member.
    pub async fn assign_case(
        &mut self,
        actor: &Actor,
        firm: &str,
        case: &CaseId,
        assignee: Option<&AccountId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if !actor.has_second_factor() || !self.firm_shares_case(actor, case, firm).await? {
            return Err(StoreError::CaseNotFound(case.to_string()));
        }
        match assignee {
            Some(member) => {
                let is_member: i64 = on_tx!(self, c => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM firm_members WHERE firm_id = $1 AND account_id = $2"
                )
                .bind(firm)
                .bind(member.as_str())
                .fetch_one(&mut *c)
                .await?);
                if is_member == 0 {
                    return Err(StoreError::AccountNotFound);
                }
                on_tx!(self, c => sqlx::query(
                    "INSERT INTO case_assignments (case_id, firm_id, assignee_id, assigned_by, assigned_ms)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (case_id, firm_id) DO UPDATE SET assignee_id = excluded.assignee_id,
                        assigned_by = excluded.assigned_by, assigned_ms = excluded.assigned_ms"
                )
                .bind(case.as_str())
                .bind(firm)
                .bind(member.as_str())
                .bind(actor.account_id().as_str())
                .bind(now.as_millisecond())
                .execute(&mut *c)
                .await?
                .rows_affected());
                let detail = format!("firm {firm}, member {member}");
                self.audit(actor, "case_assigned", Some(case), &detail, now)
                    .await
            }
            None => {
                let removed = on_tx!(self, c => sqlx::query(
                    "DELETE FROM case_assignments WHERE case_id = $1 AND firm_id = $2"
                )
                .bind(case.as_str())
                .bind(firm)
                .execute(&mut *c)
                .await?
                .rows_affected());
                if removed == 0 {
                    return Ok(());
                }
                let detail = format!("firm {firm}");
                self.audit(actor, "case_unassigned", Some(case), &detail, now)
                    .await
            }
        }
    }
}

impl Store {
    pub async fn firm_dashboard(
        &self,
        actor: &Actor,
        firm: &str,
        filter: &DashboardFilter,
    ) -> Result<DashboardPage, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .firm_dashboard(actor, firm, filter)
            .await)
    }

    pub async fn assign_case(
        &self,
        actor: &Actor,
        firm: &str,
        case: &CaseId,
        assignee: Option<&AccountId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .assign_case(actor, firm, case, assignee, now)
            .await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PENDING_RANK;

    #[test]
    fn conditions_number_their_values_after_the_fixed_ones() {
        let mut w = Conditions::new(vec![Arg::Text("f".into()), Arg::Text("a".into())]);
        let p = w.bind(Arg::Int(3));
        w.and(&format!("s.urgency_rank = {p}"));
        assert_eq!(w.sql, " AND s.urgency_rank = $3");
        assert_eq!(w.args.len(), 3);
        assert_eq!(PENDING_RANK, 4);
    }
}
