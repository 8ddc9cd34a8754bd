//! `visanav notice read` (in progress).

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::Ctx;

#[derive(Subcommand, Debug)]
pub enum NoticeCommand {
    /// Read a notice (text, PDF or image; `-` for standard input).
    Read { file: String },
}

pub async fn run(_command: NoticeCommand, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("visanav notice read is not built yet")
}
