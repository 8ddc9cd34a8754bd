//! `visanav consult list`: every consultation on the instance, for operators, without
//! personal data (no applicant, no intake, no messages): which firm and attorney, which type,
//! when (on the attorney's clock and in UTC), where it stands and until when a request holds
//! its time.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use visanav_store::{ConsultStatus, ConsultationRow};

use crate::Ctx;

#[derive(Subcommand, Debug)]
pub enum ConsultCommand {
    /// Every consultation, newest request first (no personal data).
    List {
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: i64,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: ConsultCommand, ctx: &Ctx) -> Result<ExitCode> {
    let ConsultCommand::List { limit, json } = command;
    let store = ctx.open_store(true).await?;
    let found = store.all_consultations(limit.max(1)).await;
    store.close().await;
    let now = Timestamp::now();
    let rows: Vec<Line> = found?.iter().map(|r| Line::of(r, now)).collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_table(&rows);
    }
    Ok(ExitCode::SUCCESS)
}

/// One consultation as the list shows it.
#[derive(Debug, Serialize)]
struct Line {
    id: String,
    firm: String,
    attorney: String,
    #[serde(rename = "type")]
    type_name: String,
    /// RFC 3339, UTC.
    start: Timestamp,
    /// The start on the attorney's clock, RFC 3339 with its offset.
    start_local: String,
    attorney_zone: String,
    status: ConsultStatus,
    /// Until when a request holds its time (pending or unverified ones).
    hold_until: Option<Timestamp>,
    /// A hold that has passed without the sweep marking the request expired yet.
    hold_lapsed: bool,
    created: Timestamp,
}

impl Line {
    fn of(r: &ConsultationRow, now: Timestamp) -> Line {
        let tz = TimeZone::get(&r.attorney_zone).unwrap_or(TimeZone::UTC);
        let holds = matches!(r.status, ConsultStatus::Pending | ConsultStatus::Unverified);
        Line {
            id: r.id.clone(),
            firm: r.firm_name.clone(),
            attorney: r.attorney_name.clone(),
            type_name: r.type_name.clone(),
            start: r.start,
            start_local: r
                .start
                .display_with_offset(tz.to_offset(r.start))
                .to_string(),
            attorney_zone: r.attorney_zone.clone(),
            status: r.status,
            hold_until: r.hold_until,
            hold_lapsed: holds && r.hold_until.is_some_and(|h| h <= now),
            created: r.created,
        }
    }
}

fn print_table(rows: &[Line]) {
    if rows.is_empty() {
        println!("No consultations on this instance yet.");
        return;
    }
    let utc = |t: Timestamp| t.strftime("%Y-%m-%d %H:%M UTC").to_string();
    for r in rows {
        let local = r
            .start
            .to_zoned(TimeZone::get(&r.attorney_zone).unwrap_or(TimeZone::UTC))
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        let hold = match (r.hold_until, r.hold_lapsed) {
            (Some(h), true) => format!("  hold lapsed {}", utc(h)),
            (Some(h), false) => format!("  hold until {}", utc(h)),
            (None, _) => String::new(),
        };
        println!(
            "{}  {:<10} {local} {} ({})  {} · {} · {}{hold}",
            r.id,
            r.status.as_str(),
            r.attorney_zone,
            utc(r.start),
            r.firm,
            r.attorney,
            r.type_name,
        );
    }
    println!(
        "{} consultation(s). Times: the attorney's clock, then UTC. No personal data is shown.",
        rows.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_gives_both_clocks_and_a_lapsed_hold() {
        let start: Timestamp = "2026-01-21T14:00:00Z".parse().expect("ts");
        let row = ConsultationRow {
            id: "k1".into(),
            firm_name: "Reyes Law".into(),
            attorney_name: "Ana Reyes".into(),
            type_name: "First consultation".into(),
            start,
            attorney_zone: "America/New_York".into(),
            status: ConsultStatus::Pending,
            hold_until: Some("2026-01-20T10:00:00Z".parse().expect("ts")),
            created: "2026-01-18T10:00:00Z".parse().expect("ts"),
        };
        let before: Timestamp = "2026-01-19T10:00:00Z".parse().expect("ts");
        let line = Line::of(&row, before);
        assert_eq!(line.start_local, "2026-01-21T09:00:00-05:00");
        assert!(!line.hold_lapsed);
        let after: Timestamp = "2026-01-20T10:00:00Z".parse().expect("ts");
        assert!(Line::of(&row, after).hold_lapsed);
        let confirmed = ConsultationRow {
            status: ConsultStatus::Confirmed,
            ..row
        };
        assert!(!Line::of(&confirmed, after).hold_lapsed);
        let json = serde_json::to_value(Line::of(&confirmed, after)).expect("json");
        assert_eq!(json["status"], "confirmed");
        assert_eq!(json["start"], "2026-01-21T14:00:00Z");
        assert_eq!(json["type"], "First consultation");
    }
}
