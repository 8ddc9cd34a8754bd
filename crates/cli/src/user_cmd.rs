//! `visanav user …`: accounts for the operator of the machine. The first admin is made here
//! (`user add EMAIL --role admin` prints a one-time sign-in link), and the local account the
//! command line acts as gets a sign-in link for the browser (`user link`).

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use jiff::{SignedDuration, Timestamp};
use visanav_store::{
    AccountId, AccountKind, NewApiToken, NewToken, StoreError, TokenPurpose, TokenScope, TxMode,
    token_lifetime, token_name,
};

use crate::Ctx;

/// How long a sign-in link printed here works.
const LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account and print a one-time sign-in link for it.
    Add {
        email: String,
        #[arg(long, value_enum, default_value_t = Role::Person)]
        role: Role,
    },
    /// Print a one-time sign-in link (default: this machine's local account).
    Link { email: Option<String> },
    /// List the accounts.
    List,
    /// Stop an account from signing in (its sessions end at once).
    Disable { email: String },
    /// Let a disabled account sign in again.
    Enable { email: String },
    /// Remove an account's second factor (after a lost phone); it sets a new one up.
    ResetMfa { email: String },
    /// Make a personal access token for the JSON API (default: this machine's local
    /// account) and print it once, alone on standard output.
    Token {
        email: Option<String>,
        /// What it may do: `read`, or `read,write`.
        #[arg(long, default_value = "read")]
        scope: String,
        /// How many days it works (1 to 366).
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// What will use it, shown in the account's token list.
        #[arg(long, default_value = "made on the command line")]
        name: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Someone with cases of their own (and possibly member of a firm).
    Person,
    /// Runs this visanav: accounts, firms, settings. Sees no case unless it is shared.
    Admin,
}

pub async fn run(command: UserCommand, ctx: &Ctx) -> Result<ExitCode> {
    let store = ctx.open_store(true).await?;
    let result = run_with(command, ctx, &store).await;
    store.close().await;
    result
}

async fn run_with(
    command: UserCommand,
    ctx: &Ctx,
    store: &visanav_store::Store,
) -> Result<ExitCode> {
    let now = Timestamp::now();
    match command {
        UserCommand::Add { email, role } => {
            check_email(&email)?;
            let kind = match role {
                Role::Person => AccountKind::Person,
                Role::Admin => AccountKind::Admin,
            };
            let mut tx = store.begin(TxMode::Write).await?;
            let id = match tx.create_account(&email, None, kind, now).await {
                Err(StoreError::Conflict { .. }) => {
                    tx.rollback().await?;
                    bail!(
                        "there is already an account for {email}; `visanav user link {email}` \
                         prints a sign-in link for it"
                    )
                }
                other => other?,
            };
            tx.mark_email_verified(&id, now).await?;
            let link = sign_in_link(&mut tx, &ctx.config.base_url(), &id, now).await?;
            tx.commit().await?;
            println!("Added {} account {email}.", kind.label());
            print_link(&link);
        }
        UserCommand::Link { email } => {
            let mut tx = store.begin(TxMode::Write).await?;
            let id = match &email {
                None => AccountId::local(),
                Some(e) => account_id(&mut tx, e).await?,
            };
            let link = sign_in_link(&mut tx, &ctx.config.base_url(), &id, now).await?;
            tx.commit().await?;
            print_link(&link);
        }
        UserCommand::List => {
            let accounts = store.list_accounts().await?;
            println!(
                "{:<38} {:<7} {:<34} {:<9} {:<7} STATE",
                "ID", "KIND", "EMAIL", "VERIFIED", "2FA"
            );
            for a in accounts {
                println!(
                    "{:<38} {:<7} {:<34} {:<9} {:<7} {}",
                    a.id,
                    a.kind.label(),
                    a.email.as_deref().unwrap_or("(this machine)"),
                    if a.email_verified { "yes" } else { "no" },
                    if a.totp_enabled { "on" } else { "off" },
                    if a.disabled { "disabled" } else { "active" }
                );
            }
        }
        UserCommand::Disable { email } => {
            let mut tx = store.begin(TxMode::Write).await?;
            let id = account_id(&mut tx, &email).await?;
            tx.set_disabled(&id, Some(now)).await?;
            tx.audit_account(&id, None, "account_disabled", "by the operator", now)
                .await?;
            tx.commit().await?;
            println!("Disabled {email}; its sessions have ended.");
        }
        UserCommand::Enable { email } => {
            let mut tx = store.begin(TxMode::Write).await?;
            let id = account_id(&mut tx, &email).await?;
            tx.set_disabled(&id, None).await?;
            tx.commit().await?;
            println!("Enabled {email}.");
        }
        UserCommand::ResetMfa { email } => {
            let mut tx = store.begin(TxMode::Write).await?;
            let id = account_id(&mut tx, &email).await?;
            tx.set_totp(&id, None).await?;
            tx.delete_sessions(&id, None).await?;
            tx.audit_account(&id, None, "second_factor_reset", "by the operator", now)
                .await?;
            tx.commit().await?;
            println!(
                "Removed the second factor of {email} and ended its sessions; it sets a new one \
                 up at its next sign-in."
            );
        }
        UserCommand::Token {
            email,
            scope,
            days,
            name,
        } => {
            let Some(scope) = TokenScope::parse(&scope) else {
                bail!("--scope {scope:?} is not a scope; give read, or read,write");
            };
            let lifetime =
                token_lifetime(days).map_err(|e| anyhow::anyhow!("--days {days}: {e}"))?;
            let name = token_name(&name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let mut tx = store.begin(TxMode::Write).await?;
            let account = match &email {
                None => AccountId::local(),
                Some(e) => account_id(&mut tx, e).await?,
            };
            let (token, hash) = visanav_auth::new_api_token();
            tx.create_api_token(
                NewApiToken {
                    hash: &hash,
                    account: &account,
                    name: &name,
                    scope,
                    // The operator holds the machine's keys: as good as a second factor.
                    second_factor: true,
                    lifetime,
                },
                now,
            )
            .await?;
            tx.commit().await?;
            eprintln!(
                "A {} token for {}, working for {days} days. It is shown only now; send it as \
                 'Authorization: Bearer TOKEN'.",
                scope.as_str(),
                email.as_deref().unwrap_or("this machine's local account")
            );
            println!("{}", token.expose());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check_email(email: &str) -> Result<()> {
    if !visanav_store::is_email_address(email) {
        bail!("{email:?} is not an email address; give one such as ana@example.org");
    }
    Ok(())
}

/// The account with this address, or an error naming the fix.
pub async fn account_id(tx: &mut visanav_store::Tx<'_>, email: &str) -> Result<AccountId> {
    match tx.credentials(email).await? {
        Some(c) => Ok(c.account.id),
        None => bail!("there is no account for {email}; `visanav user list` shows them"),
    }
}

/// A one-time sign-in link for `account` on the server at `base_url` (24 hours, one use).
pub(crate) async fn sign_in_link(
    tx: &mut visanav_store::Tx<'_>,
    base_url: &str,
    account: &AccountId,
    now: Timestamp,
) -> Result<String> {
    let (token, hash) = visanav_auth::new_token();
    tx.create_token(
        NewToken {
            hash: &hash,
            purpose: TokenPurpose::SignIn,
            account: Some(account),
            email: None,
            subject: None,
            subject_secret: None,
            lifetime: LINK_LIFETIME,
        },
        now,
    )
    .await?;
    Ok(format!("{base_url}/sign-in/link?token={}", token.expose()))
}

fn print_link(link: &str) {
    println!("Sign in once with this link (it works for 24 hours, one time):");
    println!("  {link}");
}
