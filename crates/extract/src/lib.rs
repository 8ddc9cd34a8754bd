//! Text from an uploaded notice: plain text as is, PDFs through `pdftotext` (poppler-utils),
//! and photos or scanned PDFs through the `tesseract` OCR program. These are separate
//! programs; when one is missing the error says which Debian package provides it and that
//! pasting the text always works.
//!
//! An [`Extractor`] is built once from an [`ExtractConfig`] (OCR languages, a time limit for
//! the whole file, a page limit, how many files may be read at once) and shared: clones share
//! its count of running jobs. A file that needs a program takes a place first, without
//! waiting; when every place is taken the answer is [`ExtractError::Busy`] at once, so a busy
//! server says "try again" instead of piling up work. When the time limit passes, the running
//! program is killed and the answer is [`ExtractError::TimedOut`].
//!
//! Speed (see docs/benchmarks.md): tesseract runs with `OMP_THREAD_LIMIT=1`, because on a
//! two-core machine its OpenMP threads took 3 to 10 times as long as one thread for the same
//! page (most of their CPU time spent waiting for each other); the pages of a scanned PDF are
//! read in parallel instead, one tesseract per core. Scans are rendered as grey PGM, which pdftoppm writes ten
//! times faster than PNG. A JPEG photo is decoded to grey here (zune-jpeg, in-process, about
//! 60 ms for 12 megapixels) before tesseract sees it: tesseract's own colour-to-grey step lost
//! every checkbox of a colour phone photo of the test notice, and the grey image is also read
//! faster. Photos are not scaled down: at 3000 pixels wide the checkboxes were lost again.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Largest file accepted for a notice.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// A PDF whose text layer holds fewer letters and digits than this is treated as a scan.
const MIN_TEXT_LAYER_CHARS: usize = 40;
/// Scanned pages are rendered at the resolution tesseract reads best.
const SCAN_DPI: &str = "300";

/// How text is extracted. Built by the caller (the CLI reads it from its configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractConfig {
    /// tesseract's `-l` value: installed language codes joined by `+`, e.g. `eng+spa`.
    /// Each language makes OCR slower; list only the ones notices are written in.
    pub languages: String,
    /// The most one file may take, all its programs together; then they are stopped.
    pub time_limit: Duration,
    /// At most this many pages of a PDF are read (a notice is one or two pages).
    pub page_limit: u32,
    /// At most this many files that need a program are read at once (by one extractor and its
    /// clones); another is refused with [`ExtractError::Busy`] rather than queued.
    pub max_jobs: usize,
    /// The directory holding `pdftotext`, `pdftoppm` and `tesseract`; `None` searches `PATH`.
    pub tool_dir: Option<PathBuf>,
}

impl Default for ExtractConfig {
    fn default() -> ExtractConfig {
        ExtractConfig {
            languages: "eng".to_string(),
            time_limit: Duration::from_secs(120),
            page_limit: 6,
            max_jobs: 2,
            tool_dir: None,
        }
    }
}

/// Whether `s` is a tesseract `-l` value: language codes (letters, digits, `_`, `-`) joined by `+`.
pub fn valid_languages(s: &str) -> bool {
    !s.is_empty()
        && s.split('+').all(|code| {
            !code.is_empty()
                && !code.starts_with('-')
                && code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error(
        "reading a {what} needs the program `{tool}`, which is not installed here. Install it \
         (Debian/Ubuntu: apt-get install {package}) or paste the notice's text instead"
    )]
    MissingTool {
        what: &'static str,
        tool: &'static str,
        package: &'static str,
    },
    #[error(
        "reading photos in the language {language:?} needs its OCR data, which is not installed \
         here. Install it (Debian/Ubuntu: apt-get install tesseract-ocr-{package}), or leave it \
         out of the setting ocr.languages, or paste the notice's text instead"
    )]
    MissingLanguage { language: String, package: String },
    #[error(
        "the file is {bytes} bytes; notices up to {limit} bytes are accepted. Upload a smaller photo or paste the text"
    )]
    TooLarge { bytes: usize, limit: usize },
    #[error(
        "this file type ({media_type}) cannot be read; upload a text file, a PDF, or a PNG or JPEG photo, or paste the text"
    )]
    Unsupported { media_type: String },
    #[error(
        "the file is not text (nor a PDF, PNG or JPEG); save the notice as text or PDF, or paste the text"
    )]
    NotText,
    #[error("`{tool}` could not read the file: {detail}")]
    ToolFailed { tool: &'static str, detail: String },
    #[error(
        "reading the file took longer than {seconds} seconds, the most allowed here, so it was \
         stopped. Try a clear photo of just the notice, or paste the text"
    )]
    TimedOut { seconds: u64 },
    #[error(
        "other notices are being read right now and this one would have to wait. Try again in \
         a minute, or paste the notice's text instead"
    )]
    Busy,
    #[error(
        "no text could be read from the file; if it is a photo, take it straight on in good light, or paste the text"
    )]
    Empty,
}

/// The media types visanav keeps notices as.
pub fn known_media_type(s: &str) -> &'static str {
    match s {
        "application/pdf" => "application/pdf",
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "image/tiff" => "image/tiff",
        _ => "text/plain",
    }
}

/// What a file is, from its first bytes (names and browsers' guesses come second).
pub fn media_type(file_name: &str, content_type: &str, bytes: &[u8]) -> String {
    let sniffed = if bytes.starts_with(b"%PDF") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("image/tiff")
    } else {
        None
    };
    if let Some(t) = sniffed {
        return t.to_string();
    }
    let lower = file_name.to_ascii_lowercase();
    if std::str::from_utf8(bytes).is_ok()
        || lower.ends_with(".txt")
        || content_type.starts_with("text/")
    {
        return "text/plain".to_string();
    }
    if content_type.is_empty() {
        "application/octet-stream".to_string()
    } else {
        content_type.to_string()
    }
}

/// How the text was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Text,
    PdfText,
    PdfOcr,
    ImageOcr,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Text => "text",
            Method::PdfText => "pdf_text",
            Method::PdfOcr => "pdf_ocr",
            Method::ImageOcr => "image_ocr",
        }
    }
}

/// Extracts text under an [`ExtractConfig`]. Cheap to clone; clones share the count of
/// running jobs, so one extractor per process enforces `max_jobs` for all of it.
#[derive(Debug, Clone)]
pub struct Extractor {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ExtractConfig,
    running: AtomicUsize,
}

impl Default for Extractor {
    fn default() -> Extractor {
        Extractor::new(ExtractConfig::default())
    }
}

/// A place among the `max_jobs`, given back when dropped (also after an error or time-out).
struct Permit<'a>(&'a AtomicUsize);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Extractor {
    pub fn new(config: ExtractConfig) -> Extractor {
        Extractor {
            inner: Arc::new(Inner {
                config,
                running: AtomicUsize::new(0),
            }),
        }
    }

    pub fn config(&self) -> &ExtractConfig {
        &self.inner.config
    }

    /// How many files are being read by programs right now.
    pub fn jobs_running(&self) -> usize {
        self.inner.running.load(Ordering::SeqCst)
    }

    /// Takes a place without waiting, or says the extractor is busy.
    fn try_permit(&self) -> Result<Permit<'_>, ExtractError> {
        let max = self.inner.config.max_jobs.max(1);
        self.inner
            .running
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .map(|_| Permit(&self.inner.running))
            .map_err(|_| ExtractError::Busy)
    }

    /// The text of a notice file, and how it was obtained. Blocks while programs run (up to
    /// the time limit): async callers run it on a blocking thread. Plain text needs no place
    /// among `max_jobs`; PDFs and images do, and get [`ExtractError::Busy`] when none is free.
    pub fn text_of(
        &self,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<(String, Method), ExtractError> {
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(ExtractError::TooLarge {
                bytes: bytes.len(),
                limit: MAX_UPLOAD_BYTES,
            });
        }
        let (text, method) = match media_type {
            "text/plain" => (text_bytes(bytes)?, Method::Text),
            "application/pdf" | "image/png" | "image/jpeg" | "image/tiff" => {
                let _permit = self.try_permit()?;
                let job = Job {
                    config: &self.inner.config,
                    deadline: Instant::now() + self.inner.config.time_limit,
                    dir: tempdir()?,
                };
                if media_type == "application/pdf" {
                    job.pdf(bytes)?
                } else {
                    job.image(bytes, media_type.trim_start_matches("image/"))?
                }
            }
            other => {
                return Err(ExtractError::Unsupported {
                    media_type: other.to_string(),
                });
            }
        };
        if text.trim().is_empty() {
            Err(ExtractError::Empty)
        } else {
            Ok((text, method))
        }
    }
}

/// UTF-8 text, tolerating a few bad bytes from old encodings but refusing binary files.
fn text_bytes(bytes: &[u8]) -> Result<String, ExtractError> {
    let text = String::from_utf8_lossy(bytes);
    let bad = text.chars().filter(|c| *c == '\u{fffd}').count();
    if bad * 20 > text.chars().count().max(1) {
        return Err(ExtractError::NotText);
    }
    Ok(text.into_owned())
}

fn tempdir() -> Result<tempfile::TempDir, ExtractError> {
    tempfile::tempdir().map_err(|e| ExtractError::ToolFailed {
        tool: "tempdir",
        detail: e.to_string(),
    })
}

fn io(tool: &'static str) -> impl Fn(std::io::Error) -> ExtractError {
    move |e| ExtractError::ToolFailed {
        tool,
        detail: e.to_string(),
    }
}

fn path_str(p: &Path) -> Result<&str, ExtractError> {
    p.to_str().ok_or_else(|| ExtractError::ToolFailed {
        tool: "tempdir",
        detail: "temporary path is not UTF-8".into(),
    })
}

/// Largest JPEG decoded here, per side (a 50-megapixel phone photo is 8160 wide); larger ones,
/// and any this decoder cannot read, go to tesseract as they are.
const MAX_DECODED_SIDE: usize = 8192;

/// A JPEG as a grey PGM image (its luma, the grey a JPEG stores), or `None` to leave the
/// file to tesseract.
fn grey_pgm(jpeg: &[u8]) -> Option<Vec<u8>> {
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(MAX_DECODED_SIDE)
        .set_max_height(MAX_DECODED_SIDE);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(jpeg, options);
    let pixels = decoder.decode().ok()?;
    let (width, height) = decoder.dimensions()?;
    if decoder.get_output_colorspace() != Some(ColorSpace::Luma) || pixels.len() != width * height {
        return None;
    }
    let mut pgm = format!("P5\n{width} {height}\n255\n").into_bytes();
    pgm.extend_from_slice(&pixels);
    Some(pgm)
}

/// One file being read: its settings, its deadline and its scratch directory.
struct Job<'a> {
    config: &'a ExtractConfig,
    deadline: Instant,
    dir: tempfile::TempDir,
}

/// What a program printed, once it has finished.
struct Ran {
    success: bool,
    stdout: Vec<u8>,
    stderr: String,
}

impl Ran {
    /// Standard output, or an error with the last line the program wrote to standard error.
    fn text(self, tool: &'static str) -> Result<String, ExtractError> {
        if !self.success {
            let detail = self.stderr.lines().last().unwrap_or("failed").to_string();
            return Err(ExtractError::ToolFailed { tool, detail });
        }
        Ok(String::from_utf8_lossy(&self.stdout).into_owned())
    }
}

impl Job<'_> {
    fn image(&self, bytes: &[u8], ext: &str) -> Result<(String, Method), ExtractError> {
        let (path, bytes) = match (ext == "jpeg").then(|| grey_pgm(bytes)).flatten() {
            Some(pgm) => (self.dir.path().join("notice.pgm"), pgm),
            None => (
                self.dir.path().join(format!("notice.{ext}")),
                bytes.to_vec(),
            ),
        };
        std::fs::write(&path, bytes).map_err(io("tesseract"))?;
        Ok((self.ocr(&path)?, Method::ImageOcr))
    }

    fn pdf(&self, bytes: &[u8]) -> Result<(String, Method), ExtractError> {
        let pdf = self.dir.path().join("notice.pdf");
        std::fs::write(&pdf, bytes).map_err(io("pdftotext"))?;
        let last = self.config.page_limit.max(1).to_string();
        let missing = ExtractError::MissingTool {
            what: "PDF",
            tool: "pdftotext",
            package: "poppler-utils",
        };
        let text = self
            .run(
                "pdftotext",
                &[
                    "-layout",
                    "-enc",
                    "UTF-8",
                    "-l",
                    &last,
                    path_str(&pdf)?,
                    "-",
                ],
                &[],
                missing,
            )?
            .text("pdftotext")?;
        if text.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_TEXT_LAYER_CHARS {
            return Ok((text, Method::PdfText));
        }
        // A scan: render the first pages as grey images and read them with OCR.
        let prefix = self.dir.path().join("page");
        let missing = ExtractError::MissingTool {
            what: "scanned PDF",
            tool: "pdftoppm",
            package: "poppler-utils",
        };
        // Without `-png` the pages are PGM files: as good for tesseract, and written about
        // ten times faster (poppler 22 writes `-gray -png` as slow, compressed RGB).
        let args = [
            "-r",
            SCAN_DPI,
            "-gray",
            "-l",
            &last,
            path_str(&pdf)?,
            path_str(&prefix)?,
        ];
        self.run("pdftoppm", &args, &[], missing)?
            .text("pdftoppm")?;
        let mut pages: Vec<_> = std::fs::read_dir(self.dir.path())
            .map_err(io("pdftoppm"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pgm"))
            .collect();
        // pdftoppm pads page numbers to the same width, so names sort in page order.
        pages.sort();
        Ok((self.ocr_pages(&pages)?, Method::PdfOcr))
    }

    /// Reads the pages with one tesseract per core, and joins their text in page order.
    fn ocr_pages(&self, pages: &[PathBuf]) -> Result<String, ExtractError> {
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(pages.len())
            .max(1);
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let mut texts: Vec<Option<Result<String, ExtractError>>> =
            (0..pages.len()).map(|_| None).collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        while !failed.load(Ordering::SeqCst) {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            let Some(page) = pages.get(i) else { break };
                            let text = self.ocr(page);
                            if text.is_err() {
                                failed.store(true, Ordering::SeqCst);
                            }
                            done.push((i, text));
                        }
                        done
                    })
                })
                .collect();
            for handle in handles {
                for (i, text) in handle.join().unwrap_or_default() {
                    texts[i] = Some(text);
                }
            }
        });
        let mut out = String::new();
        let mut first_error = None;
        for text in texts {
            match text {
                Some(Ok(t)) => {
                    out.push_str(&t);
                    out.push('\n');
                }
                Some(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                None => {
                    first_error.get_or_insert(ExtractError::ToolFailed {
                        tool: "tesseract",
                        detail: "a page was not read".into(),
                    });
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    fn ocr(&self, image: &Path) -> Result<String, ExtractError> {
        let missing = ExtractError::MissingTool {
            what: "photo or scanned notice",
            tool: "tesseract",
            package: "tesseract-ocr",
        };
        // Page segmentation 4 ("one column of text of variable sizes") keeps a checkbox on the
        // line with its words; the default layout analysis tends to split the boxes into a
        // column of their own. Interword spaces are kept so two-column forms stay apart.
        let args = [
            path_str(image)?,
            "stdout",
            "-l",
            &self.config.languages,
            "--psm",
            "4",
            "-c",
            "preserve_interword_spaces=1",
        ];
        // One thread per tesseract: see the module documentation.
        let ran = self.run("tesseract", &args, &[("OMP_THREAD_LIMIT", "1")], missing)?;
        // tesseract goes on without a language it cannot load; a reading without it would
        // be worse than an error that says what to install.
        if let Some(language) = ran
            .stderr
            .lines()
            .find_map(|l| l.strip_prefix("Failed loading language '"))
            .and_then(|rest| rest.split('\'').next())
        {
            return Err(ExtractError::MissingLanguage {
                language: language.to_string(),
                package: language.to_ascii_lowercase().replace('_', "-"),
            });
        }
        ran.text("tesseract")
    }

    fn program(&self, tool: &str) -> PathBuf {
        match &self.config.tool_dir {
            Some(dir) => dir.join(tool),
            None => PathBuf::from(tool),
        }
    }

    fn timed_out(&self) -> ExtractError {
        ExtractError::TimedOut {
            seconds: self.config.time_limit.as_secs_f64().ceil() as u64,
        }
    }

    /// Runs a program until it exits or the job's deadline passes (then kills it).
    fn run(
        &self,
        tool: &'static str,
        args: &[&str],
        env: &[(&str, &str)],
        missing: ExtractError,
    ) -> Result<Ran, ExtractError> {
        if Instant::now() >= self.deadline {
            return Err(self.timed_out());
        }
        let mut child = match Command::new(self.program(tool))
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing),
            Err(e) => {
                return Err(ExtractError::ToolFailed {
                    tool,
                    detail: e.to_string(),
                });
            }
        };
        // Read output on threads so a chatty program cannot fill its pipe and stall.
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let out_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(s) = stdout.as_mut() {
                let _ = s.read_to_end(&mut buf);
            }
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_end(&mut buf);
            }
            buf
        });
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) => {
                    let now = Instant::now();
                    if now >= self.deadline {
                        let _ = child.kill();
                        let _ = child.wait();
                        break Err(self.timed_out());
                    }
                    std::thread::sleep((self.deadline - now).min(Duration::from_millis(10)));
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(ExtractError::ToolFailed {
                        tool,
                        detail: e.to_string(),
                    });
                }
            }
        };
        // After a time-out the readers are left to finish on their own: a program that
        // started others (a wrapper script) may keep the pipes open after it is killed.
        let status = status?;
        // The pipes close when the program exits, so the readers finish.
        let stdout = out_reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        Ok(Ran {
            success: status.success(),
            stdout,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// Stand-ins for the programs, one directory per behaviour. All are written before any
    /// test starts a program, so no program is written while another test forks (which would
    /// make the exec fail with "text file busy").
    fn fakes() -> &'static Path {
        static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
        DIR.get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let root = dir.path();
            let script = |sub: &str, tool: &str, body: &str| {
                use std::os::unix::fs::PermissionsExt;
                let d = root.join(sub);
                std::fs::create_dir_all(&d).expect("mkdir");
                let path = d.join(tool);
                std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write");
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod");
            };
            let go = root.join("go");
            std::fs::create_dir_all(root.join("empty")).expect("mkdir");
            // Prints its arguments and its thread limit, as OCR text.
            script(
                "echo",
                "tesseract",
                "echo \"read $(basename \"$1\") $* OMP=$OMP_THREAD_LIMIT\"",
            );
            // A scanned PDF of three pages: no text layer, three rendered pages.
            script("echo", "pdftotext", "echo \"pdftotext $*\" >&2");
            script(
                "echo",
                "pdftoppm",
                "case \"$*\" in *'-gray -l 3 '*) ;; *) echo \"unexpected $*\" >&2; exit 1;; esac\n\
                 for last; do :; done\nfor n in 1 2 3; do echo P5 > \"$last-$n.pgm\"; done",
            );
            // Never finishes in time (`exec`, so that killing it kills the sleep).
            script("sleepy", "tesseract", "exec sleep 30");
            script("sleepy", "pdftotext", "exec sleep 30");
            // Fails.
            script("failing", "tesseract", "echo 'Error in pixReadStream' >&2\nexit 1");
            // Lacks a language, as tesseract 5 says it.
            script(
                "nolang",
                "tesseract",
                "echo \"Error opening data file /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata\" >&2\n\
                 echo \"Failed loading language 'chi_sim'\" >&2\necho text",
            );
            // Waits for the test to say go.
            script(
                "gated",
                "tesseract",
                &format!(
                    "while [ ! -e '{}' ]; do sleep 0.02; done\necho gated text",
                    go.display()
                ),
            );
            dir
        })
        .path()
    }

    fn extractor(fake: &str, change: impl FnOnce(&mut ExtractConfig)) -> Extractor {
        let mut config = ExtractConfig {
            tool_dir: Some(fakes().join(fake)),
            ..ExtractConfig::default()
        };
        change(&mut config);
        Extractor::new(config)
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really";

    #[test]
    fn sniffs_by_content() {
        assert_eq!(media_type("x.txt", "", b"%PDF-1.7"), "application/pdf");
        assert_eq!(
            media_type("photo", "", b"\x89PNG\r\n\x1a\nrest"),
            "image/png"
        );
        assert_eq!(
            media_type("a.jpg", "image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]),
            "image/jpeg"
        );
        assert_eq!(media_type("n.bin", "", b"plain words"), "text/plain");
        assert_eq!(
            media_type(
                "n.exe",
                "application/x-msdownload",
                &[0x4D, 0x5A, 0x90, 0xFF]
            ),
            "application/x-msdownload"
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let x = Extractor::default();
        assert!(matches!(
            x.text_of(&[0xFF, 0xFE, 0x00, 0x81], "text/plain"),
            Err(ExtractError::NotText)
        ));
        let latin1 = b"Police certificate \xe9 required";
        assert!(
            x.text_of(latin1, "text/plain")
                .is_ok_and(|(t, m)| t.contains("Police") && m == Method::Text)
        );
        assert!(matches!(
            x.text_of(b"MZ", "application/x-msdownload"),
            Err(ExtractError::Unsupported { .. })
        ));
        assert!(matches!(
            x.text_of(b"   ", "text/plain"),
            Err(ExtractError::Empty)
        ));
        let big = vec![b'a'; MAX_UPLOAD_BYTES + 1];
        assert!(matches!(
            x.text_of(&big, "text/plain"),
            Err(ExtractError::TooLarge { .. })
        ));
    }

    #[test]
    fn missing_tools_name_the_package() {
        let x = extractor("empty", |_| {});
        let e = x
            .text_of(b"%PDF-1.4", "application/pdf")
            .expect_err("missing");
        assert!(
            e.to_string().contains("apt-get install poppler-utils"),
            "{e}"
        );
        let e = x.text_of(PNG, "image/png").expect_err("missing");
        assert!(
            e.to_string().contains("apt-get install tesseract-ocr"),
            "{e}"
        );
        assert_eq!(x.jobs_running(), 0);
    }

    #[test]
    fn missing_languages_name_the_package() {
        let x = extractor("nolang", |c| c.languages = "eng+chi_sim".into());
        let e = x.text_of(PNG, "image/png").expect_err("no chi_sim");
        assert_eq!(
            e,
            ExtractError::MissingLanguage {
                language: "chi_sim".into(),
                package: "chi-sim".into()
            }
        );
        assert!(
            e.to_string()
                .contains("apt-get install tesseract-ocr-chi-sim")
        );
    }

    #[test]
    fn ocr_uses_the_configured_languages_and_one_thread() {
        let x = extractor("echo", |c| c.languages = "eng+spa".into());
        let (text, method) = x.text_of(PNG, "image/png").expect("read");
        assert_eq!(method, Method::ImageOcr);
        assert!(text.contains("-l eng+spa --psm 4"), "{text}");
        assert!(text.contains("OMP=1"), "{text}");
    }

    #[test]
    fn scanned_pdf_pages_are_read_in_order_up_to_the_page_limit() {
        let x = extractor("echo", |c| c.page_limit = 3);
        let (text, method) = x
            .text_of(b"%PDF-1.4 scan", "application/pdf")
            .expect("read");
        assert_eq!(method, Method::PdfOcr);
        let pages: Vec<_> = text
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .collect();
        assert_eq!(pages, ["page-1.pgm", "page-2.pgm", "page-3.pgm"], "{text}");
    }

    #[test]
    fn the_time_limit_covers_the_whole_file_and_kills_the_program() {
        let x = extractor("sleepy", |c| c.time_limit = Duration::from_millis(300));
        for (bytes, media_type) in [
            (PNG, "image/png"),
            (b"%PDF-1.4".as_slice(), "application/pdf"),
        ] {
            let start = Instant::now();
            let e = x.text_of(bytes, media_type).expect_err("too slow");
            assert_eq!(e, ExtractError::TimedOut { seconds: 1 }, "{media_type}");
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "not killed in time"
            );
            assert!(e.to_string().contains("took longer than 1 seconds"), "{e}");
        }
        // The place is given back after a time-out.
        assert_eq!(x.jobs_running(), 0);
    }

    #[test]
    fn failures_give_the_place_back() {
        let x = extractor("failing", |c| c.max_jobs = 1);
        for _ in 0..3 {
            let e = x.text_of(PNG, "image/png").expect_err("fails");
            assert!(e.to_string().contains("pixReadStream"), "{e}");
            assert_eq!(x.jobs_running(), 0);
        }
    }

    #[test]
    fn more_jobs_than_places_are_told_to_try_again() {
        let go = fakes().join("go");
        let x = extractor("gated", |c| c.max_jobs = 1);
        let first = {
            let x = x.clone();
            std::thread::spawn(move || x.text_of(PNG, "image/png"))
        };
        let start = Instant::now();
        while x.jobs_running() == 0 {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the first job never started"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        // A clone shares the count: the second job is refused at once, not queued.
        let e = x.clone().text_of(PNG, "image/png").expect_err("busy");
        assert_eq!(e, ExtractError::Busy);
        assert!(e.to_string().contains("Try again in a minute"), "{e}");
        // Pasted text needs no place.
        assert!(x.text_of(b"NBI clearance", "text/plain").is_ok());
        std::fs::write(&go, "").expect("go");
        let (text, _) = first.join().expect("thread").expect("first job");
        assert!(text.contains("gated text"));
        assert_eq!(x.jobs_running(), 0);
        assert!(
            x.text_of(PNG, "image/png").is_ok(),
            "the place was given back"
        );
    }

    #[test]
    fn jpeg_photos_are_read_in_grey() {
        // A 2 x 1 colour JPEG (red, blue), as written by Pillow.
        const JPEG: &[u8] = include_bytes!("../testdata/red-blue.jpg");
        let pgm = grey_pgm(JPEG).expect("decoded");
        assert!(pgm.starts_with(b"P5\n2 1\n255\n"));
        let grey = &pgm[pgm.len() - 2..];
        // Red is lighter than blue in luma (0.299 R against 0.114 B).
        assert!(
            grey[0] > grey[1] && grey[0] > 40 && grey[1] < 60,
            "{grey:?}"
        );
        assert_eq!(grey_pgm(b"\xFF\xD8\xFFnot a jpeg"), None);
        // tesseract is given the grey image, and the original when it cannot be decoded.
        let x = extractor("echo", |_| {});
        let (text, _) = x.text_of(JPEG, "image/jpeg").expect("read");
        assert!(text.starts_with("read notice.pgm "), "{text}");
        let (text, _) = x
            .text_of(b"\xFF\xD8\xFFbroken", "image/jpeg")
            .expect("read");
        assert!(text.starts_with("read notice.jpeg "), "{text}");
    }

    #[test]
    fn languages_are_checked() {
        assert!(valid_languages("eng"));
        assert!(valid_languages("eng+spa+chi_sim"));
        assert!(!valid_languages(""));
        assert!(!valid_languages("eng+"));
        assert!(!valid_languages("--psm"));
        assert!(!valid_languages("eng spa"));
    }
}
