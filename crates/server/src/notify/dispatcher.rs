//! The dispatcher: fans new events out into deliveries, then leases due deliveries and sends
//! each through its channel, acknowledging it afterwards. At least once: a dispatcher that
//! dies between sending and acknowledging leaves the delivery leased; when the lease runs
//! out the next dispatcher sends it again under the same id (the email's Message-ID), so the
//! receiver can tell the copy. Any number of dispatchers share one database.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use serde::Serialize;
use visanav_core::knowledge::Knowledge;
use visanav_core::notify::{Rendered, case_label, render};
use visanav_store::{Channel, DeliveryOutcome, DueDelivery, Store, StoreError};

use super::channels::{self, Failure};
use crate::Clock;
use visanav_sources::net::HttpClient;

/// How often a running dispatcher writes the reminders that have come due.
const REMINDER_SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// How long a leased delivery is held: a dispatcher that dies frees it after this.
    pub lease: SignedDuration,
    /// Deliveries leased at once.
    pub batch: i64,
    /// How often an idle dispatcher looks for work.
    pub poll: Duration,
    /// The site's address, for links in messages.
    pub base_url: String,
    /// `net.allow_private`: webhook and ntfy targets on private addresses (tests, a
    /// receiver on the same network).
    pub allow_private: bool,
    /// Fault injection for the crash test: wait this long after sending, before the
    /// acknowledgement (`VISANAV_FAULT_PAUSE_AFTER_SEND_MS`). Zero in normal use.
    pub pause_after_send: Duration,
}

impl Default for DispatcherConfig {
    fn default() -> DispatcherConfig {
        DispatcherConfig {
            lease: SignedDuration::from_mins(2),
            batch: 20,
            poll: Duration::from_secs(5),
            base_url: "http://localhost:8080".into(),
            allow_private: false,
            pause_after_send: Duration::ZERO,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DispatchReport {
    /// Reminders (of deadlines and of documents expiring) written as events.
    pub reminders: usize,
    /// How long the reminder sweep and the delivery took (`run_once`), for benchmarks.
    pub sweep_ms: u64,
    pub deliver_ms: u64,
    pub fanned_out: usize,
    pub sent: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    mailer: Option<visanav_mail::Mailer>,
    knowledge: Arc<Knowledge>,
    clock: Clock,
    config: DispatcherConfig,
    name: String,
    /// For webhooks and ntfy: refuses private addresses unless allowed.
    http: HttpClient,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        mailer: Option<visanav_mail::Mailer>,
        knowledge: Arc<Knowledge>,
        clock: Clock,
        config: DispatcherConfig,
    ) -> Dispatcher {
        let name = format!(
            "dispatcher-{}-{}",
            std::process::id(),
            &uuid::Uuid::now_v7().simple().to_string()[20..]
        );
        let http = HttpClient::new(config.allow_private, Duration::from_secs(15));
        Dispatcher {
            store,
            mailer,
            knowledge,
            clock,
            config,
            name,
            http,
        }
    }

    /// Writes the reminders due now, fans out every waiting event, then sends every due
    /// delivery (for cron and tests).
    pub async fn run_once(&self) -> Result<DispatchReport, StoreError> {
        let started = std::time::Instant::now();
        let reminders = self.sweep_reminders().await?;
        let swept = started.elapsed();
        let mut report = self.deliver().await?;
        report.reminders = reminders;
        report.sweep_ms = u64::try_from(swept.as_millis()).unwrap_or(u64::MAX);
        report.deliver_ms =
            u64::try_from((started.elapsed() - swept).as_millis()).unwrap_or(u64::MAX);
        Ok(report)
    }

    /// Writes the reminders due now (deadlines, documents expiring) as events.
    pub async fn sweep_reminders(&self) -> Result<usize, StoreError> {
        self.store
            .sweep_reminders(&self.knowledge, self.clock.now())
            .await
    }

    /// Fans out every waiting event, then sends every due delivery, batch by batch.
    pub async fn deliver(&self) -> Result<DispatchReport, StoreError> {
        let mut report = DispatchReport::default();
        // Consultation requests whose hold lapsed: freed, and both sides told in this round.
        self.store.expire_consultations(self.clock.now()).await?;
        loop {
            let n = self.store.fan_out(self.clock.now(), 200).await?;
            report.fanned_out += n;
            if n == 0 {
                break;
            }
        }
        loop {
            let due = self
                .store
                .lease_deliveries(
                    &self.name,
                    self.clock.now(),
                    self.config.lease,
                    self.config.batch,
                )
                .await?;
            if due.is_empty() {
                return Ok(report);
            }
            // A batch's deliveries go out at once (each to its own server and connection):
            // one slow receiver does not hold up the rest, and an SMTP server's round trips
            // overlap.
            let mut sending = tokio::task::JoinSet::new();
            for delivery in due {
                let me = self.clone();
                sending.spawn(async move {
                    let outcome = me.deliver_one(&delivery).await;
                    (delivery.id, outcome)
                });
            }
            let mut outcomes = Vec::new();
            while let Some(done) = sending.join_next().await {
                let (id, outcome) =
                    done.map_err(|e| StoreError::Corrupt(format!("a send task failed: {e}")))?;
                match &outcome {
                    DeliveryOutcome::Sent => report.sent += 1,
                    DeliveryOutcome::Failed { .. } => report.failed += 1,
                }
                outcomes.push((id, outcome));
            }
            // The batch's acknowledgements together: a dispatcher that dies before this line
            // leaves the batch leased, and the next sends it again under the same ids.
            self.store
                .record_deliveries(&outcomes, self.clock.now())
                .await?;
        }
    }

    /// Sends one delivery; says what became of it (recorded with the batch).
    async fn deliver_one(&self, delivery: &DueDelivery) -> DeliveryOutcome {
        match self.send(delivery).await {
            Ok(()) => {
                if !self.config.pause_after_send.is_zero() {
                    tokio::time::sleep(self.config.pause_after_send).await;
                }
                DeliveryOutcome::Sent
            }
            Err(failure) => {
                tracing::warn!(
                    delivery = %delivery.id,
                    channel = ?delivery.channel,
                    error = %failure.detail,
                    "delivery failed"
                );
                DeliveryOutcome::Failed {
                    error: failure.detail,
                    permanent: failure.permanent,
                    retry_after: failure.retry_after,
                }
            }
        }
    }

    /// The message for a delivery, in the words every channel uses.
    pub fn rendered(&self, d: &DueDelivery) -> Rendered {
        let payload: serde_json::Value =
            serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null);
        let base = self.config.base_url.trim_end_matches('/');
        // A consultation's event carries its own label and the reader's page.
        if d.kind.starts_with("consultation_") {
            let text = |key: &str| {
                payload
                    .get(key)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let link = text("path").map(|p| format!("{base}{p}"));
            let label = text("label").unwrap_or_else(|| "Your case".into());
            return render(&d.kind, &payload, &label, link, &self.knowledge);
        }
        let label = case_label(d.visa.as_deref(), d.post.as_deref(), &self.knowledge);
        let link = d.case_id.as_ref().map(|id| format!("{base}/cases/{id}"));
        render(&d.kind, &payload, &label, link, &self.knowledge)
    }

    async fn send(&self, d: &DueDelivery) -> Result<(), Failure> {
        let now = self.clock.now();
        match d.channel {
            Some(Channel::Email) => self.send_email(d).await,
            Some(Channel::Webhook) => {
                channels::send_webhook(&self.store, &self.http, d, &self.rendered(d), now).await
            }
            Some(Channel::Ntfy) => {
                channels::send_ntfy(&self.store, &self.http, d, &self.rendered(d), now).await
            }
            // The app channel is delivered when written; nothing else is queued.
            Some(Channel::App) => Ok(()),
            None => Err(Failure::permanent(
                "this version of visanav does not know the channel",
            )),
        }
    }

    async fn send_email(&self, d: &DueDelivery) -> Result<(), Failure> {
        let Some(mailer) = &self.mailer else {
            return Err(Failure::transient("no mailer configured (smtp.url)"));
        };
        let Some(to) = &d.email else {
            return Err(Failure::permanent(
                "the person has no verified email address any more",
            ));
        };
        let r = self.rendered(d);
        let base = self.config.base_url.trim_end_matches('/');
        let text = format!(
            "{}\nChoose what visanav sends you: {base}/account/notifications\n",
            r.text()
        );
        let message = visanav_mail::Message {
            kind: "notification",
            to: to.clone(),
            subject: r.title.clone(),
            html: html(&r, base),
            text,
            idempotency_key: Some(d.id.clone()),
            unsubscribe_url: Some(format!("{base}/notifications/unsubscribe/{}", d.id)),
            invite: super::invite::for_delivery(d, &r, base, &mailer.from_address(), to),
        };
        mailer.send(&message).await.map(|_| ()).map_err(|e| {
            if e.is_transient() {
                Failure::transient(e.to_string())
            } else {
                Failure::permanent(e.to_string())
            }
        })
    }

    /// Runs rounds until the task is stopped; a round that fails is logged and retried.
    /// Reminders are swept hourly (a deadline's day changes once a day; an hour is the
    /// most a reminder waits), deliveries at every poll.
    pub async fn run(self) {
        tracing::info!(dispatcher = %self.name, "notification dispatcher started");
        let mut last_sweep: Option<std::time::Instant> = None;
        loop {
            if last_sweep.is_none_or(|t| t.elapsed() >= REMINDER_SWEEP_EVERY) {
                last_sweep = Some(std::time::Instant::now());
                match self.sweep_reminders().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(reminders = n, "reminders written"),
                    Err(e) => tracing::error!(error = %e, "the reminder sweep failed"),
                }
            }
            match self.deliver().await {
                Ok(r) if r.sent > 0 || r.failed > 0 || r.fanned_out > 0 => {
                    tracing::info!(
                        fanned_out = r.fanned_out,
                        sent = r.sent,
                        failed = r.failed,
                        "notifications dispatched"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "dispatching notifications failed"),
            }
            tokio::time::sleep(self.config.poll).await;
        }
    }
}

/// The HTML part: the same words as the text part.
fn html(r: &Rendered, base: &str) -> String {
    let e = crate::outbound::escape_html;
    let mut out = format!("<p>{}</p>", e(&r.what_happened));
    if let Some(meaning) = &r.meaning {
        out.push_str(&format!(
            "<p><strong>What it means:</strong> {}</p>",
            e(meaning)
        ));
    }
    if !r.next_steps.is_empty() {
        out.push_str("<p><strong>What to do next:</strong></p><ul>");
        for step in &r.next_steps {
            out.push_str(&format!("<li>{}</li>", e(step)));
        }
        out.push_str("</ul>");
    }
    if let Some(link) = &r.link {
        let what = if link.contains("/consult") {
            "Open the consultation"
        } else {
            "Open your case"
        };
        out.push_str(&format!("<p><a href=\"{0}\">{what}</a></p>", e(link)));
    }
    out.push_str(&format!(
        "<p><small>{}</small></p><p><small><a href=\"{}/account/notifications\">Choose what visanav sends you</a></small></p>",
        e(r.disclaimer),
        e(base)
    ));
    out
}

/// Starts a dispatcher beside the web server; it stops when the task is aborted.
pub fn spawn(dispatcher: Dispatcher) -> tokio::task::JoinHandle<()> {
    tokio::spawn(dispatcher.run())
}
