//! `visanav ceac parse FILE`: reads a CEAC status result the person saved or copied from
//! their own browser, and says what it means. `visanav ceac submit CASE FILE` records it for
//! a stored case as an assisted reading (as the case page's "I checked CEAC myself" does).

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::Timestamp;
use jiff::civil::Date;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::ceac::{CeacParseError, CeacResult, parse_result_with};
use visanav_core::knowledge::Knowledge;
use visanav_core::monitor::Change;
use visanav_server::monitor::assisted::{self, Assessed, Expected};
use visanav_store::{Recorded, Store};

use crate::Ctx;

#[derive(Subcommand, Debug)]
pub enum CeacCommand {
    /// Read a CEAC status result: the page saved from your browser (HTML) or its copied text.
    Parse {
        /// The saved page or text file; `-` reads standard input.
        file: PathBuf,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record a CEAC result you checked in your own browser (the saved page or its copied
    /// text) for a stored case: a reading when it is this case's, with what changed.
    Submit {
        /// The case: its id, short id or CEAC case number.
        case: String,
        /// The saved page or text file; `-` reads standard input.
        file: PathBuf,
        /// Print machine-readable JSON (the fields of `visanav check --json`).
        #[arg(long)]
        json: bool,
    },
}

/// Exit status when the input is readable but is not a CEAC result (captcha error, block
/// page, the bare form…): different from 1, which means visanav itself failed.
const NOT_A_RESULT_EXIT: u8 = 2;

pub async fn run(command: CeacCommand, ctx: &Ctx) -> Result<ExitCode> {
    match command {
        CeacCommand::Submit { case, file, json } => submit(&case, &file, json, ctx).await,
        CeacCommand::Parse { file, json } => {
            let input = read_input(&file)?;
            let parsed = parse_result_with(&input, &ctx.knowledge);
            match (parsed, json) {
                (Ok(r), true) => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&ok_json(&r, &ctx.knowledge))?
                    );
                    Ok(ExitCode::SUCCESS)
                }
                (Ok(r), false) => {
                    print!("{}", result_text(&r, &ctx.knowledge));
                    Ok(ExitCode::SUCCESS)
                }
                (Err(e), true) => {
                    println!("{}", serde_json::to_string_pretty(&error_json(&e))?);
                    Ok(ExitCode::from(NOT_A_RESULT_EXIT))
                }
                (Err(e), false) => {
                    eprintln!("{}: {e}", file.display());
                    Ok(ExitCode::from(NOT_A_RESULT_EXIT))
                }
            }
        }
    }
}

fn read_input(file: &PathBuf) -> Result<String> {
    let mut bytes = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
    } else {
        bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    }
    // A saved page is UTF-8 in practice; a stray byte must not stop the person here.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn ymd(d: Option<Date>) -> serde_json::Value {
    d.map_or(serde_json::Value::Null, |d| d.to_string().into())
}

/// The fields `visanav check --json` prints too (issue 12), plus what the parse found.
fn ok_json(r: &CeacResult, k: &Knowledge) -> serde_json::Value {
    let meaning = r
        .status_slug
        .as_deref()
        .and_then(|slug| k.status_by_slug(slug))
        .map(|s| s.meaning.as_str());
    serde_json::json!({
        "source": "ceac",
        "ok": true,
        "status": r.status,
        "status_shown": r.status_shown,
        "status_slug": r.status_slug,
        "case_number": r.case_number,
        "application_type": r.application_type,
        "kind": r.kind.map(|k| k.as_str()),
        "case_created": ymd(r.case_created),
        "last_updated": ymd(r.last_updated),
        "message": r.message,
        "meaning": meaning,
        "disclaimer": NOT_LEGAL_ADVICE,
    })
}

fn error_json(e: &CeacParseError) -> serde_json::Value {
    serde_json::json!({
        "source": "ceac",
        "ok": false,
        "error": e.code(),
        // `detail` as in `visanav check --json` and the API; `error_message` as before.
        "detail": e.to_string(),
        "error_message": e.to_string(),
    })
}

/// "15 July 2025": no month/day order to misread.
fn long_date(d: Option<Date>) -> String {
    d.map_or_else(
        || "not shown".to_string(),
        |d| d.strftime("%-d %B %Y").to_string(),
    )
}

fn result_text(r: &CeacResult, k: &Knowledge) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "CEAC shows the status: {}", r.status);
    let kind = r
        .kind
        .map(|k| format!(" ({})", k.as_str()))
        .unwrap_or_default();
    if !r.case_number.is_empty() {
        let _ = writeln!(out, "Case: {}{kind}", r.case_number);
    }
    let _ = writeln!(out, "Case created: {}", long_date(r.case_created));
    let _ = writeln!(out, "Last updated: {}", long_date(r.last_updated));
    if !r.message.is_empty() {
        let _ = writeln!(out, "\nCEAC's message:\n  {}", r.message);
    }
    match r
        .status_slug
        .as_deref()
        .and_then(|slug| k.status_by_slug(slug))
    {
        Some(s) => {
            let _ = writeln!(out, "\nWhat this means:\n  {}", s.meaning);
            let _ = writeln!(
                out,
                "\nMore, with the next steps: visanav status explain \"{}\"",
                s.name
            );
        }
        None => {
            let _ = writeln!(
                out,
                "\nvisanav has no explanation of this status yet; `visanav status list` shows \
                 the ones it knows."
            );
        }
    }
    let _ = writeln!(out, "\n{NOT_LEGAL_ADVICE}");
    out
}

async fn submit(case: &str, file: &PathBuf, json: bool, ctx: &Ctx) -> Result<ExitCode> {
    let page = read_input(file)?;
    let store = ctx.open_store(true).await?;
    let result = submit_to(&store, case, &page, ctx).await;
    store.close().await;
    let (assessed, recorded) = result?;
    let k = &ctx.knowledge;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&assisted::json(k, &assessed, recorded.as_ref()))?
        );
    } else {
        print!("{}", submitted_text(&assessed, recorded.as_ref(), k));
    }
    Ok(if assessed.error().is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_A_RESULT_EXIT)
    })
}

async fn submit_to(
    store: &Store,
    case: &str,
    page: &str,
    ctx: &Ctx,
) -> Result<(Assessed, Option<Recorded>)> {
    let stored = store.find_case(&ctx.actor, case).await?;
    let now = Timestamp::now();
    let assessed = assisted::assess(&ctx.knowledge, Expected::of(&stored.case), page, now);
    let schedule = &ctx.config.monitor.value.schedule;
    let recorded =
        assisted::record(store, schedule, &ctx.actor, &stored.id, &assessed, now).await?;
    Ok((assessed, recorded))
}

fn submitted_text(assessed: &Assessed, recorded: Option<&Recorded>, k: &Knowledge) -> String {
    let mut out = String::new();
    match assessed {
        Assessed::Record {
            parsed: Some(r), ..
        } if assessed.error().is_none() => {
            out.push_str(&result_text(r, k));
            let said = match recorded.and_then(|r| r.change.as_ref()) {
                Some(Change::StatusChanged { from, to }) => {
                    format!("Changed: {from} → {to}. Recorded in the case's status history.")
                }
                Some(Change::LastUpdatedChanged { to, .. }) => format!(
                    "Same status, but CEAC updated the case on {to}: something moved. Recorded."
                ),
                None if recorded.is_some_and(|r| r.stored_reading) => {
                    "Recorded in the case's status history.".to_string()
                }
                None => "No change since the last reading.".to_string(),
            };
            let _ = writeln!(out, "\n{said}");
        }
        _ => {
            let detail = match assessed {
                Assessed::Record { outcome, .. } => outcome
                    .result
                    .as_ref()
                    .err()
                    .map(|(_, d)| d.clone())
                    .unwrap_or_default(),
                Assessed::Refused { detail, .. } => detail.clone(),
            };
            let _ = writeln!(out, "No status was recorded. {detail}");
            if recorded.is_some() {
                let _ = writeln!(
                    out,
                    "The page is kept with the case as a check that showed no status."
                );
            }
            let _ = writeln!(out, "\n{NOT_LEGAL_ADVICE}");
        }
    }
    out
}
