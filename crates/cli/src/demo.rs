//! `visanav serve --demo`: a living example on a database of its own (never the user's),
//! re-made at every start: a clearly marked demo firm with an attorney and a paralegal, and
//! applicants whose K-1 cases stand where real ones do (a fresh 221(g), five months of
//! administrative processing, a deadline in 12 days, issued, in the United States). The
//! attorney takes consultation requests, so the firm's public booking page has free times.

use std::path::PathBuf;

use anyhow::{Context, Result};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use visanav_core::casefile::{CaseFile, Format};
use visanav_core::consult::{Availability, Interval};
use visanav_core::knowledge::Knowledge;
use visanav_store::{
    AccountId, AccountKind, Actor, DuplicatePolicy, FirmRole, NewConsultType, Store, TxMode,
};

use crate::config::{Config, Secret};

/// Demo addresses use the reserved `.invalid` domain: no mail can ever reach anyone.
pub const ATTORNEY: &str = "attorney@demo.visanav.invalid";
pub const PARALEGAL: &str = "paralegal@demo.visanav.invalid";
pub const APPLICANT: &str = "maria@demo.visanav.invalid";
/// Shown on screen and in the README: these accounts exist only in the demo database.
pub const PASSWORD: &str = "demo-password-not-secret";
/// The attorney's second factor, fixed so the browser test and a newcomer can use it.
pub const ATTORNEY_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
pub const FIRM: &str = "DEMO · Rivera Immigration Law (not a real firm)";
/// How the demo attorney appears on booking pages, and the zone of their working hours.
const ATTORNEY_NAME: &str = "Elena Rivera (demo attorney)";
const ATTORNEY_ZONE: &str = "America/New_York";
/// The demo attorney's consultation types: (name, minutes, price).
const CONSULT_TYPES: &[(&str, u32, &str)] = &[
    ("First consultation (free)", 30, "Free"),
    ("Full case review, $150", 60, "$150"),
];

/// The first demo case's identifiers, known to the demo's fake CEAC and USCIS.
const DEMO_CASE_NUMBER: &str = "MNL2026500001";
const DEMO_PASSPORT: &str = "P0000001D";
const DEMO_RECEIPT: &str = "IOE0900000001";

/// The demo's fake CEAC status tracker and USCIS API (`visanav fake-upstream`, in process, on
/// loopback), with Maria's case in a cases file a newcomer can edit to watch a change arrive.
/// Returns the fake's address and the file. Never the real sites: the demo says so.
pub async fn start_fake_sources(
    dir: &std::path::Path,
    now: Timestamp,
) -> Result<(String, PathBuf)> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let refused_on = days_ago(today, 6);
    let file = dir.join("demo-ceac-and-uscis.toml");
    let shown = |d: Date| d.to_string();
    std::fs::write(
        &file,
        format!(
            "# The demo's fake CEAC and USCIS (not the real sites). Change Maria's status here,\n\
             # e.g. to \"Issued\" with a newer last_updated, then press \"Check CEAC now\".\n\
             [ceac]\nmode = \"normal\"\n\n[[ceac.cases]]\nkind = \"IV\"\n\
             case_number = \"{DEMO_CASE_NUMBER}\"\npassport = \"{DEMO_PASSPORT}\"\nsurname = \"SANTO\"\n\
             status = \"Refused\"\ncreated = \"{}\"\nlast_updated = \"{}\"\n\
             message = \"A U.S. consular officer has adjudicated and refused your visa application.  Please see the letter you received at the interview.\"\n\n\
             [uscis]\nmode = \"normal\"\nclient_id = \"demo-client\"\nclient_secret = \"demo-secret\"\n\
             token_ttl_seconds = 1799\ntps = 5\n\n[[uscis.cases]]\nreceipt = \"{DEMO_RECEIPT}\"\n\
             form_type = \"I-129F\"\nstatus = \"Case Was Approved\"\n\
             description = \"We approved your Form I-129F, Petition for Alien Fiance(e), and sent the case to the Department of State.\"\n\
             history = [{{ date = \"{}\", text = \"We received your Form I-129F, Petition for Alien Fiance(e).\" }}, \
             {{ date = \"{}\", text = \"We approved your Form I-129F, Petition for Alien Fiance(e).\" }}]\n",
            shown(days_ago(today, 120)),
            shown(refused_on),
            shown(days_ago(today, 300)),
            shown(days_ago(today, 66)),
        ),
    )
    .with_context(|| format!("cannot write {}", file.display()))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot start the demo's fake CEAC on loopback")?;
    let url = format!("http://{}", listener.local_addr()?);
    let config = visanav_sources::fake::FakeConfig {
        cases_file: file.clone(),
    };
    tokio::spawn(async move {
        if let Err(e) = visanav_sources::fake::serve(listener, config).await {
            tracing::error!(error = %e, "the demo's fake CEAC stopped");
        }
    });
    Ok((url, file))
}

/// Points the configuration at the demo's own directory, database and key.
pub fn use_demo_database(config: &mut Config) -> Result<()> {
    let dir = config.data_dir.value.join("demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot clear the demo directory {}", dir.display()))?;
    }
    config.database_url.value = Secret::new(format!(
        "sqlite://{}",
        dir.join("visanav-demo.db").display()
    ));
    config.key_file.value = dir.join("demo.key");
    config.data_dir.value = dir;
    Ok(())
}

/// One demo applicant: their address, a case file, and what it shows.
struct DemoCase {
    email: &'static str,
    what: &'static str,
    toml: String,
}

fn days_ago(today: Date, n: i64) -> Date {
    today.checked_sub(n.days()).unwrap_or(today)
}

fn demo_cases(today: Date) -> Vec<DemoCase> {
    let d = |n| days_ago(today, n).to_string();
    let named = |given: &str, surname: &str, nationality: &str| {
        format!(
            "[beneficiary]\ngiven_names = \"{given}\"\nsurname = \"{surname}\"\nnationality = \"{nationality}\"\n"
        )
    };
    let refused = |n: i64, number: &str, docs: &str, who: String| {
        format!(
            "visa = \"K-1\"\npost = \"MNL\"\nceac_case_number = \"{number}\"\n\
             petition_approved_on = {}\ninterview_on = {}\n{who}\
             [[status]]\non = {}\nstatus = \"Refused\"\nsource = \"ceac\"\n\
             [refusal]\non = {}\nsections = [\"221(g)\"]\nrequested = [{docs}]\n",
            d(n + 60),
            d(n),
            d(n),
            d(n),
        )
    };
    vec![
        DemoCase {
            email: APPLICANT,
            what: "a fresh 221(g) with documents missing",
            toml: refused(
                6,
                "MNL2026500001",
                "\"police_certificate\", \"relationship_evidence\"",
                format!(
                    "passport_number = \"{DEMO_PASSPORT}\"\nsurname = \"Santos\"\n\
                     uscis_receipt = \"{DEMO_RECEIPT}\"\n{}",
                    named("Maria", "Santos (demo)", "PH")
                ),
            ),
        },
        DemoCase {
            email: "ana@demo.visanav.invalid",
            what: "administrative processing for five months",
            toml: refused(152, "MNL2025500002", "", named("Ana", "Reyes (demo)", "PH"))
                + &format!(
                    "[[status]]\non = {}\nstatus = \"Administrative Processing\"\nsource = \"ceac\"\n",
                    d(150)
                ),
        },
        DemoCase {
            email: "li@demo.visanav.invalid",
            what: "the one-year 221(g) deadline in 12 days",
            toml: refused(
                353,
                "MNL2025500003",
                "\"police_certificate\"",
                named("Li", "Mendoza (demo)", "PH"),
            ),
        },
        DemoCase {
            email: "sam@demo.visanav.invalid",
            what: "visa issued",
            toml: format!(
                "visa = \"K-1\"\npost = \"MNL\"\nceac_case_number = \"MNL2026500004\"\n\
                 petition_approved_on = {}\ninterview_on = {}\nvisa_issued_on = {}\n{}\
                 [[status]]\non = {}\nstatus = \"Issued\"\nsource = \"ceac\"\n",
                d(120),
                d(30),
                d(25),
                named("Sam", "Cruz (demo)", "PH"),
                d(25)
            ),
        },
        DemoCase {
            email: "jo@demo.visanav.invalid",
            what: "entered the United States; the 90 days to marry are running",
            toml: format!(
                "visa = \"K-1\"\npost = \"MNL\"\nceac_case_number = \"MNL2026500005\"\n\
                 petition_approved_on = {}\ninterview_on = {}\nvisa_issued_on = {}\nentered_us_on = {}\n{}\
                 [[status]]\non = {}\nstatus = \"Issued\"\nsource = \"ceac\"\n",
                d(200),
                d(100),
                d(95),
                d(40),
                named("Jo", "Bautista (demo)", "PH"),
                d(95)
            ),
        },
    ]
}

/// What the demo prints: who can sign in, and how.
pub struct DemoPeople {
    /// The code applicants enter to share a case with the demo firm.
    pub firm_code: String,
    pub lines: Vec<String>,
}

async fn person(
    tx: &mut visanav_store::Tx<'_>,
    email: &str,
    password_hash: &str,
    now: Timestamp,
) -> Result<AccountId> {
    let id = tx
        .create_account(email, Some(password_hash), AccountKind::Person, now)
        .await?;
    tx.mark_email_verified(&id, now).await?;
    Ok(id)
}

/// The demo attorney takes consultation requests: weekdays 09:00–17:00 in New York, a free
/// first consultation and a paid case review, so the firm's booking page (`/book/{firm}`) and
/// a case's "book a consultation" have times to pick.
async fn offer_consultations(
    tx: &mut visanav_store::Tx<'_>,
    attorney: &Actor,
    firm: &str,
    now: Timestamp,
) -> Result<()> {
    let mut hours = Availability::default_in(ATTORNEY_ZONE);
    for day in hours.weekly.days.iter_mut().take(5) {
        *day = vec![Interval::hm(9, 0, 17, 0)];
    }
    hours
        .validate()
        .map_err(|e| anyhow::anyhow!("the demo attorney's hours: {e}"))?;
    tx.save_offer(
        attorney,
        firm,
        ATTORNEY_NAME,
        &serde_json::to_string(&hours)?,
        true,
        now,
    )
    .await?;
    for (name, minutes, price) in CONSULT_TYPES {
        let new = NewConsultType {
            name: (*name).to_string(),
            minutes: *minutes,
            price_text: (*price).to_string(),
            location: "Video call (demo: the link would come with the confirmation)".to_string(),
        };
        tx.add_consult_type(attorney, firm, &new, now).await?;
    }
    Ok(())
}

/// Fills the (empty) demo database.
pub async fn seed(
    store: &Store,
    k: &Knowledge,
    base_url: &str,
    now: Timestamp,
) -> Result<DemoPeople> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let hash = visanav_auth::hash_password(PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
    let mut tx = store.begin(TxMode::Write).await?;
    let attorney = person(&mut tx, ATTORNEY, &hash, now).await?;
    let secret = visanav_auth::totp::TotpSecret::from_base32(ATTORNEY_TOTP)
        .map_err(|e| anyhow::anyhow!("demo second factor: {e:?}"))?;
    tx.set_totp(&attorney, Some(secret.as_bytes())).await?;
    let paralegal = person(&mut tx, PARALEGAL, &hash, now).await?;
    tx.set_totp(&paralegal, Some(secret.as_bytes())).await?;
    let firm = tx.create_firm(FIRM, &attorney, now).await?;
    tx.add_member(&firm, &paralegal, FirmRole::Paralegal, now)
        .await?;
    let firm_side = Actor::operator(attorney.clone());
    offer_consultations(&mut tx, &firm_side, &firm, now).await?;
    let mut lines = Vec::new();
    for c in demo_cases(today) {
        let owner = person(&mut tx, c.email, &hash, now).await?;
        let case = CaseFile::parse(&c.toml, Format::Toml, k, today)
            .with_context(|| format!("demo case for {}", c.email))?;
        let actor = Actor::account(owner.clone());
        let id = tx
            .create_case(&actor, &case, now, DuplicatePolicy::Allow)
            .await?;
        let share = tx.offer_share(&actor, &id, Some(&firm), now).await?;
        tx.answer_share(&firm_side, &share, true, now).await?;
        lines.push(format!("  {:<28} {}", c.email, c.what));
        if c.email == APPLICANT {
            let link = crate::user_cmd::sign_in_link(&mut tx, base_url, &owner, now).await?;
            lines.push(format!("    sign in as this applicant: {link}"));
        }
    }
    tx.commit().await?;
    Ok(DemoPeople {
        firm_code: firm,
        lines,
    })
}
