//! A transaction that repository functions share, so several changes land together or not at
//! all ("observation + summary + outbox row + next check time" is one `Tx`).
//!
//! Every repository function is a method on [`Tx`] that takes the [`Actor`](crate::Actor) and
//! the current time from its caller; [`Store`](crate::Store) has one-line wrappers that open a
//! transaction of their own for callers that need only one change.

use crate::db::TxConn;
use crate::{Crypto, StoreError};

pub struct Tx<'s> {
    pub(crate) conn: TxConn,
    pub(crate) crypto: &'s Crypto,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx { .. }")
    }
}

impl<'s> Tx<'s> {
    pub(crate) fn new(conn: TxConn, crypto: &'s Crypto) -> Tx<'s> {
        Tx { conn, crypto }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Pg(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Undoes everything done in this transaction. Call it rather than dropping the `Tx` on
    /// an error path: a dropped SQLite transaction keeps its write lock until the pooled
    /// connection is next used, blocking every other writer meanwhile.
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.conn {
            TxConn::Sqlite(t) => t.rollback().await?,
            TxConn::Pg(t) => t.rollback().await?,
        }
        Ok(())
    }
}
