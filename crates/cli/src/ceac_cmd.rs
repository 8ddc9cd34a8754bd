//! `visanav ceac parse FILE`: reads a CEAC status result the person saved or copied from
//! their own browser, and says what it means.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::civil::Date;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::ceac::{CeacParseError, CeacResult, parse_result_with};
use visanav_core::knowledge::Knowledge;

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
}

/// Exit status when the input is readable but is not a CEAC result (captcha error, block
/// page, the bare form…): different from 1, which means visanav itself failed.
const NOT_A_RESULT_EXIT: u8 = 2;

pub fn run(command: CeacCommand, ctx: &Ctx) -> Result<ExitCode> {
    match command {
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
