//! `visanav bench-seed` (hidden from help): fills a database for the dashboard benchmark
//! (`scripts/dashboard-bench.sh`) straight through the store, which is far faster than
//! thousands of HTTP calls: a firm of N members, and M cases of invented clients, each shared
//! with the firm and accepted, in a spread of stages, posts, dates and names (some with
//! diacritics), most of them assigned. The first member gets a second factor whose secret is
//! printed, so the benchmark can sign in as a real member would.
//!
//! Never for a real database: everything it writes is invented, and it says so in the names.

use std::process::ExitCode;

use anyhow::{Result, bail};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use visanav_core::casefile::{CaseFile, Format, Person, Refusal, StatusObservation};
use visanav_core::ids::CeacCaseNumber;
use visanav_core::knowledge::{KVisaHandling, StatusSource};
use visanav_store::{AccountKind, Actor, DuplicatePolicy, FirmRole, Store, TxMode};

use crate::Ctx;

#[derive(clap::Args, Debug)]
pub struct SeedArgs {
    /// How many cases.
    #[arg(long, default_value_t = 10_000)]
    cases: u32,
    /// How many members the firm has.
    #[arg(long, default_value_t = 50)]
    members: u32,
    /// Cases per transaction.
    #[arg(long, default_value_t = 250)]
    batch: u32,
    /// Give each case an invented passport number and watch it on CEAC, due now: for the
    /// status monitoring benchmark (`scripts/monitor-bench.sh`).
    #[arg(long)]
    monitor: bool,
    /// Give each firm member a webhook endpoint at this address (and turn their email off):
    /// for the notifications benchmark (`scripts/notify-bench.sh` with CHANNEL=webhook).
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
}

const EXAMPLE: &str = include_str!("../../../examples/k1-manila-221g.toml");

const GIVEN: &[&str] = &[
    "María José",
    "Nguyễn Thị",
    "José",
    "Ana",
    "Lucía",
    "Maria Clara",
    "Thanh",
    "Siti",
    "Oluwaseun",
    "Ewa",
    "Zoë",
    "Chloé",
    "Łukasz",
    "Ngọc Anh",
    "Camille",
    "Inês",
    "Wei",
    "Fatima",
    "João",
    "Renée",
];
const SURNAMES: &[&str] = &[
    "Santos",
    "Núñez",
    "Trần",
    "Reyes",
    "Cruz",
    "García",
    "Nguyễn",
    "Okafor",
    "Kowalska",
    "Dubois",
    "Pereira",
    "Müller",
    "Wang",
    "Haddad",
    "Lê",
    "Gómez",
    "Dela Cruz",
    "Ramírez",
    "Søndergaard",
    "O'Brien",
];
const NATIONALITIES: &[&str] = &["PH", "VN", "MX", "CO", "BR", "NG", "PL", "FR", "CN", "DO"];

/// A small deterministic generator: the same seed gives the same database.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

pub async fn run(args: SeedArgs, ctx: &Ctx) -> Result<ExitCode> {
    if args.cases == 0 || args.members == 0 {
        bail!("give at least one case and one member");
    }
    let store = ctx.open_store(true).await?;
    let result = seed(&args, ctx, &store).await;
    store.close().await;
    result
}

async fn seed(args: &SeedArgs, ctx: &Ctx, store: &Store) -> Result<ExitCode> {
    let now = Timestamp::now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let k = &ctx.knowledge;
    let base = CaseFile::parse(EXAMPLE, Format::Toml, k, today)?;
    let posts: Vec<String> = k
        .posts
        .iter()
        .filter(|p| p.k_visas == KVisaHandling::Processed)
        .map(|p| p.code.clone())
        .take(25)
        .collect();
    let posts = if posts.is_empty() {
        vec!["MNL".to_string()]
    } else {
        posts
    };

    // The firm and its members; the first is the owner, with a second factor.
    let run_id = &uuid_like(now);
    let mut tx = store.begin(TxMode::Write).await?;
    let mut members = Vec::new();
    for m in 1..=args.members {
        let email = format!("member{m:02}-{run_id}@bench.example");
        let id = tx
            .create_account(&email, None, AccountKind::Person, now)
            .await?;
        tx.mark_email_verified(&id, now).await?;
        members.push((id, email));
    }
    let (owner, owner_email) = members[0].clone();
    let firm = tx.create_firm("Bench Law (invented)", &owner, now).await?;
    for (i, (id, _)) in members.iter().enumerate().skip(1) {
        let role = if i % 3 == 0 {
            FirmRole::Paralegal
        } else {
            FirmRole::Attorney
        };
        tx.add_member(&firm, id, role, now).await?;
    }
    let secret = visanav_auth::TotpSecret::generate();
    tx.set_totp(&owner, Some(secret.as_bytes())).await?;
    if let Some(url) = &args.webhook {
        let hook_secret = visanav_notify::WebhookSecret::generate()
            .map_err(anyhow::Error::msg)?
            .expose();
        let no_email = visanav_store::NotificationPrefs {
            email_enabled: false,
            ..Default::default()
        };
        for (id, _) in &members {
            let member = Actor::account(id.clone());
            tx.add_webhook_endpoint(&member, url, &hook_secret, now)
                .await?;
            tx.set_notification_prefs(&member, &no_email, now).await?;
        }
    }
    tx.commit().await?;
    let owner_actor = Actor::operator(owner.clone());

    let mut rng = Lcg(0x5eed);
    let mut sample = None;
    let started = std::time::Instant::now();
    let mut made = 0u32;
    while made < args.cases {
        let n = args.batch.min(args.cases - made);
        let mut tx = store.begin(TxMode::Write).await?;
        for _ in 0..n {
            let i = made;
            made += 1;
            let mut case = invented_case(&base, &mut rng, &posts, i, today)?;
            if args.monitor {
                case.passport_number = Some(
                    visanav_core::ids::PassportNumber::parse(&format!("B{i:08}"))
                        .map_err(anyhow::Error::msg)?,
                );
            }
            let email = format!("client{i:05}-{run_id}@bench.example");
            let client = tx
                .create_account(&email, None, AccountKind::Person, now)
                .await?;
            let client = Actor::account(client);
            let id = tx
                .create_case(&client, &case, now, DuplicatePolicy::Allow)
                .await?;
            if args.monitor {
                tx.set_monitoring(
                    &client,
                    &id,
                    visanav_core::monitor::CheckSource::Ceac,
                    true,
                    now,
                    now,
                )
                .await?;
            }
            let share = tx.offer_share(&client, &id, Some(&firm), now).await?;
            tx.answer_share(&owner_actor, &share, true, now).await?;
            // Most cases are assigned; some wait for someone to take them.
            if rng.below(10) < 7 {
                let (to, _) = &members[rng.below(members.len())];
                tx.assign_case(&owner_actor, &firm, &id, Some(to), now)
                    .await?;
            }
            sample.get_or_insert(id);
        }
        tx.commit().await?;
        eprintln!(
            "bench-seed: {made}/{} cases ({:.1} s)",
            args.cases,
            started.elapsed().as_secs_f64()
        );
    }
    // As an operator would after a bulk load: the planner should know the data it plans for.
    store.analyze().await?;
    println!("firm={firm}");
    println!("member={owner_email}");
    println!("totp_secret={}", secret.to_base32().expose());
    println!("cases={made}");
    if let Some(id) = sample {
        println!("sample_case={id}");
    }
    println!("seconds={:.1}", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// A short, unique-enough tag for this run's invented addresses.
fn uuid_like(now: Timestamp) -> String {
    format!("{:x}", now.as_millisecond())
}

/// One invented case in one of six stages, dated around `today`.
fn invented_case(
    base: &CaseFile,
    rng: &mut Lcg,
    posts: &[String],
    i: u32,
    today: Date,
) -> Result<CaseFile> {
    let mut c = base.clone();
    let post = &posts[rng.below(posts.len())];
    c.post = post.clone();
    let number = format!("{post}{:010}", 2_025_000_000 + u64::from(i));
    c.ceac_case_number = Some(CeacCaseNumber::parse(&number).map_err(anyhow::Error::msg)?);
    c.passport_number = None;
    c.beneficiary = Some(Person {
        given_names: Some(rng.pick(GIVEN).to_string()),
        surname: Some(rng.pick(SURNAMES).to_string()),
        date_of_birth: None,
        nationality: Some(rng.pick(NATIONALITIES).to_string()),
    });
    c.surname = c.beneficiary.as_ref().and_then(|b| b.surname.clone());
    let days_ago = |n: usize| today.checked_sub((n as i64).days());
    let refused_on = days_ago(rng.below(420))?;
    let observed = |on: Date, status: &str| StatusObservation {
        on,
        status: status.to_string(),
        last_updated: Some(on),
        source: StatusSource::Ceac,
    };
    c.status.retain(|s| s.source == StatusSource::Uscis);
    c.status
        .push(observed(refused_on.checked_sub(40.days())?, "At NVC"));
    c.refusal = None;
    c.visa_issued_on = None;
    c.entered_us_on = None;
    c.interview_on = Some(refused_on);
    match i % 6 {
        // Before the interview: no refusal yet.
        0 => {
            c.interview_on = Some(today.checked_add((rng.below(60) as i64 + 1).days())?);
            c.status
                .push(observed(today.checked_sub(10.days())?, "Ready"));
        }
        // Refused under 221(g), documents requested.
        1 | 2 => {
            c.status.push(observed(refused_on, "Refused"));
            c.refusal = Some(Refusal {
                on: refused_on,
                ..base.refusal.clone().unwrap_or_else(|| Refusal {
                    on: refused_on,
                    sections: vec!["221(g)".into()],
                    requested: Vec::new(),
                    submitted_on: None,
                    notes: None,
                })
            });
        }
        // Documents sent; administrative processing since.
        3 => {
            c.status.push(observed(refused_on, "Refused"));
            let sent = refused_on.checked_add(20.days())?.min(today);
            c.status.push(observed(sent, "Administrative Processing"));
            c.refusal = base.refusal.clone().map(|r| Refusal {
                on: refused_on,
                submitted_on: Some(sent),
                ..r
            });
        }
        // Issued.
        4 => {
            let issued = refused_on.checked_add(30.days())?.min(today);
            c.status.push(observed(issued, "Issued"));
            c.visa_issued_on = Some(issued);
        }
        // In the United States, the 90 days running.
        _ => {
            let issued = today.checked_sub((rng.below(80) as i64 + 10).days())?;
            c.status.push(observed(issued, "Issued"));
            c.visa_issued_on = Some(issued);
            c.entered_us_on = Some(issued.checked_add(5.days())?.min(today));
        }
    }
    Ok(c)
}
