//! Scores the notice reader on a labelled folder of notices (see tests/notices/README.md):
//! `cargo run -p visanav-core --example notice_eval -- DIR [DIR...] [--verbose]`
//! Prints precision, recall, kind accuracy and the traps (unticked boxes, conditional
//! requests) for each folder and for all of them together; `--verbose` lists every mismatch.

#[path = "../tests/it/notice_score.rs"]
#[allow(dead_code)]
mod notice_score;

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let dirs: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if dirs.is_empty() {
        eprintln!("usage: notice_eval DIR [DIR...] [--verbose]");
        std::process::exit(2);
    }
    let reader = notice_score::reader();
    let mut all = Vec::new();
    for dir in &dirs {
        let cases = match notice_score::load_set(Path::new(dir)) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        let s = notice_score::score(&reader, &cases);
        if verbose {
            s.report(dir);
        } else {
            println!("{}", s.summary(dir));
        }
        all.extend(cases);
    }
    if dirs.len() > 1 {
        println!("{}", notice_score::score(&reader, &all).summary("all"));
    }
}
