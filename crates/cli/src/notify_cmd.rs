//! `visanav notify test`: one test notification through the real channel code (the same
//! functions the dispatcher calls), and what happened in plain words. It needs no database.
//!
//! The channel is chosen with one flag of a group (`--email`, `--webhook`, `--ntfy`), so
//! exactly one is tested per run.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use visanav_notify::{
    NtfyTarget, NtfyToken, WebhookSecret, describe, send_ntfy, send_webhook, signature_header,
    test_message_id, test_payload, test_push,
};
use visanav_sources::net::HttpClient;

use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// Send one test notification through a channel and say what happened.
    Test(TestArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("channel").required(true).args(["email", "webhook", "ntfy"])))]
pub struct TestArgs {
    /// An email address: gets a test message through the `smtp.*` settings (or, without
    /// `smtp.url`, a file in the outbox directory).
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,
    /// A webhook endpoint (https://…): gets a signed Standard Webhooks test event.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// The endpoint's secret (whsec_…). Without it a new one is made and printed once.
    #[arg(long, value_name = "whsec_…", requires = "webhook")]
    secret: Option<String>,
    /// An ntfy server and topic, as https://ntfy.example.org/mytopic: gets a test push.
    #[arg(long, value_name = "URL")]
    ntfy: Option<String>,
    /// An ntfy access token (tk_…) for a protected topic.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "VISANAV_NTFY_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
}

/// Exits 0 when the receiver accepted the test, 1 when it did not (the reason is printed).
pub async fn run(command: NotifyCommand, config: &Config) -> Result<ExitCode> {
    let NotifyCommand::Test(args) = command;
    // The same rules as the status checks: private and loopback addresses only when
    // `net.allow_private` is set.
    let monitor = &config.monitor.value;
    let client = HttpClient::new(monitor.allow_private, monitor.request_timeout);
    if let Some(to) = &args.email {
        return test_email(to, config).await;
    }
    match (&args.webhook, &args.ntfy) {
        (Some(url), _) => test_webhook(&client, url, args.secret.as_deref()).await,
        (_, Some(url)) => test_ntfy(&client, url, args.token.as_deref(), config).await,
        _ => bail!("say which channel to test: --email ADDRESS, --webhook URL or --ntfy URL"),
    }
}

/// One test email through the real mail code, with the headers notifications carry.
async fn test_email(to: &str, config: &Config) -> Result<ExitCode> {
    let to = to.trim();
    if !visanav_store::is_email_address(&visanav_store::normalise_email(to)) {
        bail!("{to:?} is not an email address; give one like maria@example.org");
    }
    let mailer = visanav_mail::Mailer::new(config.mail_config())?;
    let base = config.base_url();
    let text = format!(
        "This is a test from visanav. If you can read this, notification emails reach this \
         address.\n\nChoose what visanav sends you: {base}/account/notifications\n\n{}\n",
        visanav_core::NOT_LEGAL_ADVICE
    );
    let message = visanav_mail::Message {
        kind: "notification-test",
        to: to.to_string(),
        subject: "visanav test notification".into(),
        html: format!(
            "<p>This is a test from visanav. If you can read this, notification emails reach \
             this address.</p><p><small>{}</small></p>",
            visanav_core::NOT_LEGAL_ADVICE
        ),
        text,
        idempotency_key: None,
        unsubscribe_url: None,
        invite: None,
    };
    match mailer.send(&message).await {
        Ok(visanav_mail::Sent::Smtp { message_id }) => {
            println!("Sent: the mail server accepted the test message {message_id} for {to}.");
            Ok(ExitCode::SUCCESS)
        }
        Ok(visanav_mail::Sent::Outbox { path, .. }) => {
            println!(
                "No mail server is set (smtp.url), so the test message was written to {} \
                 instead. Set smtp.url to send for real.",
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("Not sent: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

async fn test_webhook(client: &HttpClient, url: &str, secret: Option<&str>) -> Result<ExitCode> {
    let url = url::Url::parse(url.trim()).map_err(|e| {
        anyhow::anyhow!(
            "{:?} is not a URL ({e}); give the endpoint as https://example.org/hooks",
            url.trim()
        )
    })?;
    let (secret, generated) = match secret {
        Some(text) => (WebhookSecret::parse(text)?, false),
        None => (WebhookSecret::generate()?, true),
    };
    let now = jiff::Timestamp::now();
    let msg_id = test_message_id();
    let timestamp = now.as_second();
    let body = test_payload(now);
    println!("Sending a signed test event to {url}");
    if generated {
        println!(
            "No --secret given, so visanav made one. It is shown only now; give it to the \
             receiver to check signatures:\n  {}",
            secret.expose()
        );
    } else {
        let shown = secret.expose();
        println!(
            "Signed with the secret you gave ({}…).",
            &shown[..shown.len().min(10)]
        );
    }
    let bytes = serde_json::to_vec(&body)?;
    let signature = signature_header(std::slice::from_ref(&secret), &msg_id, timestamp, &bytes);
    println!("Headers sent (Standard Webhooks):");
    println!("  webhook-id: {msg_id}");
    println!("  webhook-timestamp: {timestamp}");
    println!("  webhook-signature: {signature}");
    let result = send_webhook(
        client,
        &url,
        std::slice::from_ref(&secret),
        &msg_id,
        timestamp,
        &body,
    )
    .await;
    report(result)
}

async fn test_ntfy(
    client: &HttpClient,
    url: &str,
    token: Option<&str>,
    config: &Config,
) -> Result<ExitCode> {
    let target = NtfyTarget::from_url(url).map_err(anyhow::Error::msg)?;
    let token = token
        .map(NtfyToken::new)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let click = config
        .public_url
        .value
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok());
    println!(
        "Sending a test push to the topic on {}{}",
        target.server(),
        if token.is_some() {
            " (with the access token)"
        } else {
            ""
        }
    );
    let result = send_ntfy(client, &target, token.as_ref(), &test_push(click)).await;
    report(result)
}

/// Prints the outcome; a failure is also the command's exit status.
fn report(
    result: Result<visanav_notify::Delivered, visanav_notify::ChannelError>,
) -> Result<ExitCode> {
    let text = describe(&result);
    if result.is_ok() {
        println!("{text}");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{text}");
        Ok(ExitCode::FAILURE)
    }
}
