//! `visanav plan CASE`: deadlines, expiries, next steps and legal help for one case.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use visanav_core::casefile::{CaseFile, Format};
use visanav_core::knowledge::Knowledge;
use visanav_core::plan::{DeadlineState, ExpiryStatus, Plan, plan, today_at_post};
use visanav_core::text::first_sentences;

use crate::Ctx;
use crate::cases::parse_today;

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// A case id (or unique prefix) in the database, or a case file path.
    pub case: String,
    /// Plan as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_parser = parse_today)]
    pub today: Option<Date>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: PlanArgs, ctx: &Ctx) -> Result<ExitCode> {
    // The one clock read. The case file is checked ("not in the future") against the
    // machine's date, as `visanav case` does; the plan counts days at the case's post.
    let now = jiff::Timestamp::now();
    let local_today = args
        .today
        .unwrap_or_else(|| now.to_zoned(jiff::tz::TimeZone::system()).date());
    let case = load_case(&args.case, ctx, local_today).await?;
    let today = args
        .today
        .unwrap_or_else(|| today_at_post(&ctx.knowledge, &case.post, now));
    let p = plan(&case, &ctx.knowledge, today);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        print!("{}", render(&p, &case, &ctx.knowledge, &args.case));
    }
    Ok(ExitCode::SUCCESS)
}

/// A path that exists is a case file; anything else is a case id in the database.
async fn load_case(arg: &str, ctx: &Ctx, today: Date) -> Result<CaseFile> {
    let path = Path::new(arg);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let format = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Format::Json
        } else {
            Format::sniff(&text)
        };
        return CaseFile::parse(&text, format, &ctx.knowledge, today)
            .with_context(|| format!("{} is not a valid case file", path.display()));
    }
    if arg.contains('/') || arg.ends_with(".toml") || arg.ends_with(".json") {
        bail!(
            "there is no case file at {arg}; give a case file path or a case id from `visanav case list`"
        );
    }
    let store = ctx.open_store(true).await?;
    let stored = store.find_case(&ctx.actor, arg).await;
    store.close().await;
    Ok(stored?.case)
}

/// The main source of an item, as a line ending.
fn source(sources: &[String]) -> String {
    sources
        .first()
        .map(|s| format!("Source: {s}"))
        .unwrap_or_default()
}

/// A short, readable plan. Every item shows its main source; the full source lists and texts
/// are in `--json`.
fn render(p: &Plan<'_>, case: &CaseFile, k: &Knowledge, arg: &str) -> String {
    let mut out = String::new();
    let post = k
        .post(&case.post)
        .map(|x| format!("{} ({})", x.name, x.code))
        .unwrap_or_else(|| case.post.clone());
    let _ = writeln!(
        out,
        "Plan for a {} case at {post}, as of {}",
        case.visa, p.today
    );
    let _ = writeln!(out, "Where things stand: {}\n", p.stage.label());

    restrictions(&mut out, p);
    deadlines(&mut out, p);
    renewals(&mut out, p);
    next_steps(&mut out, p);
    legal_help(&mut out, p);
    let _ = writeln!(
        out,
        "\nEvery source and the full texts: visanav plan {arg} --json"
    );
    let _ = writeln!(out, "{}", p.disclaimer);
    out
}

/// Restrictions that reach the case, then those checked and set aside.
fn restrictions(out: &mut String, p: &Plan<'_>) {
    for w in &p.warnings {
        let _ = writeln!(out, "!! {}", w.title);
        let _ = writeln!(out, "   {}", w.why);
        let _ = writeln!(out, "   {}", w.effect);
        if let Some(u) = w.uncertain {
            let _ = writeln!(out, "   Not fully verified: {u}");
        }
        let _ = writeln!(
            out,
            "   Last verified {}. {}\n",
            w.last_verified,
            source(w.sources)
        );
    }
    if !p.set_aside.is_empty() {
        let _ = writeln!(out, "Checked, and not in the way of this case");
        for s in &p.set_aside {
            let _ = writeln!(out, "  - {}: {}", s.title, s.why);
            let _ = writeln!(out, "    {}", source(s.sources));
        }
        out.push('\n');
    }
}

/// Each deadline with its state, notes, what missing it means and its source.
fn deadlines(out: &mut String, p: &Plan<'_>) {
    if !p.deadlines.is_empty() {
        let _ = writeln!(out, "Deadlines");
        for d in &p.deadlines {
            let when = match d.state {
                DeadlineState::Met => "done".to_string(),
                DeadlineState::Passed => format!("PASSED {} days ago", -d.days_left),
                DeadlineState::Ended => "ended".to_string(),
                _ if d.days_left == 0 => "today".to_string(),
                _ => format!("in {} days", d.days_left),
            };
            let flag = if d.state == DeadlineState::DueSoon {
                "  <- soon"
            } else {
                ""
            };
            let _ = writeln!(out, "  {}  {} ({when}){flag}", d.due, d.title);
            for n in &d.notes {
                let _ = writeln!(out, "              {n}");
            }
            if let Some(c) = &d.counted_from
                && let Some(u) = c.uncertain
            {
                let _ = writeln!(out, "              Not certain: {u} {}", source(c.sources));
            }
            match d.state {
                DeadlineState::Passed => {
                    let _ = writeln!(
                        out,
                        "              Now that it has passed: {}",
                        first_sentences(d.consequence, 2)
                    );
                }
                DeadlineState::DueSoon | DeadlineState::Upcoming => {
                    let _ = writeln!(
                        out,
                        "              If missed: {}",
                        first_sentences(d.consequence, 1)
                    );
                }
                _ => {}
            }
            let _ = writeln!(out, "              {}", source(d.sources));
        }
        out.push('\n');
    }
}

/// Documents expired or expiring.
fn renewals(out: &mut String, p: &Plan<'_>) {
    let flagged: Vec<_> = p
        .expiries
        .iter()
        .filter(|e| e.status != ExpiryStatus::Ok)
        .collect();
    if !flagged.is_empty() {
        let _ = writeln!(out, "Documents to renew");
        for e in flagged {
            let _ = writeln!(out, "  {}", e.summary());
            for n in &e.notes {
                let _ = writeln!(out, "      {n}");
            }
            let _ = writeln!(out, "      {}", source(e.sources));
        }
        out.push('\n');
    }
}

/// The steps in order, with the date to act by.
fn next_steps(out: &mut String, p: &Plan<'_>) {
    if !p.next_steps.is_empty() {
        let _ = writeln!(out, "Next steps");
        for s in &p.next_steps {
            let mark = if s.done { "[x]" } else { "[ ]" };
            let by =
                s.by.as_ref()
                    .map(|b| format!("  (by {})", b.date))
                    .unwrap_or_default();
            let _ = writeln!(out, "  {mark} {}{by}", s.step);
            if !s.done && !s.detail.is_empty() {
                // The restriction itself is printed in full above.
                let detail = if s.id == "policy_restriction" {
                    first_sentences(&s.detail, 2)
                } else {
                    &s.detail
                };
                let _ = writeln!(out, "      {detail}");
            }
            if !s.done && !s.sources.is_empty() {
                let _ = writeln!(out, "      {}", source(s.sources));
            }
        }
        out.push('\n');
    }
}

/// Whether to talk to an attorney, why, and knowledge the plan missed.
fn legal_help(out: &mut String, p: &Plan<'_>) {
    let _ = writeln!(out, "Legal help: {}", p.legal_help.urgency.label());
    for r in &p.legal_help.reasons {
        let _ = writeln!(out, "  - {}: {}", r.title, first_sentences(r.reason, 2));
        let _ = writeln!(out, "    {}", source(r.sources));
    }
    if !p.gaps.is_empty() {
        let _ = writeln!(
            out,
            "\nThe knowledge base in use is missing: {}",
            p.gaps.join("; ")
        );
    }
}
