//! Sending one delivery through a webhook endpoint (Standard Webhooks, signed) or an ntfy
//! topic (phone push), with the `visanav-notify` crate, and reading its answer as the
//! dispatcher needs it: sent, try again (when), give up, or the receiver is gone.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use visanav_core::notify::Rendered;
use visanav_notify::{ChannelError, ErrorKind, NtfyMessage, NtfyTarget, NtfyToken, WebhookSecret};
use visanav_sources::net::HttpClient;
use visanav_store::{DueDelivery, Store, StoreError, Tx, TxMode};

/// Why a delivery did not go.
pub(super) struct Failure {
    pub detail: String,
    pub permanent: bool,
    /// Not before then (a 429 or 503 with `Retry-After`).
    pub retry_after: Option<SignedDuration>,
}

impl Failure {
    pub fn permanent(detail: impl Into<String>) -> Failure {
        Failure {
            detail: detail.into(),
            permanent: true,
            retry_after: None,
        }
    }

    pub fn transient(detail: impl Into<String>) -> Failure {
        Failure {
            detail: detail.into(),
            permanent: false,
            retry_after: None,
        }
    }

    fn from_channel(e: &ChannelError, now: Timestamp) -> Failure {
        Failure {
            detail: e.detail.clone(),
            permanent: e.kind != ErrorKind::Transient,
            retry_after: e
                .retry_after
                .map(|r| r.not_before(now).duration_since(now))
                .filter(|d| d.is_positive()),
        }
    }
}

/// The body a webhook receives: the event's type, when, and the same words as every other
/// channel. The case is named by visa and post only; its id is in the link.
pub(super) fn webhook_body(d: &DueDelivery, r: &Rendered, now: Timestamp) -> serde_json::Value {
    // A consultation's event is about the consultation (its id is in the link), not a case.
    let kind = match d.kind.strip_prefix("consultation_") {
        Some(what) => format!("consultation.{what}"),
        None => format!("case.{}", d.kind),
    };
    json!({
        "type": kind,
        "timestamp": now.to_string(),
        "data": {
            "event_id": d.event_id,
            "case_id": d.case_id,
            "title": r.title,
            "what_happened": r.what_happened,
            "meaning": r.meaning,
            "next_steps": r.next_steps,
            "link": r.link,
            "disclaimer": r.disclaimer,
        }
    })
}

pub(super) async fn send_webhook(
    store: &Store,
    client: &HttpClient,
    d: &DueDelivery,
    r: &Rendered,
    now: Timestamp,
) -> Result<(), Failure> {
    let account = visanav_core::account::AccountId::from_stored(d.account_id.clone());
    let targets = store
        .webhook_targets(&account, now)
        .await
        .map_err(|e| Failure::transient(format!("reading the endpoint: {e}")))?;
    let Some(target) = targets
        .iter()
        .find(|t| Some(t.id.as_str()) == d.endpoint.as_deref())
    else {
        return Err(Failure::permanent("the endpoint was deleted or turned off"));
    };
    let url = url::Url::parse(&target.url)
        .map_err(|e| Failure::permanent(format!("the endpoint's address is not a URL: {e}")))?;
    let secrets = target
        .secrets
        .iter()
        .map(|s| WebhookSecret::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::permanent(format!("the endpoint's secret is unusable: {e}")))?;
    // The delivery's id is the message id: a retry is the same message (Standard Webhooks
    // receivers drop a `webhook-id` they have seen).
    let msg_id = format!("msg_{}", d.id.replace('-', ""));
    // The signature's timestamp is the wall clock's, whatever clock the rest runs on:
    // receivers refuse a timestamp more than minutes away from their own (replay
    // protection), and a retry is signed anew with its own send time.
    let sent_at = Timestamp::now();
    let body = webhook_body(d, r, sent_at);
    match visanav_notify::send_webhook(client, &url, &secrets, &msg_id, sent_at.as_second(), &body)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            if e.kind == ErrorKind::Gone {
                let id = target.id.clone();
                turn_off(store, |tx| {
                    Box::pin(async move {
                        tx.disable_webhook_endpoint(&id, "the receiver answered 410 Gone", now)
                            .await
                    })
                })
                .await;
            }
            Err(Failure::from_channel(&e, now))
        }
    }
}

pub(super) async fn send_ntfy(
    store: &Store,
    client: &HttpClient,
    d: &DueDelivery,
    r: &Rendered,
    now: Timestamp,
) -> Result<(), Failure> {
    let account = visanav_core::account::AccountId::from_stored(d.account_id.clone());
    let Some(dest) = store
        .ntfy_target(&account)
        .await
        .map_err(|e| Failure::transient(format!("reading the ntfy settings: {e}")))?
    else {
        return Err(Failure::permanent("phone push was turned off"));
    };
    let target = NtfyTarget::new(&dest.server_url, &dest.topic).map_err(Failure::permanent)?;
    let token = dest
        .token
        .as_deref()
        .map(NtfyToken::new)
        .transpose()
        .map_err(Failure::permanent)?;
    let mut message = r.what_happened.clone();
    if let Some(step) = r.next_steps.first() {
        message.push_str(&format!("\n\nNext: {step}"));
    }
    let push = NtfyMessage {
        title: r.title.clone(),
        message,
        priority: match d.kind.as_str() {
            "status_changed" | "consultation_confirmed" | "consultation_cancelled" => 4,
            _ => 3,
        },
        click: r.link.as_deref().and_then(|l| url::Url::parse(l).ok()),
        tags: vec![
            match d.kind.as_str() {
                "deadline_approaching" => "calendar",
                "document_expiring" => "hourglass_flowing_sand",
                "checks_failing" => "warning",
                k if k.starts_with("consultation_") => "spiral_calendar",
                _ => "envelope",
            }
            .into(),
        ],
    };
    match visanav_notify::send_ntfy(client, &target, token.as_ref(), &push).await {
        Ok(_) => Ok(()),
        Err(e) => {
            if e.kind == ErrorKind::Gone {
                let who = account.clone();
                turn_off(store, |tx| {
                    Box::pin(async move {
                        tx.disable_ntfy(&who, "the ntfy server answered 410 Gone")
                            .await
                    })
                })
                .await;
            }
            Err(Failure::from_channel(&e, now))
        }
    }
}

type TxFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, StoreError>> + Send + 'a>>;

/// Turns a channel off after its receiver said it is gone (410): the person sees why on
/// their webhooks page. A failure here is logged; the delivery is dead either way.
async fn turn_off(store: &Store, change: impl for<'a> FnOnce(&'a mut Tx<'_>) -> TxFuture<'a>) {
    let result = async {
        let mut tx = store.begin(TxMode::Write).await?;
        change(&mut tx).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "turning off a gone channel failed");
    }
}
