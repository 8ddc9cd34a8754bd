//! `visanav check CASE`: one status check now, printed; `visanav worker`: only the background
//! checks; `visanav monitor on|off|show CASE`: watch a case or stop.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::account::CaseId;
use visanav_core::casefile::{CaseFile, Format};
use visanav_core::knowledge::StatusSource;
use visanav_core::monitor::{CheckSource, ObservationVia};
use visanav_server::monitor::worker::{Worker, jitter};
use visanav_server::monitor::{CheckOutcome, Monitor};
use visanav_sources::captcha::CaptchaStrategy;
use visanav_store::{CheckBy, CheckTarget, KEEP_ANSWERS, Recorded, Store};

use crate::Ctx;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// A case id (or its short id or CEAC case number), or a case file, which is checked
    /// without being stored: the quickest first try.
    pub case: String,
    /// Which source, when the case has both a CEAC case number and a USCIS receipt.
    #[arg(long, value_parser = ["ceac", "uscis"])]
    pub source: Option<String>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// Check what is due now, once, and exit (for cron and tests).
    #[arg(long)]
    pub once: bool,
}

#[derive(Subcommand, Debug)]
pub enum MonitorCommand {
    /// Watch a case's status: visanav checks it on a schedule and records every change.
    On {
        case: String,
        #[arg(long, value_parser = ["ceac", "uscis"])]
        source: Option<String>,
    },
    /// Stop watching a case's status.
    Off {
        case: String,
        #[arg(long, value_parser = ["ceac", "uscis"])]
        source: Option<String>,
    },
    /// Show the case's monitoring and its latest checks.
    Show { case: String },
}

/// Exit status when the check ran but the source gave no reading (as `ceac parse`).
const NO_READING_EXIT: u8 = 2;

fn monitor(ctx: &Ctx) -> Result<Monitor> {
    Monitor::new(ctx.config.monitor.value.clone(), ctx.knowledge.clone())
        .context("the monitoring settings are not usable")
}

/// The source to check: the one asked for, else CEAC when the case has a CEAC id, else USCIS.
fn pick_source(asked: Option<&str>, case: &CaseFile) -> Result<CheckSource> {
    if let Some(s) = asked.and_then(CheckSource::parse) {
        return Ok(s);
    }
    if case.ceac_case_number.is_some() || case.ds160_id.is_some() {
        Ok(CheckSource::Ceac)
    } else if case.uscis_receipt.is_some() {
        Ok(CheckSource::Uscis)
    } else {
        bail!(
            "the case has no CEAC case number, DS-160 id or USCIS receipt number, so there is \
             nothing to check; add one (`visanav case show` lists what the case holds)"
        )
    }
}

fn target_of_file(case: &CaseFile, source: CheckSource) -> CheckTarget {
    CheckTarget {
        case_id: CaseId::from_stored("case-file".into()),
        source,
        visa: case.visa.as_str().to_string(),
        post: case.post.clone(),
        ceac_case_number: case.ceac_case_number.clone(),
        ds160_id: case.ds160_id.clone(),
        uscis_receipt: case.uscis_receipt.clone(),
        passport: case.passport_number.clone(),
        surname: case.surname.clone(),
    }
}

pub async fn check(args: CheckArgs, ctx: &Ctx) -> Result<ExitCode> {
    let monitor = monitor(ctx)?;
    let path = Path::new(&args.case);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let today = visanav_core::plan::latest_date_anywhere(Timestamp::now());
        let case = CaseFile::parse(&text, Format::sniff(&text), &ctx.knowledge, today)
            .with_context(|| format!("{} is not a valid case file", path.display()))?;
        let source = pick_source(args.source.as_deref(), &case)?;
        let outcome = run_one(&monitor, &target_of_file(&case, source)).await?;
        return Ok(print(&outcome, None, args.json, ctx));
    }
    let store = ctx.open_store(true).await?;
    let result = check_stored(&args, ctx, &monitor, &store).await;
    store.close().await;
    let (outcome, recorded) = result?;
    Ok(print(&outcome, Some(&recorded), args.json, ctx))
}

async fn check_stored(
    args: &CheckArgs,
    ctx: &Ctx,
    monitor: &Monitor,
    store: &Store,
) -> Result<(CheckOutcome, Recorded)> {
    let stored = store.find_case(&ctx.actor, &args.case).await?;
    let source = pick_source(args.source.as_deref(), &stored.case)?;
    let mut tx = store.begin(visanav_store::TxMode::Read).await?;
    let target = tx.check_target(&ctx.actor, &stored.id, source).await;
    tx.rollback().await?;
    let target = target?;
    let outcome = run_one(monitor, &target).await?;
    let now = Timestamp::now();
    let recorded = store
        .record_check(
            CheckBy::Person(&ctx.actor),
            &stored.id,
            &outcome.record(now.checked_add(KEEP_ANSWERS).unwrap_or(now)),
            &monitor.config.schedule,
            jitter(),
            now,
        )
        .await?;
    Ok((outcome, recorded))
}

/// Runs the check; with the manual captcha strategy, shows the picture and asks for the code.
async fn run_one(monitor: &Monitor, target: &CheckTarget) -> Result<CheckOutcome> {
    let checker = &monitor.checker;
    if target.source == CheckSource::Ceac && *checker.captcha() == CaptchaStrategy::Manual {
        let now = Timestamp::now();
        let pending = match checker.start_ceac(target, now).await {
            Ok(p) => p,
            Err(outcome) => return Ok(outcome),
        };
        let code = ask_for_code(&pending.challenge.captcha_image)?;
        return Ok(checker
            .finish_ceac(pending, target, &code, Timestamp::now())
            .await);
    }
    Ok(checker.check(target, Timestamp::now()).await)
}

fn ask_for_code(image: &[u8]) -> Result<String> {
    let path = std::env::temp_dir().join(format!("visanav-captcha-{}.png", std::process::id()));
    std::fs::write(&path, image).with_context(|| format!("cannot write {}", path.display()))?;
    let stdin = std::io::stdin();
    eprintln!("CEAC asks for the code in a picture (captcha). Open this file to see it:");
    eprintln!("  {}", path.display());
    eprint!("Type the code shown, then Enter: ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    std::fs::remove_file(&path).ok();
    read.context("cannot read the code from standard input")?;
    let code: String = line.chars().filter(char::is_ascii_alphanumeric).collect();
    if code.is_empty() {
        if !stdin.is_terminal() {
            bail!(
                "no captcha code on standard input; run `visanav check` in a terminal, or set \
                 captcha.strategy = command with a captcha.command"
            );
        }
        bail!("no code typed; nothing was checked");
    }
    Ok(code)
}

fn print(outcome: &CheckOutcome, recorded: Option<&Recorded>, json: bool, ctx: &Ctx) -> ExitCode {
    if json {
        let mut value = outcome.json();
        if let (Some(r), Some(obj)) = (recorded, value.as_object_mut()) {
            obj.insert("changed".into(), serde_json::json!(r.change.is_some()));
            obj.insert("change".into(), serde_json::json!(r.change));
            obj.insert("attempt_id".into(), serde_json::json!(r.attempt_id));
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        print!("{}", text(outcome, recorded, ctx));
    }
    if outcome.result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NO_READING_EXIT)
    }
}

fn text(outcome: &CheckOutcome, recorded: Option<&Recorded>, ctx: &Ctx) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let name = outcome.source.display_name();
    let how = match outcome.via {
        ObservationVia::Direct => "asked directly",
        ObservationVia::UscisApi => "Case Status API",
        _ => "",
    };
    match &outcome.result {
        Ok(o) => {
            let _ = writeln!(out, "{name} ({how}): {}", o.status);
            if let Some(d) = o.last_updated {
                let _ = writeln!(out, "  Case last updated: {d}");
            }
            if let Some(d) = o.case_created {
                let _ = writeln!(out, "  Case created:      {d}");
            }
            if !o.message.is_empty() {
                let _ = writeln!(out, "  {name} says: {}", o.message);
            }
            let vocabulary = match outcome.source {
                CheckSource::Ceac => StatusSource::Ceac,
                CheckSource::Uscis => StatusSource::Uscis,
            };
            if let Some(s) = ctx.knowledge.find_status(&o.status, Some(vocabulary)) {
                let _ = writeln!(out, "\nWhat it means: {}", s.meaning.trim());
            }
            match recorded.and_then(|r| r.change.as_ref()) {
                Some(visanav_core::monitor::Change::StatusChanged { from, to }) => {
                    let _ = writeln!(
                        out,
                        "\nChanged: {from} → {to}. Recorded in the case's status history."
                    );
                }
                Some(visanav_core::monitor::Change::LastUpdatedChanged { to, .. }) => {
                    let _ = writeln!(
                        out,
                        "\nSame status, but {name} updated the case on {to}: something moved."
                    );
                }
                None if recorded.is_some() => {
                    let _ = writeln!(out, "\nNo change since the last reading.");
                }
                None => {
                    let _ = writeln!(out, "\n(Checked from the case file; nothing was stored.)");
                }
            }
        }
        Err((error, detail)) => {
            let _ = writeln!(out, "{name}: no status this time.");
            let _ = writeln!(out, "  {}", error.explain(outcome.source));
            let _ = writeln!(out, "  Detail ({}): {detail}", error.code());
        }
    }
    let _ = writeln!(out, "\n{NOT_LEGAL_ADVICE}");
    out
}

pub async fn worker(args: WorkerArgs, ctx: &Ctx) -> Result<ExitCode> {
    let monitor = monitor(ctx)?;
    let store = ctx.open_store(true).await?;
    let sources = monitor.unattended_sources();
    if sources.is_empty() {
        eprintln!(
            "Nothing can be checked unattended: CEAC needs captcha.strategy = command (with \
             captcha.command), and USCIS needs sources.uscis.client_id and client_secret."
        );
    }
    let worker = Worker::new(store.clone(), monitor, visanav_server::Clock::system());
    if args.once {
        let started = std::time::Instant::now();
        let report = worker.run_cycle().await;
        store.close().await;
        let mut json = serde_json::to_value(report?)?;
        if let (Some(obj), Some(usage)) = (json.as_object_mut(), own_usage()) {
            let wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            obj.insert("wall_ms".into(), serde_json::json!(wall_ms));
            obj.insert("cpu_ms".into(), serde_json::json!(usage.cpu_ms));
            obj.insert("cpu_sys_ms".into(), serde_json::json!(usage.sys_ms));
            obj.insert(
                "children_cpu_ms".into(),
                serde_json::json!(usage.children_cpu_ms),
            );
            obj.insert("peak_rss_kb".into(), serde_json::json!(usage.peak_rss_kb));
        }
        println!("{json}");
        return Ok(ExitCode::SUCCESS);
    }
    // Notifications go out from here too: `worker` is all the background work.
    let mailer = visanav_mail::Mailer::new(ctx.config.mail_config())
        .context("the smtp settings are not usable")?;
    let dispatcher = visanav_server::notify::Dispatcher::new(
        store.clone(),
        Some(mailer),
        ctx.knowledge.clone(),
        visanav_server::Clock::system(),
        ctx.config.dispatcher_config(),
    );
    let dispatching = visanav_server::notify::dispatcher::spawn(dispatcher);
    println!(
        "visanav worker {} checking {:?} and sending notifications; Ctrl-C to stop.",
        worker.name(),
        sources
    );
    worker.run(crate::shutdown_signal()).await;
    dispatching.abort();
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn monitor_cmd(command: MonitorCommand, ctx: &Ctx) -> Result<ExitCode> {
    let store = ctx.open_store(true).await?;
    let result = monitor_inner(command, ctx, &store).await;
    store.close().await;
    result
}

async fn monitor_inner(command: MonitorCommand, ctx: &Ctx, store: &Store) -> Result<ExitCode> {
    let now = Timestamp::now();
    match command {
        MonitorCommand::On { case, source } => {
            let stored = store.find_case(&ctx.actor, &case).await?;
            let source = pick_source(source.as_deref(), &stored.case)?;
            store
                .set_monitoring(&ctx.actor, &stored.id, source, true, now, now)
                .await?;
            println!(
                "Watching case {} on {}: the first check is due now; `visanav serve` or \
                 `visanav worker` runs it.",
                stored.id.short(),
                source.display_name()
            );
        }
        MonitorCommand::Off { case, source } => {
            let stored = store.find_case(&ctx.actor, &case).await?;
            let source = pick_source(source.as_deref(), &stored.case)?;
            store
                .set_monitoring(&ctx.actor, &stored.id, source, false, now, now)
                .await?;
            println!(
                "Stopped watching case {} on {}.",
                stored.id.short(),
                source.display_name()
            );
        }
        MonitorCommand::Show { case } => {
            let stored = store.find_case(&ctx.actor, &case).await?;
            let monitors = store.monitors(&ctx.actor, &stored.id).await?;
            if monitors.is_empty() {
                println!(
                    "Case {} is not watched. `visanav monitor on {}` starts.",
                    stored.id.short(),
                    stored.id.short()
                );
            }
            for m in &monitors {
                let next = m
                    .next_check_ms
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                    .map_or("none".to_string(), |t| t.to_string());
                println!(
                    "{}: {}, next check {next}, failures in a row {}",
                    m.source.to_uppercase(),
                    if m.enabled { "on" } else { "off" },
                    m.consecutive_failures
                );
            }
            for a in store.attempts(&ctx.actor, &stored.id, 10).await? {
                let when = Timestamp::from_millisecond(a.started_ms)
                    .map_or(String::new(), |t| t.to_string());
                let what = if a.ok {
                    format!(
                        "{}{}",
                        a.status.unwrap_or_default(),
                        if a.changed { " (changed)" } else { "" }
                    )
                } else {
                    format!("failed: {}", a.error.unwrap_or_default())
                };
                println!("  {when} {} {} {what}", a.source, a.via);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// This process's CPU time (its own, and its finished children's, e.g. a captcha command)
/// and peak resident memory, from /proc (Linux): what `worker --once` reports for the
/// monitoring benchmark. None elsewhere.
struct Usage {
    cpu_ms: u64,
    /// Of which in the kernel (system calls, page faults, process creation).
    sys_ms: u64,
    children_cpu_ms: u64,
    peak_rss_kb: u64,
}

fn own_usage() -> Option<Usage> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime, stime, cutime, cstime are fields 14-17 (1-based), i.e. 11-14 after the name.
    let ticks = |i: usize| fields.get(i).copied().unwrap_or(0);
    // The kernel's USER_HZ is 100 on Linux (sysconf(_SC_CLK_TCK)).
    let ms = |t: u64| t * 10;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let peak_rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())?;
    Some(Usage {
        cpu_ms: ms(ticks(11) + ticks(12)),
        sys_ms: ms(ticks(12)),
        children_cpu_ms: ms(ticks(13) + ticks(14)),
        peak_rss_kb,
    })
}
