//! `visanav sweep` computes the dashboard summaries again; `bench-seed` fills a database for
//! the dashboard benchmark and stays out of the help.

use crate::support::{Env, example};

#[test]
fn sweep_refreshes_every_summary() {
    let env = Env::sqlite();
    env.ok(&["case", "import", example().to_str().expect("path")]);
    let out = env.ok(&["sweep"]);
    assert!(out.contains("summaries of 1 case(s)"), "{out}");
    // Just written, and still today at every post: nothing is stale.
    let out = env.ok(&["sweep", "--stale-only"]);
    assert!(out.contains("summaries of 0 case(s)"), "{out}");
}

#[test]
fn bench_seed_fills_a_firm_and_is_not_in_the_help() {
    let env = Env::sqlite();
    let help = env.ok(&["--help"]);
    assert!(!help.contains("bench-seed"), "{help}");
    assert!(help.contains("sweep"), "{help}");
    let out = env.ok(&[
        "bench-seed",
        "--cases",
        "7",
        "--members",
        "3",
        "--batch",
        "3",
    ]);
    for key in [
        "firm=",
        "member=",
        "totp_secret=",
        "cases=7",
        "sample_case=",
    ] {
        assert!(out.contains(key), "{key}: {out}");
    }
    let out = env.ok(&["sweep"]);
    assert!(out.contains("summaries of 7 case(s)"), "{out}");
}
