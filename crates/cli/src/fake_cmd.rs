//! `visanav fake-upstream`: the fake CEAC status tracker and USCIS Case Status API of
//! `visanav_sources::fake`, for tests, demos and benchmarks on loopback. Never for real use:
//! it listens on loopback only.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct FakeArgs {
    #[command(subcommand)]
    command: FakeCommand,
}

#[derive(Subcommand, Debug)]
enum FakeCommand {
    /// Serve both fakes; cases come from a TOML file re-read on every request.
    Serve {
        /// Loopback address and port (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
        /// The cases file (see `crates/sources/src/fake.rs` for its shape).
        #[arg(long)]
        cases: PathBuf,
    },
    /// Read the fake's captcha PNG on standard input and print its code: a `captcha.command`
    /// for tests against the fake.
    Solve,
}

pub async fn run(args: FakeArgs) -> Result<ExitCode> {
    match args.command {
        FakeCommand::Serve { listen, cases } => {
            if !listen.ip().is_loopback() {
                bail!("the fake upstreams listen on loopback only; use e.g. 127.0.0.1:0");
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            println!("fake upstream listening on http://{addr}");
            use std::io::Write as _;
            std::io::stdout().flush().ok();
            visanav_sources::fake::serve(
                listener,
                visanav_sources::fake::FakeConfig { cases_file: cases },
            )
            .await
            .context("the fake upstream failed")?;
            Ok(ExitCode::SUCCESS)
        }
        FakeCommand::Solve => {
            let mut png = Vec::new();
            std::io::stdin()
                .read_to_end(&mut png)
                .context("cannot read the image from standard input")?;
            match visanav_sources::fake::read_fake_code(&png) {
                Some(code) => {
                    println!("{code}");
                    Ok(ExitCode::SUCCESS)
                }
                None => bail!("this is not a captcha of visanav's fake CEAC"),
            }
        }
    }
}
