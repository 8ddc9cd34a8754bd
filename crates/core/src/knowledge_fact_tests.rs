//! Guards for facts corrected or added in the 2026-11-30 review of the knowledge base
//! (see docs/knowledge.md, "Review of 2026-11-30"). Each test pins what an entry must keep
//! saying, so a later edit cannot quietly bring back the old, wrong text.

#[cfg(test)]
mod facts_2026_11_30 {
    use crate::knowledge::Knowledge;

    fn knowledge() -> Knowledge {
        Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every text a person reads from statuses, documents, rules and triggers.
    fn human_texts(k: &Knowledge) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for s in &k.statuses {
            let mut texts = vec![s.meaning.clone()];
            texts.extend(s.causes.iter().cloned());
            texts.extend(s.next_steps.iter().cloned());
            texts.extend(s.misconceptions.iter().cloned());
            texts.extend(s.typical_duration.iter().cloned());
            texts.extend(s.uncertain.iter().cloned());
            out.extend(texts.into_iter().map(|t| (format!("status {}", s.slug), t)));
        }
        for d in &k.documents {
            let mut texts = vec![d.description.clone()];
            texts.extend(d.validity.iter().map(|v| v.rule.clone()));
            texts.extend(d.uncertain.iter().cloned());
            out.extend(texts.into_iter().map(|t| (format!("document {}", d.id), t)));
        }
        for r in &k.rules {
            let mut texts = vec![r.text.clone()];
            texts.extend(r.consequence.iter().cloned());
            texts.extend(r.exceptions.iter().cloned());
            texts.extend(r.uncertain.iter().cloned());
            out.extend(texts.into_iter().map(|t| (format!("rule {}", r.id), t)));
        }
        for t in &k.triggers {
            let mut texts = vec![t.reason.clone()];
            texts.extend(t.uncertain.iter().cloned());
            out.extend(texts.into_iter().map(|x| (format!("trigger {}", t.id), x)));
        }
        out
    }

    /// K visas have no vaccination requirement at the visa stage (Embassies Tokyo and London);
    /// vaccinations come at adjustment of status. No text may say they are part of the exam.
    #[test]
    fn k_medical_exam_has_no_vaccination_requirement() {
        let k = knowledge();
        let medical = k.document("medical_exam").expect("medical_exam");
        assert!(
            medical
                .description
                .contains("do not need vaccinations to get the visa")
                && medical.description.contains("adjustment of status"),
            "{}",
            medical.description
        );
        assert!(
            medical
                .sources
                .iter()
                .any(|s| s
                    == "https://jp.usembassy.gov/visas/immigrant-visas/vaccination-requirements/"),
            "cites Embassy Tokyo's vaccination page"
        );
        for (entry, text) in human_texts(&k) {
            let lower = text.to_lowercase();
            assert!(
                !lower.contains("including vaccinations")
                    && !lower.contains("vaccinations are part of")
                    && !lower.contains("vaccinations are required for the k"),
                "{entry} says vaccinations are part of the K exam: {text}"
            );
        }
    }

    /// The November 2025 public-charge guidance: the whole applicant is weighed, so an I-134
    /// alone may not cure a 212(a)(4) refusal; the unpublished cable is marked uncertain.
    #[test]
    fn public_charge_weighs_the_whole_applicant() {
        let k = knowledge();
        let t = k.trigger("public_charge").expect("public_charge");
        for needle in ["health", "age", "English", "savings", "Form I-134 alone"] {
            assert!(
                t.reason.contains(needle),
                "reason lacks {needle:?}: {}",
                t.reason
            );
        }
        assert!(
            t.uncertain
                .as_deref()
                .is_some_and(|u| u.contains("not published")),
            "the unpublished cable is marked uncertain"
        );
        let i134 = k.document("i134_support").expect("i134_support");
        assert!(
            i134.description.contains("I-134 alone may not"),
            "{}",
            i134.description
        );
        assert_eq!(t.as_of, "2026-11-30");
        for id in [
            "i134_support",
            "tax_documents",
            "employment_letter",
            "bank_statements",
        ] {
            let d = k.document(id).unwrap_or_else(|| panic!("{id}"));
            assert_eq!(d.as_of, "2026-11-30", "{id}");
            assert!(
                d.description.contains("November 2025"),
                "{id} explains the November 2025 guidance: {}",
                d.description
            );
        }
    }

    /// The USCIS nationality holds and the online-presence review are uncertain for K-1 and
    /// the I-129F, and must say so where people read about pending or refused cases.
    #[test]
    fn hold_and_online_presence_notes_are_marked_uncertain() {
        let k = knowledge();
        for slug in [
            "uscis-case-is-on-hold",
            "uscis-case-was-received",
            "uscis-case-was-received-and-a-receipt-notice-was-emailed",
            "uscis-case-is-being-actively-reviewed-by-uscis",
            "uscis-response-to-uscis-request-for-evidence-was-received",
        ] {
            let s = k.status_by_slug(slug).unwrap_or_else(|| panic!("{slug}"));
            let u = s.uncertain.as_deref().unwrap_or_default();
            assert!(
                u.contains("PM-602-0194") && u.contains("I-129F"),
                "{slug}: {u}"
            );
        }
        for slug in ["ceac-refused", "ceac-administrative-processing"] {
            let s = k.status_by_slug(slug).unwrap_or_else(|| panic!("{slug}"));
            let u = s.uncertain.as_deref().unwrap_or_default();
            assert!(
                u.contains("online-presence") && u.contains("K-1") && u.contains("unverified"),
                "{slug}: {u}"
            );
        }
        let r = k
            .rule("administrative_processing_typical")
            .expect("administrative_processing_typical");
        assert!(
            r.exceptions
                .iter()
                .any(|e| e.contains("Online-presence") && e.contains("unverified")),
            "{:?}",
            r.exceptions
        );
    }

    /// Sources judged unreliable in the review (content farms, an anonymous forum, sites that
    /// report unverified policy) stay out of the entries this review owns.
    #[test]
    fn reviewed_entries_cite_no_unreliable_sites() {
        const UNRELIABLE: &[&str] = &[
            "visaverge.com",
            "candleforlove.com",
            "particle.news",
            "immigrationstartguide.com",
        ];
        let k = knowledge();
        let mut lists: Vec<(String, &Vec<String>)> = Vec::new();
        lists.extend(
            k.statuses
                .iter()
                .map(|s| (format!("status {}", s.slug), &s.sources)),
        );
        lists.extend(
            k.documents
                .iter()
                .map(|d| (format!("document {}", d.id), &d.sources)),
        );
        lists.extend(
            k.rules
                .iter()
                .map(|r| (format!("rule {}", r.id), &r.sources)),
        );
        lists.extend(
            k.triggers
                .iter()
                .map(|t| (format!("trigger {}", t.id), &t.sources)),
        );
        for (entry, sources) in lists {
            for src in sources {
                assert!(
                    !UNRELIABLE.iter().any(|bad| src.contains(bad)),
                    "{entry} cites an unreliable source: {src}"
                );
            }
        }
    }
}
