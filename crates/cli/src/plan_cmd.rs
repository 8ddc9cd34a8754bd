//! `visanav plan CASE`: deadlines, expiries, next steps and legal help for one case.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use visanav_core::casefile::{CaseFile, Format};
use visanav_core::knowledge::Knowledge;
use visanav_core::plan::{DeadlineState, ExpiryStatus, Plan, plan};
use visanav_store::LOCAL_ACCOUNT;

use crate::Ctx;
use crate::cases::{parse_today, today_or};

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
    let today = today_or(args.today);
    let case = load_case(&args.case, ctx, today).await?;
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
    let id = store.resolve_case(LOCAL_ACCOUNT, arg).await?;
    let stored = store.get_case(LOCAL_ACCOUNT, &id).await?;
    store.close().await;
    Ok(stored
        .with_context(|| format!("case {id} disappeared while reading it"))?
        .case)
}

/// A short, readable plan. Long source lists stay in `--json`; each item names its rule.
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

    for w in &p.warnings {
        let _ = writeln!(out, "!! {}", w.title);
        let _ = writeln!(out, "   {}", w.effect);
        if let Some(u) = w.uncertain {
            let _ = writeln!(out, "   Not fully verified: {u}");
        }
        let _ = writeln!(
            out,
            "   Last verified {}. {}\n",
            w.last_verified,
            w.sources.first().map(String::as_str).unwrap_or("")
        );
    }

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
            if matches!(
                d.state,
                DeadlineState::DueSoon | DeadlineState::Passed | DeadlineState::Upcoming
            ) {
                let _ = writeln!(
                    out,
                    "              If missed: {}",
                    first_sentence(d.consequence)
                );
            }
        }
        out.push('\n');
    }

    let flagged: Vec<_> = p
        .expiries
        .iter()
        .filter(|e| e.status != ExpiryStatus::Ok)
        .collect();
    if !flagged.is_empty() {
        let _ = writeln!(out, "Documents to renew");
        for e in flagged {
            let _ = writeln!(out, "  {}", e.summary());
        }
        out.push('\n');
    }

    if !p.next_steps.is_empty() {
        let _ = writeln!(out, "Next steps");
        for s in &p.next_steps {
            let mark = if s.done { "[x]" } else { "[ ]" };
            let _ = writeln!(out, "  {mark} {}", s.step);
            if !s.done && !s.detail.is_empty() {
                let _ = writeln!(out, "      {}", first_sentences(&s.detail, 2));
            }
        }
        out.push('\n');
    }

    let _ = writeln!(out, "Legal help: {}", p.legal_help.urgency.label());
    for r in &p.legal_help.reasons {
        let _ = writeln!(out, "  - {}: {}", r.title, first_sentences(r.reason, 2));
    }
    if !p.gaps.is_empty() {
        let _ = writeln!(
            out,
            "\nThe knowledge base in use is missing: {}",
            p.gaps.join("; ")
        );
    }
    let _ = writeln!(
        out,
        "\nSources and full texts for every item: visanav plan {arg} --json"
    );
    let _ = writeln!(out, "{}", p.disclaimer);
    out
}

fn first_sentence(text: &str) -> &str {
    first_sentences(text, 1)
}

/// The first `n` sentences, so the human plan stays short.
fn first_sentences(text: &str, n: usize) -> &str {
    let mut count = 0;
    for (i, _) in text.match_indices(". ") {
        count += 1;
        if count == n {
            return &text[..=i];
        }
    }
    text
}
