//! Notifications: events fanned out into deliveries (one per person and channel), leased by
//! dispatchers, sent, and acknowledged; a person's choices; the in-app list.
//!
//! The outbox is the `events` table: every event is written in the transaction of the change
//! that caused it. Fanning out and delivering happen later, in their own transactions, so a
//! crash between them loses nothing: an event not fanned out is fanned out by the next
//! dispatcher; a delivery whose lease ran out unacknowledged is sent again, under the same
//! id (its idempotency key).

mod dispatch;
mod fanout;
mod prefs;
mod read;
mod reminders;

use serde::Serialize;

pub use dispatch::{DeliveryOutcome, DueDelivery, MAX_ATTEMPTS, retry_delay};
pub use prefs::{DEFAULT_LEAD_DAYS, NotificationPrefs, QuietHours};
pub use read::{DeliveryView, NotificationView};
pub use reminders::ReminderCandidate;

/// How a delivery reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The list in the app: delivered when written.
    App,
    Email,
    /// One of the person's webhook endpoints (stored as `webhook:<endpoint id>`).
    Webhook,
    /// The person's ntfy topic (phone push).
    Ntfy,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Email => "email",
            Channel::Webhook => "webhook",
            Channel::Ntfy => "ntfy",
        }
    }

    /// A delivery's channel column: the channel, and the webhook endpoint it names.
    pub fn parse(text: &str) -> Option<(Channel, Option<String>)> {
        match text {
            "app" => Some((Channel::App, None)),
            "email" => Some((Channel::Email, None)),
            "ntfy" => Some((Channel::Ntfy, None)),
            _ => text
                .strip_prefix("webhook:")
                .map(|id| (Channel::Webhook, Some(id.to_string()))),
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Sent,
    /// Given up on: shown to the operator (`visanav outbox dead`) and retried by hand.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryState> {
        match text {
            "pending" => Some(DeliveryState::Pending),
            "sent" => Some(DeliveryState::Sent),
            "dead" => Some(DeliveryState::Dead),
            _ => None,
        }
    }
}
