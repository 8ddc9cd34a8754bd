//! Who may see a case: the one rule every case query applies, in SQL, so no caller can forget
//! it. A case is visible to its owner, to an account it is shared with (a co-applicant), and
//! to the members of a firm it is shared with once they have given a second factor. A share
//! counts only while it is active: revoking it ends access on the next query.

use visanav_core::account::Actor;

/// An SQL condition, true when the actor bound at `$param` may see the case row `alias`
/// (`c` in `FROM cases c`, or `cases` in an `UPDATE cases`).
pub(crate) fn visible(alias: &str, param: usize, actor: &Actor) -> String {
    let firm = if actor.has_second_factor() {
        format!(
            " OR s.grantee_firm IN (SELECT m.firm_id FROM firm_members m WHERE m.account_id = ${param})"
        )
    } else {
        String::new()
    };
    format!(
        "({alias}.owner_id = ${param} OR EXISTS (SELECT 1 FROM case_shares s \
         WHERE s.case_id = {alias}.id AND s.status = 'active' \
         AND (s.grantee_account = ${param}{firm})))"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use visanav_core::account::AccountId;

    #[test]
    fn firms_count_only_with_a_second_factor() {
        let id = AccountId::from_stored("a".into());
        let without = visible("c", 2, &Actor::account(id.clone()));
        assert!(without.contains("c.owner_id = $2") && !without.contains("firm"));
        let with = visible("c", 2, &Actor::operator(id));
        assert!(with.contains("s.grantee_firm IN"));
    }
}
