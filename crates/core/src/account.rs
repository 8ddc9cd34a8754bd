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
}

impl Actor {
    /// The local account: the command line and the loopback server act as it.
    pub fn local() -> Actor {
        Actor {
            account: AccountId::local(),
        }
    }

    /// Acting as a given account. Callers obtain the account from a verified session (or the
    /// command line's local account), never from a request parameter.
    pub fn account(account: AccountId) -> Actor {
        Actor { account }
    }

    pub fn account_id(&self) -> &AccountId {
        &self.account
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
