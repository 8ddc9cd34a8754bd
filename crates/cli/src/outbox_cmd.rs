//! `visanav outbox`: the notification queue for operators. `list` and `dead` show it,
//! `retry` puts given-up deliveries back, `dispatch` runs a dispatcher (what `serve` and
//! `worker` also run in the background).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use jiff::Timestamp;
use visanav_server::notify::Dispatcher;
use visanav_store::{DeliveryState, DeliveryView};

use crate::Ctx;

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// Show the queue (emails and other channels; the in-app list is not queued).
    List {
        /// Only deliveries in this state.
        #[arg(long, value_parser = ["pending", "sent", "dead"])]
        state: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the deliveries visanav gave up on, with why.
    Dead {
        #[arg(long)]
        json: bool,
    },
    /// Put a dead delivery (or all of them) back in the queue.
    Retry {
        /// The delivery's id (from `outbox dead`).
        id: Option<String>,
        /// Every dead delivery.
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
    /// Send what is due: continuously, or once and exit.
    Dispatch {
        #[arg(long)]
        once: bool,
    },
}

pub async fn outbox(command: OutboxCommand, ctx: &Ctx) -> Result<ExitCode> {
    let store = ctx.open_store(true).await?;
    let result = run(command, ctx, &store).await;
    store.close().await;
    result
}

async fn run(command: OutboxCommand, ctx: &Ctx, store: &visanav_store::Store) -> Result<ExitCode> {
    match command {
        OutboxCommand::List { state, limit, json } => {
            let rows = store.deliveries(state.as_deref(), limit).await?;
            let waiting = store.events_waiting().await?;
            print_rows(&rows, json, waiting)?;
        }
        OutboxCommand::Dead { json } => {
            let rows = store
                .deliveries(Some(DeliveryState::Dead.as_str()), 1000)
                .await?;
            print_rows(&rows, json, 0)?;
        }
        OutboxCommand::Retry { id, all } => {
            if id.is_none() && !all {
                bail!(
                    "name the delivery to retry (its id, from `visanav outbox dead`), or give --all"
                );
            }
            let n = store.retry_dead(id.as_deref(), Timestamp::now()).await?;
            if n == 0 {
                println!(
                    "Nothing to retry: no dead delivery{}.",
                    id.map(|i| format!(" with id {i}")).unwrap_or_default()
                );
            } else {
                println!(
                    "{n} deliver{} back in the queue; a dispatcher sends {} shortly.",
                    if n == 1 { "y is" } else { "ies are" },
                    if n == 1 { "it" } else { "them" }
                );
            }
        }
        OutboxCommand::Dispatch { once } => {
            let mailer = visanav_mail::Mailer::new(ctx.config.mail_config())
                .context("the smtp settings are not usable")?;
            let dispatcher = Dispatcher::new(
                store.clone(),
                Some(mailer),
                ctx.knowledge.clone(),
                visanav_server::Clock::system(),
                ctx.config.dispatcher_config(),
            );
            if once {
                let report = dispatcher.run_once().await?;
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("visanav dispatcher sending notifications; Ctrl-C to stop.");
                tokio::select! {
                    () = dispatcher.run() => {}
                    () = crate::shutdown_signal() => {}
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rows(rows: &[DeliveryView], json: bool, waiting: i64) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(rows)?);
        return Ok(());
    }
    if waiting > 0 {
        println!(
            "{waiting} event(s) not yet turned into deliveries (a dispatcher does that first)."
        );
    }
    if rows.is_empty() {
        println!("Nothing in the queue.");
        return Ok(());
    }
    let at = |ms: Option<i64>| {
        ms.and_then(|ms| Timestamp::from_millisecond(ms).ok())
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "-".into())
    };
    for r in rows {
        println!(
            "{}  {:<7} {:<22} {:<5} attempts {}  next {}{}",
            r.id,
            r.channel,
            r.kind,
            r.state,
            r.attempts,
            at(r.next_attempt_ms),
            r.last_error
                .as_deref()
                .map(|e| format!("\n    last error: {e}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
