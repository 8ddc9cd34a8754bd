//! A person's notification choices: email on or off, time zone, quiet hours, reminder lead
//! times. No row means the defaults.

use jiff::{Timestamp, ToSpan, tz::TimeZone};
use serde::Serialize;
use visanav_core::account::Actor;

use crate::db::on_tx;
use crate::{StoreError, Tx};

/// Reminders before a deadline, in days (the defaults).
pub const DEFAULT_LEAD_DAYS: [u32; 5] = [90, 30, 14, 7, 1];

/// Hours in the person's time zone when nothing is pushed to them (email waits until the
/// end; the in-app list fills as usual). Minutes after midnight; may cross midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuietHours {
    pub start_min: u16,
    pub end_min: u16,
}

impl QuietHours {
    /// Whether `minute` (after local midnight) falls in the quiet hours.
    fn contains(self, minute: u16) -> bool {
        if self.start_min <= self.end_min {
            (self.start_min..self.end_min).contains(&minute)
        } else {
            minute >= self.start_min || minute < self.end_min
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationPrefs {
    pub email_enabled: bool,
    /// An IANA time zone name (`Asia/Manila`); dates in messages are shown in it.
    pub time_zone: String,
    pub quiet: Option<QuietHours>,
    /// Largest first, no duplicates.
    pub lead_days: Vec<u32>,
}

impl Default for NotificationPrefs {
    fn default() -> NotificationPrefs {
        NotificationPrefs {
            email_enabled: true,
            time_zone: "UTC".into(),
            quiet: None,
            lead_days: DEFAULT_LEAD_DAYS.to_vec(),
        }
    }
}

impl NotificationPrefs {
    pub fn zone(&self) -> TimeZone {
        TimeZone::get(&self.time_zone).unwrap_or(TimeZone::UTC)
    }

    /// When something pushed at `now` may go: `now`, or the end of the quiet hours.
    pub fn release_at(&self, now: Timestamp) -> Timestamp {
        let Some(quiet) = self.quiet else {
            return now;
        };
        let local = now.to_zoned(self.zone());
        let minute =
            u16::from(local.hour().unsigned_abs()) * 60 + u16::from(local.minute().unsigned_abs());
        if !quiet.contains(minute) {
            return now;
        }
        let end = local
            .with()
            .hour((quiet.end_min / 60) as i8)
            .minute((quiet.end_min % 60) as i8)
            .second(0)
            .subsec_nanosecond(0)
            .build();
        let Ok(mut end) = end else {
            return now;
        };
        if end.timestamp() <= now {
            end = end.checked_add(1.day()).unwrap_or(end);
        }
        end.timestamp()
    }

    /// Lead times from free text ("90, 30, 7"): whole days from 1 to 365, largest first.
    pub fn parse_lead_days(text: &str) -> Result<Vec<u32>, String> {
        let mut days = Vec::new();
        for part in text.split([',', ' ']).filter(|p| !p.trim().is_empty()) {
            let n: u32 = part.trim().parse().map_err(|_| {
                format!("{part:?} is not a number of days; write e.g. \"90, 30, 14, 7, 1\"")
            })?;
            if !(1..=365).contains(&n) {
                return Err(format!("{n} days: use between 1 and 365"));
            }
            days.push(n);
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        Ok(days)
    }
}

#[derive(sqlx::FromRow)]
struct PrefsRow {
    email_enabled: bool,
    time_zone: String,
    quiet_start_min: Option<i32>,
    quiet_end_min: Option<i32>,
    lead_days: String,
}

impl From<PrefsRow> for NotificationPrefs {
    fn from(row: PrefsRow) -> NotificationPrefs {
        let quiet = match (row.quiet_start_min, row.quiet_end_min) {
            (Some(s), Some(e)) => Some(QuietHours {
                start_min: u16::try_from(s).unwrap_or(0),
                end_min: u16::try_from(e).unwrap_or(0),
            }),
            _ => None,
        };
        NotificationPrefs {
            email_enabled: row.email_enabled,
            time_zone: row.time_zone,
            quiet,
            lead_days: NotificationPrefs::parse_lead_days(&row.lead_days)
                .unwrap_or_else(|_| DEFAULT_LEAD_DAYS.to_vec()),
        }
    }
}

impl Tx<'_> {
    /// The actor's own choices.
    pub async fn notification_prefs(
        &mut self,
        actor: &Actor,
    ) -> Result<NotificationPrefs, StoreError> {
        self.prefs_of(actor.account_id().as_str()).await
    }

    pub(super) async fn prefs_of(
        &mut self,
        account_id: &str,
    ) -> Result<NotificationPrefs, StoreError> {
        let row: Option<PrefsRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT email_enabled, time_zone, quiet_start_min, quiet_end_min, lead_days
             FROM notification_prefs WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(&mut *c)
        .await?);
        Ok(row.map(NotificationPrefs::from).unwrap_or_default())
    }

    /// The largest lead time anyone is reminded at: the largest anyone chose, or the
    /// defaults' for those who chose none. A date further away needs no reminder today.
    pub(super) async fn largest_lead_days(&mut self) -> Result<u32, StoreError> {
        let chosen: Vec<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT DISTINCT lead_days FROM notification_prefs",
        )
        .fetch_all(&mut *c)
        .await?);
        let largest = chosen
            .iter()
            .filter_map(|l| NotificationPrefs::parse_lead_days(l).ok())
            .flatten()
            .chain(DEFAULT_LEAD_DAYS)
            .max()
            .unwrap_or(0);
        Ok(largest)
    }

    /// Saves the actor's own choices.
    pub async fn set_notification_prefs(
        &mut self,
        actor: &Actor,
        prefs: &NotificationPrefs,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let lead = prefs
            .lead_days
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        on_tx!(self, c => sqlx::query(
            "INSERT INTO notification_prefs
                 (account_id, email_enabled, time_zone, quiet_start_min, quiet_end_min, lead_days, updated_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (account_id) DO UPDATE SET email_enabled = $2, time_zone = $3,
                 quiet_start_min = $4, quiet_end_min = $5, lead_days = $6, updated_ms = $7",
        )
        .bind(actor.account_id().as_str())
        .bind(prefs.email_enabled)
        .bind(&prefs.time_zone)
        .bind(prefs.quiet.map(|q| i32::from(q.start_min)))
        .bind(prefs.quiet.map(|q| i32::from(q.end_min)))
        .bind(lead)
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }
}

impl Tx<'_> {
    /// Turns email off for the person a delivery went to (the one-click unsubscribe link in
    /// each email names its delivery). Returns false when no such delivery exists.
    pub async fn unsubscribe_delivery(
        &mut self,
        delivery_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let account: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT account_id FROM deliveries WHERE id = $1 AND channel = 'email'",
        )
        .bind(delivery_id)
        .fetch_optional(&mut *c)
        .await?);
        let Some(account) = account else {
            return Ok(false);
        };
        let mut prefs = self.prefs_of(&account).await?;
        prefs.email_enabled = false;
        let actor = Actor::account(visanav_core::account::AccountId::from_stored(account));
        self.set_notification_prefs(&actor, &prefs, now).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefs(zone: &str, start: u16, end: u16) -> NotificationPrefs {
        NotificationPrefs {
            time_zone: zone.into(),
            quiet: Some(QuietHours {
                start_min: start,
                end_min: end,
            }),
            ..NotificationPrefs::default()
        }
    }

    #[test]
    fn quiet_hours_across_midnight_hold_until_their_end_in_the_persons_zone() {
        // 22:00–07:00 in Manila (UTC+8). 2026-03-10T15:30Z is 23:30 there: held to 07:00.
        let p = prefs("Asia/Manila", 22 * 60, 7 * 60);
        let at: Timestamp = "2026-03-10T15:30:00Z".parse().expect("ts");
        assert_eq!(
            p.release_at(at).to_string(),
            "2026-03-10T23:00:00Z",
            "07:00 on the 11th in Manila"
        );
        // 06:59 local: still quiet, released a minute later.
        let early: Timestamp = "2026-03-10T22:59:00Z".parse().expect("ts");
        assert_eq!(p.release_at(early).to_string(), "2026-03-10T23:00:00Z");
        // 12:00 local: not quiet.
        let noon: Timestamp = "2026-03-10T04:00:00Z".parse().expect("ts");
        assert_eq!(p.release_at(noon), noon);
        assert_eq!(NotificationPrefs::default().release_at(at), at);
    }

    #[test]
    fn quiet_hours_follow_daylight_saving() {
        // New York, quiet 21:00–08:00. On 2026-03-08 clocks go forward: 08:00 is UTC-4.
        let p = prefs("America/New_York", 21 * 60, 8 * 60);
        let night: Timestamp = "2026-03-08T04:00:00Z".parse().expect("ts"); // 23:00 EST
        assert_eq!(p.release_at(night).to_string(), "2026-03-08T12:00:00Z");
    }

    #[test]
    fn lead_days_are_read_sorted_and_checked() {
        assert_eq!(
            NotificationPrefs::parse_lead_days("7, 30,90 1 30").expect("ok"),
            vec![90, 30, 7, 1]
        );
        assert!(
            NotificationPrefs::parse_lead_days("soon")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(NotificationPrefs::parse_lead_days("400").is_err());
    }
}
