//! Consultations from the command line: `consult.hold_hours` is checked and reaches the
//! server, and `visanav consult list` shows operators every consultation without personal
//! data. The consultation is requested through the API of `serve --demo`, as a demo
//! applicant, and the list then reads the demo's database.

use crate::support::*;

#[test]
fn a_bad_hold_is_refused_with_the_setting_and_the_fix() {
    let env = Env::sqlite();
    for (value, origin) in [("0", "environment"), ("two days", "environment")] {
        let out = env
            .cmd(&["consult", "list"])
            .env("VISANAV_CONSULT_HOLD_HOURS", value)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{value} accepted");
        assert!(
            err.contains(&format!("consult.hold_hours \"{value}\" (from {origin})"))
                && err.contains("whole number of hours from 1 to 720")
                && err.contains("e.g. 48"),
            "{err}"
        );
    }
    env.write("visanav.toml", "[consult]\nhold_hours = 9000\n");
    let err = env.fails(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(
        err.contains("consult.hold_hours \"9000\" (from config file)"),
        "{err}"
    );
    // The setting and its default, as `config show` prints it.
    std::fs::remove_file(env.dir.path().join("visanav.toml")).expect("rm");
    let shown = env.ok(&["config", "show"]);
    assert!(shown.contains("consult.hold_hours: not set"), "{shown}");
}

#[test]
fn consult_list_shows_a_request_made_through_the_api_without_personal_data() {
    let env = Env::sqlite();
    assert!(
        env.ok(&["consult", "list"])
            .contains("No consultations on this instance yet."),
    );
    // A 6-hour hold, so the request shows it came from the setting.
    let demo = Demo::start(&env, &[("VISANAV_CONSULT_HOLD_HOURS", "6")]);
    let (start, made) = request_as_demo_applicant(&demo);
    demo.stop();

    let dir = env.dir.path().join("demo");
    let db = format!("sqlite://{}", dir.join("visanav-demo.db").display());
    let key = dir.join("demo.key");
    let on_demo = |extra: &[&str]| {
        let mut args = vec![
            "--database-url",
            db.as_str(),
            "--key-file",
            key.to_str().expect("path"),
            "consult",
            "list",
        ];
        args.extend_from_slice(extra);
        env.ok(&args)
    };
    let json = on_demo(&["--json"]);
    let rows: serde_json::Value = serde_json::from_str(&json).expect("json");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 1, "{json}");
    let row = &rows[0];
    assert_eq!(row["id"], made["id"]);
    assert!(
        row["firm"].as_str().expect("firm").contains("Rivera"),
        "{row}"
    );
    assert_eq!(row["attorney"], "Elena Rivera (demo attorney)");
    assert_eq!(row["type"], "Full case review, $150");
    assert_eq!(row["status"], "pending");
    assert_eq!(row["start"], start.as_str());
    assert_eq!(row["attorney_zone"], "America/New_York");
    assert_eq!(row["hold_until"], made["hold_until"]);
    assert_eq!(row["hold_lapsed"], false);
    let local = row["start_local"].as_str().expect("local");
    assert!(
        local.ends_with("-05:00") || local.ends_with("-04:00"),
        "New York's offset: {local}"
    );
    for private in ["Maria", "maria@", "Which police certificate"] {
        assert!(!json.contains(private), "{private} in {json}");
    }

    let text = on_demo(&[]);
    let id = made["id"].as_str().expect("id");
    let line = text
        .lines()
        .find(|l| l.starts_with(id))
        .unwrap_or_else(|| panic!("no line for {id} in:\n{text}"));
    assert!(
        line.contains("pending")
            && line.contains("America/New_York")
            && line.contains(" UTC")
            && line.contains("hold until")
            && line.contains("Full case review"),
        "{line}"
    );
    assert!(!text.contains("Maria"), "{text}");
}

/// Signs in as the demo's first applicant with the link it printed, and requests the firm's
/// second consultation type at its first free time through the API, for her case. Returns
/// the start asked for and the API's answer.
fn request_as_demo_applicant(demo: &Demo) -> (String, serde_json::Value) {
    let cookie = sign_in_with_link(&demo.addr, &demo.line_after("sign in as this applicant:"));
    let get = |path: &str| {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n",
            demo.addr
        );
        let (code, _, body) = http_exchange(&demo.addr, request.as_bytes());
        assert_eq!(code, 200, "{path}: {body}");
        serde_json::from_str::<serde_json::Value>(&body).expect("json")
    };
    let cases = get("/api/v1/cases");
    let case = cases["cases"][0]["id"]
        .as_str()
        .expect("her case")
        .to_string();
    let link = demo.line_after("Public booking page (anyone, no account needed):");
    let firm = link.rsplit('/').next().expect("firm id");
    let offer = get(&format!("/api/v1/firms/{firm}/consultation-types"));
    let review = &offer["attorneys"][0]["types"][1];
    assert_eq!(review["name"], "Full case review, $150", "{offer}");
    let slots = get(&format!(
        "{}?zone=Asia/Manila",
        review["slots"].as_str().expect("slots link")
    ));
    let start = slots["slots"][0]["start"]
        .as_str()
        .expect("a free time")
        .to_string();
    let body = serde_json::json!({"type_id": review["id"], "start": start,
        "zone": "Asia/Manila", "question": "Which police certificate do I send?"});
    let (code, _, answer) = http_post(
        &demo.addr,
        &format!("/api/v1/cases/{case}/consultations"),
        "application/json",
        body.to_string().as_bytes(),
        &[("Cookie", &cookie), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(code, 201, "{answer}");
    let made: serde_json::Value = serde_json::from_str(&answer).expect("json");
    let held = |field: &str| {
        made[field]
            .as_str()
            .expect(field)
            .parse::<jiff::Timestamp>()
            .expect("a time")
    };
    assert_eq!(
        held("hold_until").duration_since(held("created")),
        jiff::SignedDuration::from_hours(6),
        "consult.hold_hours reaches the server: {made}"
    );
    (start, made)
}
