//! The `visanav` binary: command-line parsing, configuration and wiring.

mod bench_seed;
mod cases;
mod ceac_cmd;
mod check_cmd;
mod config;
mod consult_cmd;
mod demo;
mod fake_cmd;
mod knowledge_cmd;
mod monitor_config;
mod notice_cmd;
mod notify_cmd;
mod outbox_cmd;
mod plan_cmd;
mod user_cmd;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use visanav_core::knowledge::Knowledge;
use visanav_store::{Crypto, CryptoError, Store, Summarizer, Sweep};

use crate::config::{Config, Origin, Overrides};

#[derive(Parser, Debug)]
#[command(
    name = "visanav",
    version,
    about = "From a K-1 \"Refused\" status to a plan, a checklist and help.",
    after_help = "visanav gives general information, not legal advice."
)]
struct Cli {
    /// Config file (TOML). Default: visanav.toml in the data directory.
    #[arg(long, global = true, env = "VISANAV_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the database, key file and config live. Default: the platform data directory.
    #[arg(long, global = true, env = "VISANAV_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite:///path/visanav.db or postgres://user:password@host/db.
    /// Secrets can come from VISANAV_DATABASE_URL_FILE instead.
    #[arg(
        long,
        global = true,
        env = "VISANAV_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true,
        value_parser = parse_secret
    )]
    database_url: Option<config::Secret>,
    /// Key file that encrypts personal data. Default: visanav.key in the data directory.
    #[arg(long, global = true, env = "VISANAV_KEY_FILE", value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Knowledge directory to use instead of the built-in knowledge base.
    #[arg(long, global = true, env = "VISANAV_KNOWLEDGE_DIR", value_name = "DIR")]
    knowledge_dir: Option<PathBuf>,
    /// Act as this account (its email address) instead of the machine's local account.
    #[arg(long = "as", global = true, value_name = "EMAIL")]
    act_as: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the web server.
    Serve {
        /// Address to listen on (a non-loopback address needs an https --public-url).
        #[arg(long, env = "VISANAV_LISTEN", value_name = "ADDR")]
        listen: Option<String>,
        /// The https address people use (behind a TLS reverse proxy).
        #[arg(long, env = "VISANAV_PUBLIC_URL", value_name = "URL")]
        public_url: Option<String>,
        /// Start on a separate demo database (re-made at every start, never yours) with a
        /// demo firm, an attorney, a paralegal and applicants' cases, and print how to sign in.
        #[arg(long)]
        demo: bool,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Show the effective configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Add, list, show, export and delete cases.
    Case {
        #[command(subcommand)]
        command: cases::CaseCommand,
    },
    /// Explain what a case status means.
    Status {
        #[command(subcommand)]
        command: knowledge_cmd::StatusCommand,
    },
    /// Read a CEAC status result saved or copied from your browser.
    Ceac {
        #[command(subcommand)]
        command: ceac_cmd::CeacCommand,
    },
    /// Check a case's status now (CEAC or the USCIS API) and record it.
    Check(check_cmd::CheckArgs),
    /// Watch a case's status on a schedule, or stop.
    Monitor {
        #[command(subcommand)]
        command: check_cmd::MonitorCommand,
    },
    /// Run only the background work (status checks and notifications; no web server).
    Worker(check_cmd::WorkerArgs),
    /// The notification queue: list, dead, retry, dispatch.
    Outbox {
        #[command(subcommand)]
        command: outbox_cmd::OutboxCommand,
    },
    /// Serve fake CEAC and USCIS upstreams for tests and benchmarks (never for real use).
    #[command(hide = true)]
    FakeUpstream(fake_cmd::FakeArgs),
    /// Check or browse the knowledge base.
    Knowledge {
        #[command(subcommand)]
        command: knowledge_cmd::KnowledgeCommand,
    },
    /// Deadlines, expiries, next steps and whether to get legal help, for one case.
    Plan(plan_cmd::PlanArgs),
    /// Read a 221(g) refusal notice into a checklist.
    Notice {
        #[command(subcommand)]
        command: notice_cmd::NoticeCommand,
    },
    /// Notifications: send a test through a channel (webhook, ntfy) and see what happened.
    Notify {
        #[command(subcommand)]
        command: notify_cmd::NotifyCommand,
    },
    /// Accounts: add, sign-in links, list, disable, enable, reset a second factor.
    User {
        #[command(subcommand)]
        command: user_cmd::UserCommand,
    },
    /// Compute every case's dashboard summary again (the server does this at start, then as
    /// each post's day ends).
    Sweep {
        /// Only the summaries whose day has ended at their post.
        #[arg(long)]
        stale_only: bool,
    },
    /// Consultations with attorneys: `list` shows every one on this instance (for operators;
    /// no personal data).
    Consult {
        #[command(subcommand)]
        command: consult_cmd::ConsultCommand,
    },
    /// Fill the database with invented cases for the dashboard benchmark.
    #[command(hide = true)]
    BenchSeed(bench_seed::SeedArgs),
}

#[derive(Subcommand, Debug)]
enum DbCommand {
    /// Apply pending migrations (serve and case commands also do this on start).
    Migrate,
    /// Report connectivity and schema version without changing anything.
    Check,
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print the effective configuration, secrets masked.
    Show,
}

fn origin(m: &ArgMatches, id: &str) -> Origin {
    match m.value_source(id) {
        Some(ValueSource::EnvVariable) => Origin::Env,
        Some(ValueSource::CommandLine) => Origin::Flag,
        _ => Origin::Default,
    }
}

fn overrides(cli: &Cli, m: &ArgMatches) -> Overrides {
    let sub = m.subcommand_matches("serve");
    let from_serve = |id: &str| sub.map(|s| origin(s, id)).unwrap_or(Origin::Flag);
    let (listen, public_url) = match &cli.command {
        Command::Serve {
            listen, public_url, ..
        } => (
            listen.clone().map(|l| (l, from_serve("listen"))),
            public_url.clone().map(|u| (u, from_serve("public_url"))),
        ),
        _ => (None, None),
    };
    // Global args are readable from the top-level matches after clap propagates them.
    let global = |id: &str| {
        let mut src = origin(m, id);
        if let Some((_, sub)) = m.subcommand()
            && src == Origin::Default
        {
            src = origin(sub, id);
        }
        src
    };
    let mut o = Overrides {
        config: cli.config.clone().map(|p| (p, global("config"))),
        values: Vec::new(),
    };
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    o.set("data_dir", path(&cli.data_dir), global("data_dir"));
    o.set(
        "database_url",
        cli.database_url.as_ref().map(|s| s.expose().to_string()),
        global("database_url"),
    );
    o.set("key_file", path(&cli.key_file), global("key_file"));
    o.set(
        "knowledge_dir",
        path(&cli.knowledge_dir),
        global("knowledge_dir"),
    );
    if let Some((l, origin)) = listen {
        o.set("listen", Some(l), origin);
    }
    if let Some((u, origin)) = public_url {
        o.set("public_url", Some(u), origin);
    }
    o
}

fn parse_secret(s: &str) -> Result<config::Secret, std::convert::Infallible> {
    Ok(config::Secret::new(s))
}

/// What most commands need: configuration, knowledge, and an open, migrated store.
pub struct Ctx {
    pub config: Config,
    pub knowledge: Arc<Knowledge>,
    /// Who the command acts for: the person at this machine, as the local account.
    pub actor: visanav_store::Actor,
}

impl Ctx {
    fn new(config: Config) -> Result<Ctx> {
        let knowledge = load_knowledge(&config)?;
        Ok(Ctx {
            config,
            knowledge: Arc::new(knowledge),
            actor: visanav_store::Actor::local(),
        })
    }

    /// Acts as the account with this address (`--as EMAIL`) rather than the local account.
    async fn acting_as(mut self, email: Option<&str>) -> Result<Ctx> {
        let Some(email) = email else { return Ok(self) };
        let store = self.open_store(true).await?;
        let mut tx = store.begin(visanav_store::TxMode::Read).await?;
        let found = user_cmd::account_id(&mut tx, email).await;
        tx.rollback().await?;
        store.close().await;
        self.actor = visanav_store::Actor::operator(found?);
        Ok(self)
    }

    pub async fn open_store(&self, migrate: bool) -> Result<Store> {
        self.ensure_data_dir()?;
        let crypto = self.crypto().await?;
        let store = self.connect(crypto).await?;
        if migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Connects; every change to a case writes its dashboard summary, from this knowledge
    /// base, in the change's own transaction.
    async fn connect(&self, crypto: Crypto) -> Result<Store> {
        let url = self.config.database_url.value.expose();
        let store = Store::connect(url, crypto)
            .await
            .with_context(|| format!("database {}", config::mask_url(url)))?;
        Ok(store.with_summarizer(Summarizer::from_knowledge(self.knowledge.clone())))
    }

    /// Creates the data directory, private to this user, if it does not exist yet.
    fn ensure_data_dir(&self) -> Result<()> {
        let dir = &self.config.data_dir.value;
        if dir.exists() {
            return Ok(());
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).with_context(|| {
            format!(
                "cannot create the data directory {}; choose another with --data-dir",
                dir.display()
            )
        })
    }

    /// Opens the key file. A missing key is created only for a database that holds no
    /// encrypted data yet: for one that does, a new key could read nothing, and creating it
    /// would hide the real problem (a lost or misplaced key file) behind decryption errors.
    async fn crypto(&self) -> Result<Crypto> {
        let path = &self.config.key_file.value;
        if let Some(crypto) = Crypto::open(path)? {
            return Ok(crypto);
        }
        let probe = self.connect(Crypto::ephemeral()).await?;
        let holds_data = probe.has_encrypted_data().await;
        probe.close().await;
        if holds_data? {
            return Err(CryptoError::Missing {
                path: path.clone(),
                database: config::mask_url(self.config.database_url.value.expose()),
            }
            .into());
        }
        let crypto = Crypto::create(path)?;
        eprintln!(
            "Created a new key file at {} (readable only by you).\n\
             It encrypts names, passport numbers and notes. Back it up: without it that data cannot be read.",
            path.display()
        );
        Ok(crypto)
    }
}

fn load_knowledge(config: &Config) -> Result<Knowledge> {
    match &config.knowledge_dir.value {
        Some(dir) => Knowledge::from_dir(dir)
            .with_context(|| format!("the knowledge directory {} is not usable; check it with `visanav knowledge check {}`", dir.display(), dir.display())),
        None => Ok(Knowledge::embedded()?),
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr so command output on stdout stays clean for pipes and --json.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Exit status when stdout (or stderr) is a pipe whose reader has gone, as in
/// `visanav case list | head -1`: 128 + SIGPIPE, what the shell reports for `cat` or `grep`
/// in the same place. Not 0: output was cut short (an export piped into a reader that died is
/// incomplete, and `set -o pipefail` scripts should see that exactly as they would for `cat`).
const CLOSED_PIPE_EXIT: i32 = 141;

/// Ends the program quietly when it writes to a closed pipe. Rust ignores SIGPIPE, so the
/// write fails with EPIPE and `println!` panics with "failed printing to stdout: Broken pipe";
/// C tools are simply killed by the signal. Restoring the signal's default action needs
/// `unsafe` (forbidden in this workspace), so the panic is recognised here instead and turned
/// into the same silent exit. Changes already committed stay committed: every write to the
/// database finishes before its result is printed.
fn exit_quietly_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(is_closed_pipe_panic) {
            std::process::exit(CLOSED_PIPE_EXIT);
        }
        default(info)
    }));
}

/// The message std's print macros panic with when the stream's reader has gone (EPIPE).
fn is_closed_pipe_panic(message: &str) -> bool {
    (message.starts_with("failed printing to stdout")
        || message.starts_with("failed printing to stderr"))
        && message.contains("(os error 32)")
}

#[tokio::main]
async fn main() -> ExitCode {
    exit_quietly_on_closed_pipe();
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match run(cli, &matches).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli, matches: &ArgMatches) -> Result<ExitCode> {
    let config = Config::load(&overrides(&cli, matches))?;
    // The server always logs. Other commands log only when asked (RUST_LOG or `log` in the
    // config file), so their stderr stays for messages meant for the person typing.
    if !matches!(cli.command, Command::Serve { .. }) && config.log.origin != Origin::Default {
        init_logging(&config.log.value);
    }
    match cli.command {
        Command::Config {
            command: ConfigCommand::Show,
        } => {
            print!("{}", config.show());
            Ok(ExitCode::SUCCESS)
        }
        Command::Knowledge { command } => knowledge_cmd::knowledge(command, &config),
        Command::Status { command } => {
            let ctx = Ctx::new(config)?;
            knowledge_cmd::status(command, &ctx)
        }
        Command::Ceac { command } => {
            let ctx = Ctx::new(config)?.acting_as(cli.act_as.as_deref()).await?;
            ceac_cmd::run(command, &ctx).await
        }
        Command::Db { command } => {
            let ctx = Ctx::new(config)?;
            db(command, &ctx).await
        }
        Command::Case { command } => {
            let ctx = Ctx::new(config)?.acting_as(cli.act_as.as_deref()).await?;
            cases::run(command, &ctx).await
        }
        Command::Plan(args) => {
            let ctx = Ctx::new(config)?.acting_as(cli.act_as.as_deref()).await?;
            plan_cmd::run(args, &ctx).await
        }
        Command::Notice { command } => {
            let ctx = Ctx::new(config)?.acting_as(cli.act_as.as_deref()).await?;
            notice_cmd::run(command, &ctx).await
        }
        Command::Notify { command } => notify_cmd::run(command, &config).await,
        Command::User { command } => {
            let ctx = Ctx::new(config)?;
            user_cmd::run(command, &ctx).await
        }
        Command::Serve { demo, .. } => {
            init_logging(&config.log.value);
            let mut config = config;
            if demo {
                demo::use_demo_database(&mut config)?;
            }
            let ctx = Ctx::new(config)?;
            serve(&ctx, demo).await
        }
        Command::Check(args) => {
            let ctx = Ctx::new(config)?.acting_as(cli.act_as.as_deref()).await?;
            check_cmd::check(args, &ctx).await
        }
        Command::Monitor { command } => {
            let ctx = Ctx::new(config)?.acting_as(cli.act_as.as_deref()).await?;
            check_cmd::monitor_cmd(command, &ctx).await
        }
        Command::Outbox { command } => {
            if matches!(command, outbox_cmd::OutboxCommand::Dispatch { .. }) {
                init_logging(&config.log.value);
            }
            let ctx = Ctx::new(config)?;
            outbox_cmd::outbox(command, &ctx).await
        }
        Command::Worker(args) => {
            if !args.once {
                init_logging(&config.log.value);
            }
            let ctx = Ctx::new(config)?;
            // The worker runs on a single-threaded runtime of its own: its work is a chain of
            // waits (sources, database), and one thread saves the hand-offs between threads
            // that a multi-threaded runtime makes at every wake-up.
            tokio::task::spawn_blocking(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("cannot start the worker's runtime")?
                    .block_on(check_cmd::worker(args, &ctx))
            })
            .await
            .context("the worker stopped unexpectedly")?
        }
        Command::FakeUpstream(args) => fake_cmd::run(args).await,
        Command::Sweep { stale_only } => {
            let ctx = Ctx::new(config)?;
            sweep(&ctx, stale_only).await
        }
        Command::Consult { command } => {
            let ctx = Ctx::new(config)?;
            consult_cmd::run(command, &ctx).await
        }
        Command::BenchSeed(args) => {
            let ctx = Ctx::new(config)?;
            bench_seed::run(args, &ctx).await
        }
    }
}

async fn sweep(ctx: &Ctx, stale_only: bool) -> Result<ExitCode> {
    let store = ctx.open_store(true).await?;
    let which = if stale_only { Sweep::Stale } else { Sweep::All };
    let refreshed = store.sweep(which, jiff::Timestamp::now()).await;
    store.close().await;
    println!(
        "Refreshed the dashboard summaries of {} case(s).",
        refreshed?
    );
    Ok(ExitCode::SUCCESS)
}

async fn db(command: DbCommand, ctx: &Ctx) -> Result<ExitCode> {
    let url = config::mask_url(ctx.config.database_url.value.expose());
    match command {
        DbCommand::Migrate => {
            let store = ctx.open_store(false).await?;
            let before = store.schema_status().await?;
            if !before.failed.is_empty() {
                store.close().await;
                bail!("{}", failed_migration_advice(&before.failed, &url));
            }
            store.migrate().await?;
            let after = store.schema_status().await?;
            if before.pending.is_empty() {
                println!(
                    "{} database {url} is up to date (schema version {}).",
                    after.backend.name(),
                    after.latest
                );
            } else {
                println!(
                    "Applied {} migration(s) to the {} database {url}; schema version is now {}.",
                    before.pending.len(),
                    after.backend.name(),
                    after.latest
                );
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Check => {
            // Reads no personal data, so it needs no key and creates none.
            ctx.ensure_data_dir()?;
            let store = ctx.connect(Crypto::ephemeral()).await?;
            let s = store.schema_status().await?;
            store.close().await;
            println!("database: {} at {url}", s.backend.name());
            println!("connection: ok");
            match s.applied {
                Some(v) => println!(
                    "schema version: {v} (this visanav knows up to {})",
                    s.latest
                ),
                None => println!(
                    "schema version: none (empty database; this visanav knows up to {})",
                    s.latest
                ),
            }
            if !s.failed.is_empty() {
                println!(
                    "migrations: FAILED; {}",
                    failed_migration_advice(&s.failed, &url)
                );
                Ok(ExitCode::from(4))
            } else if s.pending.is_empty() {
                println!("migrations: up to date");
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "migrations: {} pending; run `visanav db migrate`",
                    s.pending.len()
                );
                Ok(ExitCode::from(3))
            }
        }
    }
}

/// What to say when a migration is recorded as started but not finished.
fn failed_migration_advice(failed: &[i64], url: &str) -> String {
    let versions: Vec<String> = failed.iter().map(i64::to_string).collect();
    format!(
        "migration {} of the database {url} did not finish (recorded with success = false in \
         _sqlx_migrations), so its schema may be half-changed. visanav will not migrate it \
         further. Restore the database from the backup taken before the upgrade, then run \
         `visanav db migrate` again",
        versions.join(", ")
    )
}

async fn serve(ctx: &Ctx, demo: bool) -> Result<ExitCode> {
    let addr = ctx.config.listen.value;
    let https = ctx
        .config
        .public_url
        .value
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    if !addr.ip().is_loopback() && !https {
        bail!(
            "refusing to listen on {addr} without an https public address: sign-in cookies and \
             passwords must not cross a network in clear. Put visanav behind a TLS reverse proxy \
             and set --public-url https://your.host (or public_url in the config), or listen on \
             a loopback address such as 127.0.0.1:8080"
        );
    }
    let store = ctx.open_store(true).await?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another program using it? Try --listen 127.0.0.1:8081")
    })?;
    let local = listener.local_addr()?;
    let schema = store.schema_status().await?;
    println!("visanav is listening on http://{local}/");
    println!(
        "database: {} ({}), schema version {}",
        store.backend().name(),
        config::mask_url(ctx.config.database_url.value.expose()),
        schema.latest
    );
    // Links in pages and email: the public URL, else the address actually bound (with
    // `--listen 127.0.0.1:0` the port is known only now).
    let base_url = ctx
        .config
        .public_url
        .value
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    if demo {
        print_demo(&store, ctx, &base_url).await?;
    }
    tracing::info!(%local, "listening");
    let mut server = visanav_server::ServerConfig::new(
        local,
        ctx.config.public_host().as_deref(),
        ctx.config.request_timeout.value,
    );
    server.sessions.secure = https;
    server.base_url = base_url.clone();
    server.trust_forwarded = ctx.config.trust_forwarded.value;
    server.consult_hold = ctx.config.consult_hold();
    let (idle, absolute) = ctx.config.session.value;
    server.sessions.idle = jiff::SignedDuration::try_from(idle).unwrap_or(server.sessions.idle);
    server.sessions.absolute =
        jiff::SignedDuration::try_from(absolute).unwrap_or(server.sessions.absolute);
    let extractor = visanav_extract::Extractor::new(ctx.config.extract_config());
    let mailer = visanav_mail::Mailer::new(ctx.config.mail_config())
        .context("the smtp settings are not usable")?;
    let mut monitor_config = ctx.config.monitor.value.clone();
    if demo {
        // The demo checks a fake CEAC and USCIS on loopback, never the real sites.
        let (url, file) =
            demo::start_fake_sources(&ctx.config.data_dir.value, jiff::Timestamp::now()).await?;
        monitor_config.ceac_base_url = url.clone();
        monitor_config.uscis_base_url = url.clone();
        monitor_config.allow_private = true;
        monitor_config.uscis_client_id = Some("demo-client".into());
        monitor_config.uscis_client_secret = Some(visanav_sources::uscis::ClientSecret::new(
            "demo-secret".into(),
        ));
        monitor_config.ceac_spacing = jiff::SignedDuration::ZERO;
        println!(
            "Status checks in the demo go to a fake CEAC and USCIS at {url} (never the real \
             sites). Maria's case can be checked; change her status in {} and check again.",
            file.display()
        );
    }
    let monitor = visanav_server::monitor::Monitor::new(monitor_config, ctx.knowledge.clone())
        .context("the monitoring settings are not usable")?;
    let state =
        visanav_server::AppState::new(store.clone(), ctx.knowledge.clone(), server, extractor)
            .with_mailer(mailer)
            .with_monitor(monitor.clone());
    // Status checks run beside the web server unless an operator runs `visanav worker`
    // processes instead (monitor.worker = false).
    let worker = ctx.config.monitor_in_serve.value.then(|| {
        let dispatcher = visanav_server::notify::Dispatcher::new(
            store.clone(),
            state.mailer.clone(),
            ctx.knowledge.clone(),
            state.clock.clone(),
            visanav_server::notify::DispatcherConfig {
                base_url: base_url.clone(),
                ..ctx.config.dispatcher_config()
            },
        );
        (
            visanav_server::monitor::worker::spawn(store.clone(), monitor, state.clock.clone()),
            visanav_server::notify::dispatcher::spawn(dispatcher),
        )
    });
    println!("Press Ctrl-C to stop.");
    visanav_server::serve(listener, state, shutdown_signal())
        .await
        .context("the web server failed")?;
    if let Some((worker, dispatcher)) = worker {
        worker.abort();
        dispatcher.abort();
    }
    store.close().await;
    println!("visanav stopped.");
    Ok(ExitCode::SUCCESS)
}

/// Seeds the demo database and says, plainly, how to look around.
async fn print_demo(store: &visanav_store::Store, ctx: &Ctx, base: &str) -> Result<()> {
    let people = demo::seed(store, &ctx.knowledge, base, jiff::Timestamp::now()).await?;
    println!();
    println!(
        "DEMO: a separate database at {}, re-made at every start; your own data is untouched.",
        ctx.config.data_dir.value.display()
    );
    println!("Firm: {}", demo::FIRM);
    println!(
        "Firm code (an applicant enters it to share a case): {}",
        people.firm_code
    );
    println!(
        "Attorney:  {} / password {}",
        demo::ATTORNEY,
        demo::PASSWORD
    );
    println!(
        "Paralegal: {} / password {}",
        demo::PARALEGAL,
        demo::PASSWORD
    );
    println!(
        "  Both use the second-factor key {} (add it to an authenticator app).",
        demo::ATTORNEY_TOTP
    );
    println!(
        "  Sign in at {base}/sign-in; the firm's dashboard is {base}/firms/{}/dashboard",
        people.firm_code
    );
    println!("  The attorney's consultation requests: {base}/consult (sign in as the attorney)");
    println!(
        "Public booking page (anyone, no account needed): {base}/book/{}",
        people.firm_code
    );
    println!(
        "Applicants (password {} each), their K-1 cases shared with the firm:",
        demo::PASSWORD
    );
    for line in people.lines {
        println!("{line}");
    }
    println!();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_pipe_panics_are_recognised_and_others_are_not() {
        // The message std panics with on EPIPE (library/std/src/io/stdio.rs, `print_to`).
        let epipe = std::io::Error::from_raw_os_error(32);
        assert!(is_closed_pipe_panic(&format!(
            "failed printing to stdout: {epipe}"
        )));
        assert!(is_closed_pipe_panic(&format!(
            "failed printing to stderr: {epipe}"
        )));
        let other = std::io::Error::from_raw_os_error(28);
        assert!(!is_closed_pipe_panic(&format!(
            "failed printing to stdout: {other}"
        )));
        assert!(!is_closed_pipe_panic("index out of bounds (os error 32)"));
    }
}
