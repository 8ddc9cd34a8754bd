//! Text from an uploaded notice: plain text as is, PDFs through `pdftotext` (poppler-utils),
//! and photos or scanned PDFs through the `tesseract` OCR program. These are separate
//! programs, run with a time limit; when one is missing the error says which Debian package
//! provides it and that pasting the text always works.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Largest file accepted for a notice.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// A PDF whose text layer holds fewer letters and digits than this is treated as a scan.
const MIN_TEXT_LAYER_CHARS: usize = 40;
/// At most this many pages of a scanned PDF are read (a notice is one or two pages).
const MAX_OCR_PAGES: u32 = 6;
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

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

/// The text of a notice file, and how it was obtained.
pub fn text_of(bytes: &[u8], media_type: &str) -> Result<(String, Method), ExtractError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ExtractError::TooLarge {
            bytes: bytes.len(),
            limit: MAX_UPLOAD_BYTES,
        });
    }
    let (text, method) = match media_type {
        "text/plain" => (text_bytes(bytes)?, Method::Text),
        "application/pdf" => pdf_text(bytes)?,
        "image/png" | "image/jpeg" | "image/tiff" => {
            let dir = tempdir()?;
            let ext = media_type.trim_start_matches("image/");
            let path = dir.path().join(format!("notice.{ext}"));
            std::fs::write(&path, bytes).map_err(io("tesseract"))?;
            (ocr(&path)?, Method::ImageOcr)
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

fn pdf_text(bytes: &[u8]) -> Result<(String, Method), ExtractError> {
    let dir = tempdir()?;
    let pdf = dir.path().join("notice.pdf");
    std::fs::write(&pdf, bytes).map_err(io("pdftotext"))?;
    let missing = ExtractError::MissingTool {
        what: "PDF",
        tool: "pdftotext",
        package: "poppler-utils",
    };
    let text = run(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", path_str(&pdf)?, "-"],
        missing,
    )?;
    if text.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_TEXT_LAYER_CHARS {
        return Ok((text, Method::PdfText));
    }
    // A scan: render the first pages and read them with OCR.
    let last = MAX_OCR_PAGES.to_string();
    let prefix = dir.path().join("page");
    let missing = ExtractError::MissingTool {
        what: "scanned PDF",
        tool: "pdftoppm",
        package: "poppler-utils",
    };
    run(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-gray",
            "-png",
            "-l",
            &last,
            path_str(&pdf)?,
            path_str(&prefix)?,
        ],
        missing,
    )?;
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .map_err(io("pdftoppm"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pages.sort();
    let mut out = String::new();
    for page in pages {
        out.push_str(&ocr(&page)?);
        out.push('\n');
    }
    Ok((out, Method::PdfOcr))
}

fn ocr(image: &Path) -> Result<String, ExtractError> {
    // Languages come from VISANAV_OCR_LANGS (e.g. "eng+spa+vie"), default English.
    let langs = std::env::var("VISANAV_OCR_LANGS").unwrap_or_else(|_| "eng".to_string());
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
        &langs,
        "--psm",
        "4",
        "-c",
        "preserve_interword_spaces=1",
    ];
    run("tesseract", &args, missing)
}

fn path_str(p: &Path) -> Result<&str, ExtractError> {
    p.to_str().ok_or_else(|| ExtractError::ToolFailed {
        tool: "tempdir",
        detail: "temporary path is not UTF-8".into(),
    })
}

/// Runs a tool with a time limit and returns its standard output as text.
fn run(tool: &'static str, args: &[&str], missing: ExtractError) -> Result<String, ExtractError> {
    let mut child = match Command::new(tool)
        .args(args)
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
    // Read output on threads so a chatty tool cannot fill its pipe and stall.
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
    let deadline = Instant::now() + TOOL_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExtractError::ToolFailed {
                    tool,
                    detail: format!("took longer than {} s", TOOL_TIMEOUT.as_secs()),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                return Err(ExtractError::ToolFailed {
                    tool,
                    detail: e.to_string(),
                });
            }
        }
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if !status.success() {
        let detail = String::from_utf8_lossy(&err)
            .lines()
            .last()
            .unwrap_or("failed")
            .to_string();
        return Err(ExtractError::ToolFailed { tool, detail });
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(matches!(
            text_of(&[0xFF, 0xFE, 0x00, 0x81], "text/plain"),
            Err(ExtractError::NotText)
        ));
        let latin1 = b"Police certificate \xe9 required";
        assert!(
            text_of(latin1, "text/plain")
                .is_ok_and(|(t, m)| t.contains("Police") && m == Method::Text)
        );
        assert!(matches!(
            text_of(b"MZ", "application/x-msdownload"),
            Err(ExtractError::Unsupported { .. })
        ));
        assert!(matches!(
            text_of(b"   ", "text/plain"),
            Err(ExtractError::Empty)
        ));
        let big = vec![b'a'; MAX_UPLOAD_BYTES + 1];
        assert!(matches!(
            text_of(&big, "text/plain"),
            Err(ExtractError::TooLarge { .. })
        ));
    }

    #[test]
    fn missing_tools_name_the_package() {
        let e = run(
            "visanav-no-such-tool",
            &[],
            ExtractError::MissingTool {
                what: "PDF",
                tool: "pdftotext",
                package: "poppler-utils",
            },
        );
        assert!(
            e.expect_err("missing")
                .to_string()
                .contains("apt-get install poppler-utils")
        );
    }
}
