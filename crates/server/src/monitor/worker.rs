//! The background worker: takes due checks from the database under a lease, spaces requests
//! per provider across all workers, runs each check and records it. Any number of workers
//! (`visanav serve` and `visanav worker` processes) can share one database: a lease hands
//! each due case to exactly one of them, and a check moves its case's next check into the
//! future in the same transaction that records it.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use jiff::SignedDuration;
use serde::Serialize;
use visanav_core::monitor::CheckSource;
use visanav_store::{KEEP_ANSWERS, Store, StoreError, WorkerCheck};

use super::Monitor;
use crate::Clock;

/// What one cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CycleReport {
    pub checked: usize,
    pub changes: usize,
    pub failures: usize,
    /// Checks put off because their provider was blocked meanwhile.
    pub deferred: usize,
}

#[derive(Clone)]
pub struct Worker {
    store: Store,
    monitor: Monitor,
    clock: Clock,
    name: String,
}

/// A number in [0, 1) from the random bits of a fresh UUIDv7: jitter needs no more.
pub fn jitter() -> f64 {
    let bits = uuid::Uuid::now_v7().as_u128() as u32;
    f64::from(bits) / (f64::from(u32::MAX) + 1.0)
}

/// At most this many checks are recorded in one transaction.
const RECORD_TOGETHER: usize = 32;

/// A result waits at most this long for others to be recorded with.
const HOLD_AT_MOST: Duration = Duration::from_secs(1);

/// Checks run but not recorded yet, and since when the oldest has waited.
#[derive(Default)]
struct Pending {
    checks: Vec<WorkerCheck>,
    since: Option<std::time::Instant>,
}

impl Pending {
    fn push(&mut self, check: WorkerCheck) {
        self.since.get_or_insert_with(std::time::Instant::now);
        self.checks.push(check);
    }

    fn take(&mut self) -> Vec<WorkerCheck> {
        self.since = None;
        std::mem::take(&mut self.checks)
    }

    fn held_too_long(&self) -> bool {
        self.since.is_some_and(|t| t.elapsed() >= HOLD_AT_MOST)
    }
}

/// How often old answers are forgotten.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

impl Worker {
    pub fn new(store: Store, monitor: Monitor, clock: Clock) -> Worker {
        let name = format!(
            "worker-{}-{}",
            std::process::id(),
            &uuid::Uuid::now_v7().simple().to_string()[20..]
        );
        Worker {
            store,
            monitor,
            clock,
            name,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks every case due now, batch by batch, until none is left.
    ///
    /// Checks that run back to back are recorded together (a group commit, see
    /// `Store::record_worker_checks`): a result waits at most while the next check runs,
    /// never across a wait for the provider's rate limit, and a failed check is recorded at
    /// once (it may be a block that stops the batch).
    pub async fn run_cycle(&self) -> Result<CycleReport, StoreError> {
        let sources = self.monitor.unattended_sources();
        let mut report = CycleReport::default();
        let config = &self.monitor.config;
        let cycle_start = self.clock.now();
        let mut pending = Pending::default();
        loop {
            let targets = self
                .store
                .lease_due(
                    &self.name,
                    &sources,
                    cycle_start,
                    self.clock.now(),
                    config.lease,
                    config.batch,
                )
                .await?;
            if targets.is_empty() {
                self.flush(&mut pending, &mut report).await?;
                return Ok(report);
            }
            // Blocks are looked up once per batch (the lease skipped blocked providers), and
            // a block this worker meets stops the rest of its batch at once.
            let mut blocked: HashMap<CheckSource, Option<i64>> = HashMap::new();
            for target in targets {
                let source = target.source;
                let until = match blocked.get(&source) {
                    Some(known) => *known,
                    None => {
                        let known = self
                            .store
                            .provider_blocked_until(source, self.clock.now())
                            .await?;
                        blocked.insert(source, known);
                        known
                    }
                };
                if let Some(until) = until {
                    self.store
                        .defer_check(&self.name, &target.case_id, source, until)
                        .await?;
                    report.deferred += 1;
                    continue;
                }
                if pending.held_too_long() {
                    self.flush(&mut pending, &mut report).await?;
                }
                self.wait_for_slot(source, &mut pending, &mut report)
                    .await?;
                let now = self.clock.now();
                let outcome = self.monitor.checker.check(&target, now).await;
                let keep = now.checked_add(KEEP_ANSWERS).unwrap_or(now);
                let failed = outcome.result.is_err();
                pending.push(WorkerCheck {
                    case_id: target.case_id,
                    record: outcome.record(keep),
                    jitter: jitter(),
                });
                if failed || pending.checks.len() >= RECORD_TOGETHER {
                    self.flush(&mut pending, &mut report).await?;
                }
                if failed {
                    // The failure may have started (or met) a block: look again.
                    let until = self
                        .store
                        .provider_blocked_until(source, self.clock.now())
                        .await?;
                    blocked.insert(source, until);
                }
            }
        }
    }

    /// Records the checks waiting to be recorded, in one transaction, and counts them.
    async fn flush(
        &self,
        pending: &mut Pending,
        report: &mut CycleReport,
    ) -> Result<(), StoreError> {
        if pending.checks.is_empty() {
            return Ok(());
        }
        let checks = pending.take();
        let results = self
            .store
            .record_worker_checks(
                &self.name,
                &checks,
                &self.monitor.config.schedule,
                self.clock.now(),
            )
            .await?;
        for (check, result) in checks.iter().zip(results) {
            match result {
                // The lease ran out while the check ran (a very slow source): another
                // worker has the case now; this result is dropped, not double-counted.
                Err(StoreError::LeaseLost(_)) => {
                    tracing::warn!(case = %check.case_id, "lease lost during a check");
                    continue;
                }
                Err(e) => return Err(e),
                Ok(recorded) => {
                    report.checked += 1;
                    if recorded.change.is_some() {
                        report.changes += 1;
                    }
                }
            }
            if let Err(error) = &check.record.outcome {
                report.failures += 1;
                tracing::info!(
                    case = %check.case_id,
                    source = check.record.source.as_str(),
                    error = error.code(),
                    "check failed"
                );
            }
        }
        Ok(())
    }

    /// Reserves this provider's next request slot (shared by all workers) and waits for it,
    /// recording what is waiting first: a result never waits on the rate limit.
    async fn wait_for_slot(
        &self,
        source: CheckSource,
        pending: &mut Pending,
        report: &mut CycleReport,
    ) -> Result<(), StoreError> {
        let spacing = self.monitor.spacing(source);
        if spacing <= SignedDuration::ZERO {
            return Ok(());
        }
        let now = self.clock.now();
        let slot = self.store.reserve_slot(source, now, spacing).await?;
        let wait = slot - now.as_millisecond();
        if wait > 0 {
            self.flush(pending, report).await?;
            tokio::time::sleep(Duration::from_millis(wait.unsigned_abs())).await;
        }
        Ok(())
    }

    /// Runs cycles until `shutdown` completes; a cycle that fails is logged and retried after
    /// the poll interval (the database may be restarting).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut last_purge: Option<std::time::Instant> = None;
        tracing::info!(worker = %self.name, sources = ?self.monitor.unattended_sources(), "status worker started");
        loop {
            match self.run_cycle().await {
                Ok(r) if r.checked > 0 || r.deferred > 0 => {
                    tracing::info!(
                        checked = r.checked,
                        changes = r.changes,
                        failures = r.failures,
                        deferred = r.deferred,
                        "status checks done"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "status checks failed"),
            }
            if last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
                last_purge = Some(std::time::Instant::now());
                if let Err(e) = self.store.purge_expired_answers(self.clock.now()).await {
                    tracing::error!(error = %e, "forgetting old answers failed");
                }
            }
            let poll = self.monitor.config.poll.mul_f64(0.8 + 0.4 * jitter());
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(poll) => {}
            }
        }
        tracing::info!(worker = %self.name, "status worker stopped");
    }
}

/// Starts a worker beside the web server; it stops when the task is aborted.
pub fn spawn(store: Store, monitor: Monitor, clock: Clock) -> tokio::task::JoinHandle<()> {
    let worker = Worker::new(store, monitor, clock);
    tokio::spawn(worker.run(std::future::pending()))
}
