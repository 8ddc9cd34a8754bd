//! `visanav case …`: import, export, list, show and delete cases.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;
use visanav_core::casefile::{CaseFile, CaseFileError, Format, MAX_CASE_FILE_BYTES};
use visanav_store::{DuplicatePolicy, StoreError, StoredCase};

use crate::Ctx;

#[derive(Subcommand, Debug)]
pub enum CaseCommand {
    /// Add a case from a case file (TOML or JSON; `-` reads standard input).
    Import {
        file: PathBuf,
        /// Judge "in the future" against this date instead of today (YYYY-MM-DD).
        #[arg(long, value_parser = parse_today)]
        today: Option<Date>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// Import even if you already have a case with the same case number.
        #[arg(long)]
        force: bool,
    },
    /// Print a case as a case file.
    Export {
        id: String,
        #[arg(long, value_enum, default_value_t = ExportFormat::Toml)]
        format: ExportFormat,
    },
    /// List your cases.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one case.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a case and everything recorded about it.
    Delete {
        id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Toml,
    Json,
}

pub fn parse_today(s: &str) -> Result<Date, String> {
    visanav_core::date::parse_date(s)
}

/// The date a case file is checked against ("not in the future"): the latest date anywhere,
/// so a date that is already today at the post is accepted wherever visanav runs. Only the
/// command line's edge reads the clock.
pub fn today_or(given: Option<Date>) -> Date {
    given.unwrap_or_else(|| visanav_core::plan::latest_date_anywhere(jiff::Timestamp::now()))
}

fn read_case_text(file: &Path) -> Result<(String, Format)> {
    let (bytes, label) = if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_CASE_FILE_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .context("cannot read the case file from standard input")?;
        (buf, "standard input".to_string())
    } else {
        let meta = std::fs::metadata(file)
            .with_context(|| format!("cannot read the case file {}", file.display()))?;
        if meta.len() > MAX_CASE_FILE_BYTES as u64 {
            bail!(
                "{} is {} bytes; a case file is at most {} bytes. Is this the right file?",
                file.display(),
                meta.len(),
                MAX_CASE_FILE_BYTES
            );
        }
        let bytes = std::fs::read(file)
            .with_context(|| format!("cannot read the case file {}", file.display()))?;
        (bytes, file.display().to_string())
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!("{label} is not a text file (case files are UTF-8 TOML or JSON)")
    })?;
    let format = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Format::Json,
        Some("toml") => Format::Toml,
        _ => Format::sniff(&text),
    };
    Ok((text, format))
}

pub async fn run(command: CaseCommand, ctx: &Ctx) -> Result<ExitCode> {
    match command {
        CaseCommand::Import {
            file,
            today,
            json,
            force,
        } => import(ctx, &file, today, json, force).await,
        CaseCommand::Export { id, format } => {
            let stored = load(ctx, &id).await?;
            match format {
                ExportFormat::Toml => {
                    println!(
                        "# visanav case {} (exported; import with `visanav case import FILE`)",
                        stored.id
                    );
                    print!("{}", stored.case.to_toml());
                }
                ExportFormat::Json => println!("{}", serde_json::to_string_pretty(&stored.case)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::List { json } => {
            let store = ctx.open_store(true).await?;
            let cases = store.list_cases(&ctx.actor).await?;
            store.close().await;
            if json {
                println!("{}", serde_json::to_string_pretty(&cases)?);
            } else if cases.is_empty() {
                println!(
                    "No cases yet. Add one with: visanav case import examples/k1-manila-221g.toml"
                );
            } else {
                println!(
                    "{:<36}  {:<4}  {:<4}  {:<13}  {:<28}  BENEFICIARY",
                    "ID", "VISA", "POST", "CASE NUMBER", "LATEST STATUS"
                );
                for c in cases {
                    let status = match (&c.latest_status, &c.latest_status_on) {
                        (Some(s), Some(on)) => format!("{s} ({on})"),
                        _ => "-".into(),
                    };
                    println!(
                        "{:<36}  {:<4}  {:<4}  {:<13}  {:<28}  {}",
                        c.id,
                        c.visa,
                        c.post,
                        c.ceac_case_number.as_deref().unwrap_or("-"),
                        status,
                        c.beneficiary.as_deref().unwrap_or("-")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::Show { id, json } => {
            let stored = load(ctx, &id).await?;
            if json {
                let mut v = serde_json::to_value(&stored.case)?;
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("id".into(), serde_json::json!(stored.id));
                }
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print!("{}", describe(&stored, ctx));
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::Delete { id, yes } => delete(ctx, &id, yes).await,
    }
}

/// `case import`: validate the whole file, refuse a second copy of a case number unless
/// forced, store it.
async fn import(
    ctx: &Ctx,
    file: &Path,
    today: Option<Date>,
    json: bool,
    force: bool,
) -> Result<ExitCode> {
    let (text, format) = read_case_text(file)?;
    let today = today_or(today);
    let case = match CaseFile::parse(&text, format, &ctx.knowledge, today) {
        Ok(c) => c,
        Err(e) => {
            let hint = match e {
                CaseFileError::Invalid(_) => {
                    "\nNothing was saved. Fix the fields above and import again; docs/case-file.md describes every field."
                }
                _ => "\nNothing was saved.",
            };
            let label = if file.as_os_str() == "-" {
                "the case file on standard input".to_string()
            } else {
                file.display().to_string()
            };
            bail!("{label} was not imported: {e}{hint}");
        }
    };
    let store = ctx.open_store(true).await?;
    let duplicates = if force {
        DuplicatePolicy::Allow
    } else {
        DuplicatePolicy::Refuse
    };
    let created = store
        .create_case(&ctx.actor, &case, Timestamp::now(), duplicates)
        .await;
    store.close().await;
    let id = match created {
        Err(StoreError::DuplicateCase {
            case_number,
            existing,
        }) => bail!(
            "you already have a case with case number {case_number}: {} (see it with \
             `visanav case show {}`). Nothing was imported. To keep a second copy \
             anyway, import again with --force.",
            existing.short(),
            existing.short()
        ),
        other => other?,
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "id": id, "visa": case.visa, "post": case.post })
        );
    } else {
        println!("Imported case {id} ({} at {}).", case.visa, case.post);
        println!("See it with: visanav case show {}", id.short());
    }
    Ok(ExitCode::SUCCESS)
}

/// `case delete`: asks first unless `--yes`.
async fn delete(ctx: &Ctx, id: &str, yes: bool) -> Result<ExitCode> {
    let store = ctx.open_store(true).await?;
    let case_id = store.resolve_case(&ctx.actor, id).await?;
    if !yes {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            bail!(
                "not deleting case {case_id} without confirmation; run again with --yes to confirm"
            );
        }
        eprint!(
            "Delete case {case_id} and its whole history? This cannot be undone. Type 'yes' to confirm: "
        );
        std::io::stderr().flush().ok();
        let mut answer = String::new();
        stdin.lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            println!("Not deleted.");
            store.close().await;
            return Ok(ExitCode::from(1));
        }
    }
    let deleted = store
        .delete_case(&ctx.actor, &case_id, jiff::Timestamp::now())
        .await?;
    store.close().await;
    if !deleted {
        bail!("case {case_id} no longer exists");
    }
    println!("Deleted case {case_id}.");
    Ok(ExitCode::SUCCESS)
}

async fn load(ctx: &Ctx, query: &str) -> Result<StoredCase> {
    let store = ctx.open_store(true).await?;
    let stored = store.find_case(&ctx.actor, query).await;
    store.close().await;
    Ok(stored?)
}

/// A readable summary of a case for its owner.
fn describe(s: &StoredCase, ctx: &Ctx) -> String {
    use std::fmt::Write as _;
    let c = &s.case;
    let k = &ctx.knowledge;
    let mut out = String::new();
    let post = k
        .post(&c.post)
        .map(|p| format!("{} ({})", p.name, p.code))
        .unwrap_or_else(|| c.post.clone());
    let _ = writeln!(out, "Case {}", s.id);
    let _ = writeln!(out, "  {} visa, post {post}", c.visa);
    let ids = [
        (
            "CEAC case number",
            c.ceac_case_number.as_ref().map(|v| v.to_string()),
        ),
        ("DS-160", c.ds160_id.as_ref().map(|v| v.to_string())),
        (
            "USCIS receipt",
            c.uscis_receipt.as_ref().map(|v| v.to_string()),
        ),
        (
            "Passport",
            c.passport_number.as_ref().map(|v| v.to_string()),
        ),
        ("Surname (CEAC)", c.surname.clone()),
    ];
    for (label, v) in ids {
        if let Some(v) = v {
            let _ = writeln!(out, "  {label:<17} {v}");
        }
    }
    for (label, p) in [
        ("Beneficiary", &c.beneficiary),
        ("Petitioner", &c.petitioner),
    ] {
        if let Some(p) = p {
            let mut line = p.display_name();
            if let Some(d) = p.date_of_birth {
                line.push_str(&format!(", born {d}"));
            }
            if let Some(n) = &p.nationality {
                let name = k.country(n).map(|c| c.name.as_str()).unwrap_or(n);
                line.push_str(&format!(", {name}"));
            }
            let _ = writeln!(out, "  {label:<17} {line}");
        }
    }
    let dates = [
        ("Petition approved", c.petition_approved_on),
        ("Interview", c.interview_on),
        ("Visa issued", c.visa_issued_on),
        ("Entered the US", c.entered_us_on),
    ];
    for (label, d) in dates {
        if let Some(d) = d {
            let _ = writeln!(out, "  {label:<17} {d}");
        }
    }
    if !c.status.is_empty() {
        let _ = writeln!(out, "\nStatus history");
        for o in &c.status {
            let updated = o
                .last_updated
                .map(|d| format!(" (page last updated {d})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}  {:<5}  {}{updated}",
                o.on,
                o.source.as_str(),
                o.status
            );
        }
    }
    if let Some(r) = &c.refusal {
        let _ = writeln!(out, "\nRefusal on {} under {}", r.on, r.sections.join(", "));
        for id in &r.requested {
            let name = k.document_name(id);
            let _ = writeln!(out, "  requested: {name}");
        }
        match r.submitted_on {
            Some(d) => {
                let _ = writeln!(out, "  documents submitted on {d}");
            }
            None => {
                let _ = writeln!(out, "  documents not submitted yet");
            }
        }
        if let Some(n) = &r.notes {
            let _ = writeln!(out, "  notes: {n}");
        }
    }
    if !c.documents.is_empty() {
        let _ = writeln!(out, "\nDocuments");
        for d in &c.documents {
            let name = k.document_name(&d.kind);
            let mut extra = Vec::new();
            if let Some(i) = d.issued_on {
                extra.push(format!("issued {i}"));
            }
            if let Some(e) = d.expires_on {
                extra.push(format!("expires {e}"));
            }
            if let Some(on) = d.status_on {
                extra.push(format!("{} {on}", d.status.as_str()));
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!(" ({})", extra.join(", "))
            };
            let _ = writeln!(out, "  [{:<9}] {name}{extra}", d.status.as_str());
            if let Some(note) = &d.note {
                let _ = writeln!(out, "              note: {note}");
            }
        }
    }
    let _ = writeln!(out, "\n{}", visanav_core::NOT_LEGAL_ADVICE);
    out
}
