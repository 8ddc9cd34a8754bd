//! Who is acting, and on which case: the identifiers every store call and every page needs.
//!
//! The store takes an [`Actor`] on every call and filters by it, so no code path can read a
//! case without saying on whose behalf. Until sign-in exists there is one actor, the local
//! account; roles and firms arrive with accounts and extend this type, not its callers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An account id: a UUID in its hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    /// The account that owns cases created on this machine until real accounts exist. The
    /// first migration creates it.
    pub const LOCAL: &'static str = "00000000-0000-7000-8000-000000000001";

    pub fn local() -> AccountId {
        AccountId(Self::LOCAL.to_string())
    }

    /// An id read back from the database.
    pub fn from_stored(id: String) -> AccountId {
        AccountId(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The person (or process) a request is made for. Every store function takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    account: AccountId,
    /// Whether this actor has given a second factor: cases shared with a firm are visible to
    /// its members only then.
    second_factor: bool,
    /// A short, non-secret reference to the session acting, for the audit log.
    session: Option<String>,
}

impl Actor {
    /// The local account: the command line acts as it. The operator at the machine counts as
    /// having given a second factor (they hold the key file).
    pub fn local() -> Actor {
        Actor::operator(AccountId::local())
    }

    /// An account acting from the command line of the machine (`--as EMAIL`).
    pub fn operator(account: AccountId) -> Actor {
        Actor {
            account,
            second_factor: true,
            session: None,
        }
    }

    /// Acting as a given account, without a second factor (tests, first-factor sessions).
    /// Callers obtain the account from a verified session or the command line, never from a
    /// request parameter.
    pub fn account(account: AccountId) -> Actor {
        Actor {
            account,
            second_factor: false,
            session: None,
        }
    }

    /// A signed-in session: `session` is a short non-secret reference for the audit log.
    pub fn signed_in(account: AccountId, session: String, second_factor: bool) -> Actor {
        Actor {
            account,
            second_factor,
            session: Some(session),
        }
    }

    pub fn account_id(&self) -> &AccountId {
        &self.account
    }

    pub fn has_second_factor(&self) -> bool {
        self.second_factor
    }

    pub fn session_ref(&self) -> Option<&str> {
        self.session.as_deref()
    }
}

/// A case id: a UUIDv7 in its hyphenated form. Not personal data (it is random), so it may
/// appear in logs and URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(String);

impl CaseId {
    /// Characters of the id shown where space is short: the time-ordered prefix, unique in
    /// practice within one person's cases and accepted back wherever a case id is.
    pub const SHORT_LEN: usize = 13;

    /// An id created by, or read back from, the store.
    pub fn from_stored(id: String) -> CaseId {
        CaseId(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first [`Self::SHORT_LEN`] characters, e.g. `0199a0b1-2c3d`.
    pub fn short(&self) -> &str {
        match self.0.char_indices().nth(Self::SHORT_LEN) {
            Some((end, _)) => &self.0[..end],
            None => &self.0,
        }
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_case_id_is_the_time_ordered_prefix() {
        let id = CaseId::from_stored("0199a0b1-2c3d-7e4f-8a5b-6c7d8e9f0a1b".into());
        assert_eq!(id.short(), "0199a0b1-2c3d");
        assert_eq!(CaseId::from_stored("abc".into()).short(), "abc");
    }

    #[test]
    fn the_local_actor_acts_for_the_local_account() {
        assert_eq!(Actor::local().account_id().as_str(), AccountId::LOCAL);
    }
}
