//! Reminders in the store, on both backends: every live date of a case (each open deadline,
//! each document's expiry and the day to have a new one by) is reminded of at the lead times,
//! once each, counted at the case's post; a date that is met or removed gets no more.

use super::*;
use std::sync::Arc;
use visanav_store::Summarizer;

contract!(every_live_date_is_reminded_once_at_each_lead_time);

/// A K-1 case refused under 221(g) before its interview date was recorded, so two deadlines
/// are open: the petition's validity (2025-07-14) and the 221(g) year (2026-06-02). Its
/// passport expires 2026-02-01, so it must be replaced (six months left) by 2025-08-01.
const TWO_DEADLINES_AND_A_PASSPORT: &str = r#"
visa = "K-1"
post = "MNL"
petition_approved_on = 2025-03-14

[[status]]
on = 2025-06-02
status = "Refused"
source = "ceac"

[refusal]
on = 2025-06-02
sections = ["221(g)"]
requested = ["police_certificate"]

[[documents]]
kind = "police_certificate"
country = "PH"
status = "needed"

[[documents]]
kind = "passport"
country = "PH"
issued_on = 2016-03-01
expires_on = 2026-02-01
status = "gathered"
"#;

mod checks {
    use super::*;

    fn knowledge() -> Arc<Knowledge> {
        Arc::new(Knowledge::embedded().expect("knowledge"))
    }

    fn case_file(toml: &str) -> CaseFile {
        let k = knowledge();
        CaseFile::parse(toml, Format::Toml, &k, day("2025-06-10")).expect("case file")
    }

    fn day(d: &str) -> jiff::civil::Date {
        d.parse().expect("date")
    }

    /// Noon in Manila on `d` (04:00 UTC).
    fn noon_in_manila(d: &str) -> Timestamp {
        format!("{d}T04:00:00Z").parse().expect("timestamp")
    }

    /// The case's reminders so far: (event kind, what the date is, its subject, lead time).
    async fn reminders(store: &Store, id: &CaseId) -> Vec<(String, String, String, u64)> {
        store
            .case_events(&local(), id)
            .await
            .expect("events")
            .into_iter()
            .filter(|e| e.kind == "deadline_approaching" || e.kind == "document_expiring")
            .map(|e| {
                let p: serde_json::Value = serde_json::from_str(&e.payload).expect("json");
                let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                let lead = p["lead_days"].as_u64().unwrap_or_default();
                (e.kind, text("kind"), text("subject"), lead)
            })
            .collect()
    }

    fn r(kind: &str, what: &str, subject: &str, lead: u64) -> (String, String, String, u64) {
        (kind.into(), what.into(), subject.into(), lead)
    }

    pub async fn every_live_date_is_reminded_once_at_each_lead_time(db: &TestDb) {
        let store = db
            .store
            .clone()
            .with_summarizer(Summarizer::from_knowledge(knowledge()));
        let k = knowledge();
        let created = noon_in_manila("2025-06-10");
        let case = case_file(TWO_DEADLINES_AND_A_PASSPORT);
        // Two cases alike: `a` is changed below (its dates met or gone), `b` is not, and shows
        // what `a` would have got.
        let a = store
            .create_case(&local(), &case, created, DuplicatePolicy::Allow)
            .await
            .expect("create");
        let b = store
            .create_case(&local(), &case, created, DuplicatePolicy::Allow)
            .await
            .expect("create");

        // The dates were written with the case, nothing personal among them.
        let mut dates: Vec<(String, String, String)> = store
            .reminder_candidates("2000-01-01", "2100-01-01")
            .await
            .expect("candidates")
            .into_iter()
            .filter(|c| c.case_id == a.as_str())
            .map(|c| (c.key, c.kind, c.due))
            .collect();
        dates.sort();
        let date = |key: &str, kind: &str, due: &str| (key.into(), kind.into(), due.into());
        assert_eq!(
            dates,
            vec![
                date("221g_reconsideration", "deadline", "2026-06-02"),
                date("expiry-passport", "expiry", "2026-02-01"),
                date("petition_validity", "deadline", "2025-07-14"),
                date("renew-passport", "renew_by", "2025-08-01"),
            ]
        );

        // 34 days before the petition's end and 52 before the passport's renew-by date: the
        // 90-day reminder of each (not every larger one), once.
        let sweep = |at: &str| {
            let store = store.clone();
            let k = k.clone();
            let at = noon_in_manila(at);
            async move { store.sweep_reminders(&k, at).await.expect("sweep") }
        };
        assert_eq!(sweep("2025-06-10").await, 4, "two for each case");
        assert_eq!(sweep("2025-06-10").await, 0, "once");
        assert_eq!(sweep("2025-06-11").await, 0, "once, the next day too");
        // 30 days before the petition's end.
        assert_eq!(sweep("2025-06-14").await, 2);
        // 12 days before the petition's end (its 14-day reminder) and 30 before the
        // renew-by date.
        assert_eq!(sweep("2025-07-02").await, 4);
        let so_far = vec![
            r("deadline_approaching", "deadline", "petition_validity", 90),
            r("document_expiring", "renew_by", "passport", 90),
            r("deadline_approaching", "deadline", "petition_validity", 30),
            r("deadline_approaching", "deadline", "petition_validity", 14),
            r("document_expiring", "renew_by", "passport", 30),
        ];
        assert_eq!(reminders(&store, &a).await, so_far);
        assert_eq!(reminders(&store, &b).await, so_far);

        // `a`: the interview was on time (the petition's validity is met) and a new passport
        // replaces the old one (no renew-by date; its expiry is years away).
        let mut changed = case.clone();
        changed.interview_on = Some(day("2025-06-02"));
        let passport = changed
            .documents
            .iter_mut()
            .find(|d| d.kind == "passport")
            .expect("passport");
        passport.issued_on = Some(day("2025-06-20"));
        passport.expires_on = Some(day("2035-06-19"));
        store
            .update_case(&local(), &a, &changed, noon_in_manila("2025-07-02"))
            .await
            .expect("update");

        // 6 days before the petition's end, 13 before the renew-by date: only `b` hears.
        assert_eq!(sweep("2025-07-08").await, 1);
        assert_eq!(sweep("2025-07-19").await, 1);
        // 83 days before the old passport expires: `b` hears of the expiry itself.
        assert_eq!(sweep("2025-11-10").await, 1);
        assert_eq!(reminders(&store, &a).await, so_far, "nothing more for `a`");
        let mut b_expected = so_far.clone();
        b_expected.extend([
            r("deadline_approaching", "deadline", "petition_validity", 7),
            r("document_expiring", "renew_by", "passport", 14),
            r("document_expiring", "expiry", "passport", 90),
        ]);
        assert_eq!(reminders(&store, &b).await, b_expected);

        // A deleted case leaves no dates behind.
        assert!(store.delete_case(&local(), &b, created).await.expect("del"));
        let left = db
            .raw_count(
                "SELECT COUNT(*) FROM case_dates WHERE case_id = $1",
                b.as_str(),
            )
            .await;
        assert_eq!(left, 0);

        // A lead time longer than the defaults' is honoured: 235 days before the 221(g)
        // deadline, the 240-day reminder.
        let long = visanav_store::NotificationPrefs {
            lead_days: vec![240],
            ..visanav_store::NotificationPrefs::default()
        };
        store
            .set_notification_prefs(&local(), &long, created)
            .await
            .expect("prefs");
        assert_eq!(sweep("2025-10-10").await, 1);
        let last = reminders(&store, &a).await.pop();
        assert_eq!(
            last,
            Some(r(
                "deadline_approaching",
                "deadline",
                "221g_reconsideration",
                240
            ))
        );
    }
}
