//! A transaction that repository functions share, so several changes land together or not at
//! all ("observation + summary + outbox row + next check time" is one `Tx`).
//!
//! Every repository function is a method on [`Tx`] that takes the [`Actor`](crate::Actor) and
//! the current time from its caller; [`Store`](crate::Store) has one-line wrappers that open a
//! transaction of their own for callers that need only one change.
//!
//! A `Tx` remembers every case it wrote (each write to a case goes through `touch_case` or
//! `create_case`) and, just before COMMIT, rewrites what is derived from those cases: their
//! dashboard summaries and the keyed hashes of their people's names (see `derived`). A
//! caller cannot forget it, and a rolled-back transaction leaves the old rows.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::db::TxConn;
use crate::derived::Summarizer;
use crate::{Crypto, StoreError};

pub struct Tx<'s> {
    pub(crate) conn: TxConn,
    pub(crate) crypto: &'s Crypto,
    pub(crate) summarizer: Option<&'s Summarizer>,
    /// Case ids written in this transaction, with the latest `now` a write gave.
    pub(crate) touched: BTreeMap<String, Timestamp>,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx { .. }")
    }
}

impl<'s> Tx<'s> {
    pub(crate) fn new(
        conn: TxConn,
        crypto: &'s Crypto,
        summarizer: Option<&'s Summarizer>,
    ) -> Tx<'s> {
        Tx {
            conn,
            crypto,
            summarizer,
            touched: BTreeMap::new(),
        }
    }

    /// Notes that the case changed at `now`: its derived rows are rewritten before COMMIT.
    pub(crate) fn mark_touched(&mut self, case_id: &str, now: Timestamp) {
        let at = self.touched.entry(case_id.to_string()).or_insert(now);
        *at = (*at).max(now);
    }

    /// Rewrites the derived rows of every case this transaction wrote, then commits: the
    /// change and its summary land together or not at all.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let touched = std::mem::take(&mut self.touched);
        for (case_id, now) in &touched {
            self.refresh_derived(case_id, *now).await?;
        }
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
