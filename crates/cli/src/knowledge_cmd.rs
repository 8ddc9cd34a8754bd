//! `visanav status explain` and `visanav knowledge …`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::knowledge::{KVisaHandling, Knowledge, Status, StatusSource};

use crate::Ctx;
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum StatusCommand {
    /// Explain a status as the status page shows it, e.g. `visanav status explain refused`.
    Explain {
        /// The status text (case, spacing and punctuation do not matter).
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        /// Where the status was seen: ceac (State Department) or uscis. Default: try both.
        #[arg(long, value_enum)]
        source: Option<SourceArg>,
        #[arg(long)]
        json: bool,
    },
    /// List every status visanav can explain.
    List {
        #[arg(long, value_enum)]
        source: Option<SourceArg>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SourceArg {
    Ceac,
    Uscis,
}

impl From<SourceArg> for StatusSource {
    fn from(s: SourceArg) -> StatusSource {
        match s {
            SourceArg::Ceac => StatusSource::Ceac,
            SourceArg::Uscis => StatusSource::Uscis,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum KnowledgeCommand {
    /// Validate a knowledge directory (default: the one in use, or the built-in one).
    Check { dir: Option<PathBuf> },
    /// List the document catalogue: the ids case files and checklists use.
    Documents,
    /// List CEAC posts and whether they process K visas.
    Posts,
}

pub fn status(command: StatusCommand, ctx: &Ctx) -> Result<ExitCode> {
    let k = &ctx.knowledge;
    match command {
        StatusCommand::Explain { text, source, json } => {
            let text = text.join(" ");
            let source = source.map(StatusSource::from);
            match k.find_status(&text, source) {
                Some(s) if json => {
                    println!("{}", serde_json::to_string_pretty(&explain_json(s))?);
                    Ok(ExitCode::SUCCESS)
                }
                Some(s) => {
                    print!("{}", explain_text(s));
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    let suggestions = k.suggest_statuses(&text, source);
                    if json {
                        let v = serde_json::json!({
                            "error": format!("unknown status {text:?}"),
                            "suggestions": suggestions.iter().map(|s| serde_json::json!({
                                "status": s.name, "source": s.source.as_str(), "slug": s.slug,
                            })).collect::<Vec<_>>(),
                        });
                        println!("{}", serde_json::to_string_pretty(&v)?);
                    } else {
                        eprintln!("visanav does not know the status {text:?}.");
                        if suggestions.is_empty() {
                            eprintln!(
                                "Copy it exactly as the status page shows it, or see `visanav status list`."
                            );
                        } else {
                            eprintln!("Did you mean:");
                            for s in &suggestions {
                                eprintln!("  {}  ({})", s.name, s.source.as_str());
                            }
                        }
                    }
                    Ok(ExitCode::from(2))
                }
            }
        }
        StatusCommand::List { source } => {
            let source = source.map(StatusSource::from);
            for s in k
                .statuses
                .iter()
                .filter(|s| source.is_none_or(|src| s.source == src))
            {
                let flag = if s.uncertain.is_some() {
                    "  (unverified)"
                } else {
                    ""
                };
                println!("{:<5}  {}{flag}", s.source.as_str(), s.name);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn explain_json(s: &Status) -> serde_json::Value {
    serde_json::json!({
        "status": s.name,
        "source": s.source.as_str(),
        "slug": s.slug,
        "meaning": s.meaning,
        "final": s.is_final,
        "causes": s.causes,
        "next_steps": s.next_steps,
        "misconceptions": s.misconceptions,
        "typical_duration": s.typical_duration,
        "uncertain": s.uncertain,
        "sources": s.sources,
        "as_of": s.as_of,
        "disclaimer": NOT_LEGAL_ADVICE,
    })
}

pub fn explain_text(s: &Status) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})\n", s.name, s.source.label());
    let _ = writeln!(out, "{}\n", s.meaning);
    if s.is_final {
        let _ = writeln!(out, "Is this final? Yes: no further change is expected.\n");
    } else {
        let _ = writeln!(out, "Is this final? No: this status can still change.\n");
    }
    if !s.next_steps.is_empty() {
        let _ = writeln!(out, "What to do now:");
        for (i, step) in s.next_steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {step}", i + 1);
        }
        out.push('\n');
    }
    if !s.misconceptions.is_empty() {
        // Keep the human answer short: the most important three; --json has them all.
        let _ = writeln!(out, "Common misunderstandings:");
        for m in s.misconceptions.iter().take(3) {
            let _ = writeln!(out, "  - {m}");
        }
        if s.misconceptions.len() > 3 {
            let _ = writeln!(
                out,
                "  ({} more with --json, or on the status page)",
                s.misconceptions.len() - 3
            );
        }
        out.push('\n');
    }
    if let Some(d) = &s.typical_duration {
        let _ = writeln!(out, "How long it usually takes: {d}\n");
    }
    if let Some(u) = &s.uncertain {
        let _ = writeln!(out, "Not fully verified: {u}\n");
    }
    let _ = writeln!(out, "Sources (checked {}):", s.as_of);
    for u in &s.sources {
        let _ = writeln!(out, "  {u}");
    }
    let _ = writeln!(out, "\n{NOT_LEGAL_ADVICE}");
    out
}

pub fn knowledge(command: KnowledgeCommand, config: &Config) -> Result<ExitCode> {
    match command {
        KnowledgeCommand::Check { dir } => {
            let dir = dir.or_else(|| config.knowledge_dir.value.clone());
            let (label, result) = match &dir {
                Some(d) => (d.display().to_string(), Knowledge::from_dir(d)),
                None => (
                    "the built-in knowledge base".to_string(),
                    Knowledge::embedded(),
                ),
            };
            match result {
                Ok(k) => {
                    println!(
                        "{label} is valid: {} statuses, {} documents, {} posts ({} with a 221(g) procedure), {} countries, {} restrictions, {} rules, {} legal-help triggers.",
                        k.statuses.len(),
                        k.documents.len(),
                        k.posts.len(),
                        k.posts.iter().filter(|p| p.procedure.is_some()).count(),
                        k.countries.len(),
                        k.restrictions.len(),
                        k.rules.len(),
                        k.triggers.len()
                    );
                    let uncertain = k.statuses.iter().filter(|s| s.uncertain.is_some()).count()
                        + k.documents.iter().filter(|d| d.uncertain.is_some()).count()
                        + k.posts.iter().filter(|p| p.uncertain.is_some()).count()
                        + k.restrictions
                            .iter()
                            .filter(|r| r.uncertain.is_some())
                            .count()
                        + k.rules.iter().filter(|r| r.uncertain.is_some()).count()
                        + k.triggers.iter().filter(|t| t.uncertain.is_some()).count();
                    println!(
                        "{uncertain} entries are marked uncertain; the pages and outputs show those notes."
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{label} is not valid.\n{e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        KnowledgeCommand::Documents => {
            let k = load(config)?;
            for d in &k.documents {
                let by: Vec<String> = d
                    .provided_by
                    .iter()
                    .map(|p| format!("{p:?}").to_lowercase())
                    .collect();
                println!("{:<28} {}  [{}]", d.id, d.name, by.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        KnowledgeCommand::Posts => {
            let k = load(config)?;
            for p in &k.posts {
                let kv = match p.k_visas {
                    KVisaHandling::Processed => "K visas: yes".to_string(),
                    KVisaHandling::Elsewhere => {
                        format!("K visas: at {}", p.k_processed_at.as_deref().unwrap_or("?"))
                    }
                    KVisaHandling::NotProcessed => "K visas: no".to_string(),
                    KVisaHandling::Unknown => "K visas: unknown".to_string(),
                };
                println!("{}  {:<28} {:<3} {kv}", p.code, p.name, p.country);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load(config: &Config) -> Result<Knowledge> {
    crate::load_knowledge(config)
}
