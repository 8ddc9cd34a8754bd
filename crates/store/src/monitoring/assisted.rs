//! Assisted checks: a CEAC result page a person checked in their own browser and handed to
//! visanav (the bookmarklet, the paste form, the API). The bookmarklet does not name a case:
//! the page's case number does, among the cases its owner may see.

use visanav_core::account::{Actor, CaseId};

use crate::access::visible;
use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// An identifier as CEAC prints it, compared the way the identifiers are stored: without
/// spaces or hyphens, in capitals.
fn compact(shown: &str) -> String {
    shown
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Tx<'_> {
    /// The cases `actor` may see whose CEAC case number or DS-160 id is the one `shown` on a
    /// CEAC page, oldest first. Several cases can share a CEAC case number (a K-1 and her
    /// K-2 child are one NVC case), so this is a list.
    pub async fn cases_with_ceac_id(
        &mut self,
        actor: &Actor,
        shown: &str,
    ) -> Result<Vec<CaseId>, StoreError> {
        let id = compact(shown);
        if id.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT c.id FROM cases c WHERE {} AND (c.ceac_case_number = $2 OR c.ds160_id = $2)
             ORDER BY c.created_ms, c.id",
            visible("c", 1, actor)
        );
        let ids: Vec<String> = on_tx!(self, c => sqlx::query_scalar(&sql)
            .bind(actor.account_id().as_str())
            .bind(&id)
            .fetch_all(&mut *c)
            .await?);
        Ok(ids.into_iter().map(CaseId::from_stored).collect())
    }
}

impl Store {
    pub async fn cases_with_ceac_id(
        &self,
        actor: &Actor,
        shown: &str,
    ) -> Result<Vec<CaseId>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .cases_with_ceac_id(actor, shown)
            .await)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifiers_compare_as_stored() {
        assert_eq!(super::compact(" mnl-2025 512345 "), "MNL2025512345");
        assert_eq!(super::compact("aa00b7qpgn"), "AA00B7QPGN");
    }
}
