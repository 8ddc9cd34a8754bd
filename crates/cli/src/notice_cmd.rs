//! `visanav notice read FILE|- [--post CODE] [--json]`: a 221(g) notice to a checklist.
//!
//! Text (a `.txt` file or pasted on standard input) is read directly. PDFs go through
//! `pdftotext` (Debian package poppler-utils), and scanned PDFs and photos through OCR
//! (`pdftoppm` and `tesseract`, Debian package tesseract-ocr), the same extraction the web
//! upload uses. The reading itself is `visanav_core::notice`, which is pure. With
//! `--case ID --apply` the confirmed reading is saved to the case.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::checklist::{
    Corrections, NoticeDeadline, confirmed_reading_json, notice_deadline, refusal_from_reading,
};
use visanav_core::fit::{Answers, Episode, Unanswered, check_answers};
use visanav_core::knowledge::Knowledge;
use visanav_core::notice::{MAX_NOTICE_BYTES, NoticeKind, NoticeReader, NoticeReading};
use visanav_core::plan::today_at_post;
use visanav_extract::{self as extract, MAX_UPLOAD_BYTES, Method};
use visanav_store::{
    Actor, DuplicatePolicy, EpisodeChoice, NewNotice, Store, StoreError, StoredCase,
};

use crate::Ctx;

#[derive(Subcommand, Debug)]
pub enum NoticeCommand {
    /// Read a 221(g) notice (text, PDF or photo; `-` reads pasted text from standard input).
    Read(ReadArgs),
    /// List the notices saved with a case.
    List {
        /// The case id (or unique prefix).
        case: String,
    },
    /// Write a saved notice's original file to standard output (or --out FILE).
    Original {
        /// The case id (or unique prefix).
        case: String,
        /// Which notice, as numbered by `visanav notice list` (default: the latest).
        number: Option<usize>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
}

#[derive(Args, Debug)]
pub struct ReadArgs {
    /// The notice: a .txt, .pdf, .png or .jpg file, or `-` for text on standard input.
    pub file: String,
    /// The CEAC post code (e.g. MNL), when the notice does not name the embassy.
    #[arg(long)]
    pub post: Option<String>,
    /// Print the reading as JSON.
    #[arg(long)]
    pub json: bool,
    /// The case the notice belongs to (id or unique prefix); its post is the default --post.
    #[arg(long, value_name = "ID")]
    pub case: Option<String>,
    /// Save the reading to --case: the refusal episode, its checklist and the notice itself.
    #[arg(long, requires = "case")]
    pub apply: bool,
    /// Save without asking for confirmation.
    #[arg(long, requires = "apply")]
    pub yes: bool,
    /// Correct the reading: a document id the notice asks for that the reader missed.
    #[arg(long, value_name = "DOCUMENT", requires = "apply")]
    pub add: Vec<String>,
    /// Correct the reading: a document id the reader got wrong.
    #[arg(long, value_name = "DOCUMENT", requires = "apply")]
    pub remove: Vec<String>,
    /// Correct the reading: the refusal date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = crate::cases::parse_today, requires = "apply")]
    pub refused_on: Option<jiff::civil::Date>,
    /// The notice is about the refusal the case already records (its date is corrected to
    /// the notice's, or to --refused-on; notes are kept).
    #[arg(long, requires = "apply", conflicts_with = "new_refusal")]
    pub same_refusal: bool,
    /// The notice is about a new refusal (for example after resubmitting): a new checklist.
    #[arg(long, requires = "apply")]
    pub new_refusal: bool,
    /// Save even though the notice's case number or post differs from the case's.
    #[arg(long, requires = "apply")]
    pub this_case: bool,
    /// Save even if this same file was saved to the case before (its reading is replaced).
    #[arg(long, requires = "apply")]
    pub force: bool,
    /// Judge dates against this day instead of today (YYYY-MM-DD).
    #[arg(long, value_parser = crate::cases::parse_today)]
    pub today: Option<jiff::civil::Date>,
}

pub async fn run(command: NoticeCommand, ctx: &Ctx) -> Result<ExitCode> {
    match command {
        NoticeCommand::Read(args) => read(args, ctx).await,
        NoticeCommand::List { case } => {
            let (id, notices) = saved(ctx, &case).await?;
            if notices.is_empty() {
                println!(
                    "No notices saved with case {id}. Add one with: visanav notice read FILE --case {} --apply",
                    id.short()
                );
            }
            for (i, n) in notices.iter().enumerate() {
                let when = jiff::Timestamp::from_millisecond(n.created_ms)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                println!(
                    "{:>3}  {}  {:<26} {:<16} {} bytes",
                    i + 1,
                    &when[..when.len().min(10)],
                    n.kind,
                    n.media_type,
                    n.original.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        NoticeCommand::Original { case, number, out } => {
            let (id, notices) = saved(ctx, &case).await?;
            let index = number.unwrap_or(notices.len());
            let Some(n) = index.checked_sub(1).and_then(|i| notices.get(i)) else {
                bail!(
                    "case {id} has {} saved notice(s); `visanav notice list {}` numbers them",
                    notices.len(),
                    id.short()
                );
            };
            match out {
                Some(path) => {
                    std::fs::write(&path, &n.original)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Wrote the {} notice to {}.", n.media_type, path.display());
                }
                None => std::io::stdout().write_all(&n.original)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn saved(
    ctx: &Ctx,
    case: &str,
) -> Result<(visanav_store::CaseId, Vec<visanav_store::StoredNotice>)> {
    let store = ctx.open_store(true).await?;
    let id = store.resolve_case(&ctx.actor, case).await?;
    let notices = store.list_notices(&ctx.actor, &id).await;
    store.close().await;
    Ok((id, notices?))
}

/// The two questions asked before a notice is saved to a case: is it this case's notice,
/// and which refusal is it about? Answered by the person through flags, never guessed.
fn fits_the_case(
    args: &ReadArgs,
    reading: &NoticeReading,
    case: &visanav_core::casefile::CaseFile,
    refused_on: jiff::civil::Date,
) -> std::result::Result<EpisodeChoice, String> {
    let answers = Answers {
        this_case: args.this_case,
        episode: if args.new_refusal {
            Some(Episode::New)
        } else if args.same_refusal {
            Some(Episode::Same)
        } else {
            None
        },
    };
    match check_answers(reading, case, refused_on, answers) {
        Ok(Episode::New) => Ok(EpisodeChoice::New),
        Ok(Episode::Same) => Ok(EpisodeChoice::Latest),
        Err(Unanswered::OtherCase(signs)) => Err(format!(
            "this notice may be for another case.\n  - {}\nIf it is for this case, run again \
             with --this-case; otherwise save it to the right case with --case.",
            signs.join("\n  - ")
        )),
        Err(Unanswered::WhichRefusal(c)) => Err(format!(
            "your case records a refusal on {}, and this notice is being saved with {}. \
             If it is the same refusal, run again with --same-refusal (add --refused-on DATE \
             to choose the right date; your notes are kept). If it is a new refusal, run \
             again with --new-refusal.",
            c.recorded, c.notice
        )),
    }
}

/// `--post`, checked against the knowledge base and upper-cased.
fn checked_post(k: &Knowledge, post: Option<&str>) -> Result<Option<String>> {
    let Some(p) = post else {
        return Ok(None);
    };
    let code = p.trim().to_ascii_uppercase();
    if k.post(&code).is_none() {
        let hints = k.suggest_posts(p);
        let hint = if hints.is_empty() {
            "see `visanav knowledge posts`".to_string()
        } else {
            format!("did you mean {}?", hints.join(", "))
        };
        bail!("--post {p:?} is not a CEAC post code visanav knows; {hint}");
    }
    Ok(Some(code))
}

/// The case named by `--case`, with the store it was read from (kept open for `--apply`).
async fn open_case(ctx: &Ctx, query: Option<&str>) -> Result<Option<(Store, StoredCase)>> {
    let Some(q) = query else {
        return Ok(None);
    };
    let store = ctx.open_store(true).await?;
    let stored = store.find_case(&ctx.actor, q).await?;
    Ok(Some((store, stored)))
}

async fn read(args: ReadArgs, ctx: &Ctx) -> Result<ExitCode> {
    // The one clock read: "today" is the date at the notice's post at this instant.
    let now = jiff::Timestamp::now();
    let k = &ctx.knowledge;
    let post = checked_post(k, args.post.as_deref())?;
    // With a case, its post is the default and the store is opened once.
    let case = open_case(ctx, args.case.as_deref()).await?;
    let case_post = case.as_ref().map(|(_, c)| c.case.post.clone());
    let file = args.file.clone();
    let extractor = extract::Extractor::new(ctx.config.extract_config());
    let (original, media_type, text, method) =
        tokio::task::spawn_blocking(move || load(&file, &extractor))
            .await
            .context("reading the notice")??;
    // `--post` wins; a case's post serves only when the notice names none, so a notice from
    // another post is shown as such before it is applied.
    let reader = NoticeReader::new(k);
    let reading = match (&post, &case_post) {
        (None, Some(cp)) => reader.read_for_case(&text, cp),
        _ => reader.read(&text, post.as_deref()),
    }
    .with_context(|| format!("reading {}", args.file))?;
    let post = post.or(case_post);
    let today = args.today.unwrap_or_else(|| {
        let at = reading.post.as_deref().or(post.as_deref()).unwrap_or("");
        today_at_post(k, at, now)
    });
    let deadline = notice_deadline(k, &reading, today);
    print_reading(k, &reading, method, deadline.as_ref(), args.json)?;
    let Some((store, stored)) = case else {
        return Ok(ExitCode::SUCCESS);
    };
    if !args.apply {
        store.close().await;
        eprintln!(
            "Nothing saved. To save this to case {}, run the same command with --apply \
             (and --add/--remove DOCUMENT or --refused-on DATE to correct it).",
            stored.id
        );
        return Ok(ExitCode::SUCCESS);
    }
    let notice = Notice {
        reading: &reading,
        media_type: &media_type,
        original: &original,
        read_at: now,
    };
    let result = apply(k, &ctx.actor, &args, &store, &stored, notice, today).await;
    store.close().await;
    result
}

fn print_reading(
    k: &Knowledge,
    reading: &NoticeReading,
    method: Method,
    deadline: Option<&NoticeDeadline>,
    json: bool,
) -> Result<()> {
    if !json {
        print!("{}", human(k, reading, method, deadline));
        return Ok(());
    }
    let mut v = serde_json::to_value(reading)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("input".into(), json!(method.as_str()));
        obj.insert(
            "reconsideration_deadline".into(),
            serde_json::to_value(deadline)?,
        );
        obj.insert("disclaimer".into(), json!(NOT_LEGAL_ADVICE));
    }
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

/// The notice as read and as uploaded, to save with the case.
struct Notice<'a> {
    reading: &'a NoticeReading,
    media_type: &'a str,
    original: &'a [u8],
    /// When it was read: the command's one clock read.
    read_at: jiff::Timestamp,
}

/// `--apply`: the corrected reading, confirmed, saved to the case. The caller closes the
/// store.
async fn apply(
    k: &Knowledge,
    actor: &Actor,
    args: &ReadArgs,
    store: &Store,
    stored: &StoredCase,
    notice: Notice<'_>,
    today: jiff::civil::Date,
) -> Result<ExitCode> {
    let reading = notice.reading;
    let corrections = Corrections {
        refused_on: args.refused_on,
        add: args.add.clone(),
        remove: args.remove.clone(),
        only: None,
    };
    let refusal = refusal_from_reading(reading, &corrections, k, stored.case.interview_on, today)
        .map_err(|problems| {
        anyhow::anyhow!("nothing was saved:\n  - {}", problems.join("\n  - "))
    })?;
    let episode = fits_the_case(args, reading, &stored.case, refusal.on)
        .map_err(|problem| anyhow::anyhow!("nothing was saved: {problem}"))?;
    let names: Vec<&str> = refusal
        .requested
        .iter()
        .map(|id| k.document_name(id))
        .collect();
    eprintln!(
        "\nTo save to case {}: refusal on {} under {}; requested: {}.",
        stored.id,
        refusal.on,
        refusal.sections.join(", "),
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(", ")
        }
    );
    if !args.yes && !confirmed()? {
        eprintln!("Nothing saved.");
        return Ok(ExitCode::from(1));
    }
    let confirmed = confirmed_reading_json(reading, &refusal);
    let applied = store
        .apply_notice(
            actor,
            &stored.id,
            &refusal,
            NewNotice {
                kind: reading.kind.as_str(),
                media_type: notice.media_type,
                original: notice.original,
                reading_json: &confirmed,
                from_draft: None,
                episode,
                duplicates: if args.force {
                    DuplicatePolicy::Allow
                } else {
                    DuplicatePolicy::Refuse
                },
            },
            notice.read_at,
        )
        .await;
    let applied = match applied {
        Err(StoreError::DuplicateNotice { .. }) => bail!(
            "nothing was saved: this same file was already saved to case {}. \
             To apply its reading again (replacing the saved reading), add --force.",
            stored.id.short()
        ),
        other => other?,
    };
    let added: Vec<&str> = applied
        .documents_added
        .iter()
        .map(|id| k.document_name(id))
        .collect();
    eprintln!(
        "Saved to case {} ({}). {}\nSee the updated plan: visanav plan {}",
        stored.id,
        if applied.new_episode {
            "a new refusal episode"
        } else {
            "the current refusal updated"
        },
        if added.is_empty() {
            "No new documents on the checklist.".to_string()
        } else {
            format!("Added to the checklist: {}.", added.join(", "))
        },
        stored.id.short()
    );
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; refuses (an error) when standard input is not one.
fn confirmed() -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("not saving without confirmation; check the reading above and run again with --yes");
    }
    eprint!("Save this? Type 'yes' to save: ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

fn human(
    k: &Knowledge,
    r: &NoticeReading,
    source: Method,
    deadline: Option<&NoticeDeadline>,
) -> String {
    let mut o = String::new();
    summary(&mut o, k, r, source);
    o.push('\n');
    checklist(&mut o, k, r);
    named_not_asked(&mut o, k, r);
    what_it_means(&mut o, r);
    how_to_submit(&mut o, k, r);
    deadline_lines(&mut o, k, r, deadline);
    for w in &r.warnings {
        let _ = writeln!(o, "\nCheck: {w}");
    }
    let _ = writeln!(o, "\n{NOT_LEGAL_ADVICE}");
    o
}

/// What the notice is, where from, and how sure the reading is.
fn summary(o: &mut String, k: &Knowledge, r: &NoticeReading, source: Method) {
    let post_name = r
        .post
        .as_deref()
        .and_then(|c| k.post(c))
        .map(|p| format!("{} ({})", p.code, p.name));
    let _ = writeln!(o, "Notice read as: {}", r.kind.label());
    if r.kind == NoticeKind::Mixed {
        let parts: Vec<&str> = r.parts.iter().map(|p| p.label()).collect();
        let _ = writeln!(o, "  ({})", parts.join("; "));
    }
    let _ = writeln!(
        o,
        "Post: {}",
        post_name
            .as_deref()
            .unwrap_or("not found (use --post CODE)")
    );
    if !r.sections.is_empty() {
        let _ = writeln!(o, "Sections cited: {}", r.sections.join(", "));
    }
    if let Some(cn) = &r.case_number {
        let _ = writeln!(o, "Case number: {cn}");
    }
    if source != Method::Text {
        let _ = writeln!(
            o,
            "Text taken from the file by {}: compare the reading with the notice itself.",
            match source {
                Method::PdfText => "pdftotext",
                _ => "OCR",
            }
        );
    }
    let _ = writeln!(
        o,
        "How sure visanav is of this reading: {}",
        r.confidence.level.as_str()
    );
    for reason in &r.confidence.reasons {
        let _ = writeln!(o, "  - {reason}");
    }
}

/// The requests, the documents to check, and request-like lines naming no known document.
fn checklist(o: &mut String, k: &Knowledge, r: &NoticeReading) {
    if r.requests.is_empty() {
        let _ = writeln!(o, "No document requests were read from the notice.");
    } else {
        let _ = writeln!(o, "Checklist: what the consulate asks for");
        for q in &r.requests {
            let name = k.document_name(&q.document);
            let from = q
                .country
                .as_deref()
                .and_then(|c| k.country(c))
                .map(|c| {
                    if q.country_inferred {
                        format!(" from {} (the notice names no country: check)", c.name)
                    } else {
                        format!(" from {}", c.name)
                    }
                })
                .unwrap_or_default();
            let unsure = if q.confidence < 0.7 { "  (unsure)" } else { "" };
            let _ = writeln!(o, "  [ ] {name}{from}{unsure}");
            let _ = writeln!(o, "        notice says: \"{}\"", q.text);
        }
    }
    let check: Vec<_> = r.to_check().collect();
    if !check.is_empty() {
        let _ = writeln!(
            o,
            "\nPlease check: asked for only in some cases (add the ones that apply to you):"
        );
        for m in check {
            let name = k.document_name(&m.document);
            let _ = writeln!(o, "  [?] {name}: {}", m.reason.explain());
            let _ = writeln!(o, "        notice says: \"{}\"", m.text);
        }
    }
    if !r.unrecognized.is_empty() {
        o.push('\n');
        let _ = writeln!(
            o,
            "Lines that look like requests but name no document visanav knows (read these \
             yourself):"
        );
        for u in &r.unrecognized {
            let _ = writeln!(o, "  [?] \"{u}\"");
        }
    }
}

/// Documents the notice names without asking for them, and unchecked boxes.
fn named_not_asked(o: &mut String, k: &Knowledge, r: &NoticeReading) {
    // One line per document and reason, however often the notice names it.
    let mut named: Vec<String> = Vec::new();
    for m in r.not_asked() {
        let line = format!("{} ({})", k.document_name(&m.document), m.reason.explain());
        if !named.contains(&line) {
            named.push(line);
        }
    }
    if !named.is_empty() {
        let _ = writeln!(o, "\nNamed in the notice but not asked for:");
        for n in named.iter().take(8) {
            let _ = writeln!(o, "  - {n}");
        }
    }
    if !r.unchecked.is_empty() {
        let names: Vec<String> = r
            .unchecked
            .iter()
            .map(|u| match u.documents.first().and_then(|d| k.document(d)) {
                Some(d) => d.name.clone(),
                None => u.text.clone(),
            })
            .collect();
        let _ = writeln!(
            o,
            "\nLeft unchecked on the notice (not requested): {}",
            names.join("; ")
        );
    }
}

/// What administrative processing, a returned petition or another interview mean.
fn what_it_means(o: &mut String, r: &NoticeReading) {
    if r.parts.contains(&NoticeKind::AdministrativeProcessing) {
        let _ = writeln!(
            o,
            "\nAdministrative processing: the case is under further review. Send only what the \
             notice asks for, and check the status page; see `visanav status explain \
             \"administrative processing\"`."
        );
    }
    if r.parts.contains(&NoticeKind::PetitionReturned) {
        let _ = writeln!(
            o,
            "\nThe petition is going back to USCIS. This is serious and slow: consider talking \
             to an immigration attorney."
        );
    }
    if r.parts.contains(&NoticeKind::InterviewReturn) {
        let _ = writeln!(
            o,
            "\nThe notice asks you to come back for another interview: book it as the notice says."
        );
    }
}

/// The notice's own instructions, then visanav's notes on the post's procedure.
fn how_to_submit(o: &mut String, k: &Knowledge, r: &NoticeReading) {
    if !r.instructions.is_empty() {
        let _ = writeln!(o, "\nHow to submit, as the notice says:");
        for i in &r.instructions {
            let _ = writeln!(o, "  - {i}");
        }
    }
    let Some(p) = r.post.as_deref().and_then(|c| k.post(c)) else {
        return;
    };
    let Some(proc_) = &p.procedure else {
        return;
    };
    let _ = writeln!(
        o,
        "\nHow {} takes 221(g) documents (visanav's notes, as of {}; the notice wins if it \
         says otherwise):",
        p.name, proc_.as_of
    );
    let _ = writeln!(o, "  Channel: {}", proc_.channel);
    if let Some(c) = &proc_.courier {
        let _ = writeln!(o, "  Courier: {c}");
    }
    let _ = writeln!(o, "  Passport kept while pending: {}", proc_.passport_kept);
    for inc in &proc_.include {
        let _ = writeln!(o, "  Include: {inc}");
    }
    if let Some(n) = &proc_.notes {
        let _ = writeln!(o, "  Note: {n}");
    }
    if let Some(u) = &proc_.uncertain {
        let _ = writeln!(o, "  Unverified: {u}");
    }
    for s in &proc_.sources {
        let _ = writeln!(o, "  Source: {} ({})", s.url, s.dates());
    }
}

/// Where the date the window counts from was read, so the person can check it against the
/// letter (it may have been converted from another calendar, or read from a quoted message).
fn date_source_line(o: &mut String, r: &NoticeReading) {
    if let Some(found) = r.refusal_date() {
        let _ = writeln!(
            o,
            "  Read from the notice's words: \"{}\". Check this date against your letter.",
            found.text
        );
    }
}

/// The deadline to send by, that it has passed, or why none is shown.
fn deadline_lines(
    o: &mut String,
    k: &Knowledge,
    r: &NoticeReading,
    deadline: Option<&NoticeDeadline>,
) {
    if let Some(d) = deadline.filter(|d| d.passed) {
        let _ = writeln!(
            o,
            "\nThe one-year window counted from {} (the refusal or letter date found in the \
             notice) ended on {}.",
            d.from, d.date
        );
        date_source_line(o, r);
        if let Some(after) = k.rule("221g_after_window_closed") {
            let _ = writeln!(o, "  {}", after.text);
        }
        let _ = writeln!(
            o,
            "  Talk to an immigration attorney now; `visanav plan` shows the case's other dates."
        );
    } else if let Some(d) = deadline {
        let _ = writeln!(
            o,
            "\nDeadline: send everything by {} ({}: counted from {}, the refusal or letter date \
             found in the notice).",
            d.date, d.rule, d.from
        );
        date_source_line(o, r);
        if let Some(u) = &d.uncertain {
            let _ = writeln!(o, "  Unverified: {u}");
        }
    } else if !r.requests.is_empty() {
        let _ = writeln!(
            o,
            "\nNo refusal date was found in the notice, so no deadline is shown."
        );
    }
}

/// Reads the notice's text from a file or standard input.
/// The notice's bytes, media type and text. Files go through the same extraction the web
/// upload uses (`visanav_extract`).
fn load(file: &str, extractor: &extract::Extractor) -> Result<(Vec<u8>, String, String, Method)> {
    if file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_NOTICE_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        if buf.len() > MAX_NOTICE_BYTES {
            bail!(
                "the pasted text is longer than {MAX_NOTICE_BYTES} bytes; a 221(g) notice is one \
                 or two pages: paste only the notice's own text"
            );
        }
        let (text, method) = extractor
            .text_of(&buf, "text/plain")
            .map_err(|e| anyhow::anyhow!("standard input: {e}"))?;
        return Ok((buf, "text/plain".into(), text, method));
    }
    let path = Path::new(file);
    let meta = std::fs::metadata(path).with_context(|| format!("cannot open {file}"))?;
    if !meta.is_file() {
        bail!("{file} is not a file");
    }
    if meta.len() > MAX_UPLOAD_BYTES as u64 {
        bail!(
            "{file} is {} bytes; visanav reads notice files up to {MAX_UPLOAD_BYTES} bytes (10 MiB). \
             Save a smaller scan (one page, 300 dpi) or paste the text: `visanav notice read -`",
            meta.len()
        );
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(ext.as_str(), "doc" | "docx" | "odt" | "rtf" | "heic") {
        bail!(
            "visanav cannot read .{ext} files. Save the notice as text or PDF, or paste its \
             text: `visanav notice read -`"
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {file}"))?;
    let media_type = extract::media_type(file, "", &bytes);
    let (text, method) = extractor
        .text_of(&bytes, &media_type)
        .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    if method == Method::Text && text.len() > MAX_NOTICE_BYTES {
        bail!(
            "{file} has {} bytes of text, more than the {MAX_NOTICE_BYTES} bytes the reader takes; \
             paste only the notice's own text",
            text.len()
        );
    }
    Ok((bytes, media_type, text, method))
}
