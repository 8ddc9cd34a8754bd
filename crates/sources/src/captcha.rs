//! Who reads CEAC's captcha, chosen per installation (`captcha.strategy`):
//!
//! - `manual`: a person. The web page and the CLI show the image and the person types the
//!   code; the check completes when they do. Background checks of CEAC do not run.
//! - `command`: an external program the operator configures reads the PNG on its standard
//!   input and prints the code; it gets a deadline and is killed after it.
//! - `none`: CEAC checks are off (assisted and manual statuses still work).
//!
//! visanav ships no captcha-reading model: the ones peers use cannot be redistributed
//! (reference §1.7).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, PartialEq, Eq)]
pub enum CaptchaStrategy {
    Manual,
    Command {
        command: String,
        timeout: Duration,
    },
    None,
    /// Reads the code `visanav fake-upstream` hides in its picture, in process: for tests and
    /// benchmarks against the fake (it measures visanav's own work without an external
    /// program per check). Useless on the real CEAC, whose pictures hide nothing.
    FakeUpstream,
}

impl std::fmt::Debug for CaptchaStrategy {
    // The command line may carry an API key for a paid solver.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl CaptchaStrategy {
    pub fn name(&self) -> &'static str {
        match self {
            CaptchaStrategy::Manual => "manual",
            CaptchaStrategy::Command { .. } => "command",
            CaptchaStrategy::None => "none",
            CaptchaStrategy::FakeUpstream => "fake-upstream",
        }
    }

    /// Whether checks can run with nobody there (the scheduler's CEAC checks).
    pub fn unattended(&self) -> bool {
        matches!(
            self,
            CaptchaStrategy::Command { .. } | CaptchaStrategy::FakeUpstream
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaptchaError {
    #[error("the captcha command could not be started: {0}")]
    Spawn(String),
    #[error("the captcha command did not answer within {0} s and was stopped")]
    Timeout(u64),
    #[error("the captcha command failed ({0}); its error output: {1}")]
    Failed(String, String),
    #[error("the captcha command printed no code")]
    Empty,
}

/// Runs `command` through `sh -c`, the image on its standard input; the code is its output
/// with everything but letters and digits removed.
pub async fn solve_with_command(
    command: &str,
    image: &[u8],
    timeout: Duration,
) -> Result<String, CaptchaError> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| CaptchaError::Spawn(e.to_string()))?;
    let mut stdin = child.stdin.take();
    let image = image.to_vec();
    let run = async move {
        if let Some(mut stdin) = stdin.take() {
            // A program that does not read its input is its own business: ignore EPIPE.
            let _ = stdin.write_all(&image).await;
            drop(stdin);
        }
        let mut out = Vec::new();
        let mut err = Vec::new();
        if let Some(mut stdout) = child.stdout.take() {
            let _ = stdout.read_to_end(&mut out).await;
        }
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_end(&mut err).await;
        }
        let status = child.wait().await;
        (status, out, err)
    };
    let (status, out, err) = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| CaptchaError::Timeout(timeout.as_secs()))?;
    let status = status.map_err(|e| CaptchaError::Spawn(e.to_string()))?;
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        return Err(CaptchaError::Failed(
            status.to_string(),
            err.chars().take(300).collect(),
        ));
    }
    let code: String = String::from_utf8_lossy(&out)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if code.is_empty() {
        Err(CaptchaError::Empty)
    } else {
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_command_reads_the_image_and_prints_the_code() {
        let code = solve_with_command("wc -c | tr -d ' '", b"12345", Duration::from_secs(5))
            .await
            .expect("solved");
        assert_eq!(code, "5", "the image reached the command's standard input");
    }

    #[tokio::test]
    async fn a_slow_or_failing_command_is_an_error() {
        assert!(matches!(
            solve_with_command("sleep 5", b"", Duration::from_millis(200)).await,
            Err(CaptchaError::Timeout(_))
        ));
        assert!(matches!(
            solve_with_command("echo nope >&2; exit 3", b"", Duration::from_secs(5)).await,
            Err(CaptchaError::Failed(_, e)) if e.contains("nope")
        ));
        assert!(matches!(
            solve_with_command("echo ' - '", b"", Duration::from_secs(5)).await,
            Err(CaptchaError::Empty)
        ));
    }
}
