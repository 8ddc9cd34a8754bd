//! Keeps the dashboard summaries true as time passes. A summary changes with its case in the
//! same transaction (the store sees to that), but days left shrink and deadlines fall due with
//! no change to the case: each summary holds until its day ends at its post.
//!
//! At start every summary is computed again (the knowledge base may have changed with the
//! program); then, every hour, those whose day has ended since, so each case is refreshed once
//! a day, soon after midnight at its post. Several servers on one database may sweep the same
//! rows; the result is the same, so no lease is needed.

use std::time::Duration;

use visanav_store::Sweep;

use crate::AppState;

/// How often stale summaries are looked for.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

/// Starts the sweeper; it runs until the task is aborted.
pub fn spawn(state: &AppState) -> tokio::task::JoinHandle<()> {
    let store = state.store.clone();
    let clock = state.clock.clone();
    tokio::spawn(async move {
        let mut which = Sweep::All;
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let started = std::time::Instant::now();
            match store.sweep(which, clock.now()).await {
                Ok(n) => tracing::info!(
                    cases = n,
                    ?which,
                    ms = started.elapsed().as_millis() as u64,
                    "summary sweep done"
                ),
                Err(e) => tracing::error!(error = %e, ?which, "summary sweep failed"),
            }
            which = Sweep::Stale;
        }
    })
}
