//! Editing a case and moving checklist items along, on both backends.

use super::checks::case_of;
use super::*;
use visanav_core::casefile::{CaseDocument, DocumentStatus};
use visanav_store::DocumentState;

contract!(
    an_edit_replaces_the_content_and_keeps_the_history,
    an_edit_can_start_or_remove_the_refusal_episode,
    checklist_items_keep_a_date_and_an_encrypted_note,
);

mod checks {
    use super::*;

    fn date(s: &str) -> jiff::civil::Date {
        s.parse().expect("date")
    }

    pub async fn an_edit_replaces_the_content_and_keeps_the_history(db: &TestDb) {
        let id = db.new_case().await;
        let mut edited = example();
        edited.interview_on = Some(date("2025-06-03"));
        edited.beneficiary.as_mut().expect("b").surname = Some("Santos-Reyes".into());
        edited.documents.remove(2);
        edited.documents.push(CaseDocument {
            kind: "birth_certificate".into(),
            country: Some("PH".into()),
            issued_on: None,
            expires_on: None,
            status: DocumentStatus::Gathered,
            status_on: Some(date("2025-07-01")),
            note: Some("PSA copy, in the blue folder".into()),
        });
        // A reading left out of the edited file stays; a new one is appended.
        edited.status.remove(0);
        edited.status.push(StatusObservation {
            on: date("2025-07-02"),
            status: "Administrative Processing".into(),
            last_updated: Some(date("2025-07-02")),
            source: StatusSource::Ceac,
        });
        edited.refusal.as_mut().expect("r").notes = Some("Courier: 2GO".into());

        assert!(matches!(
            db.store.update_case(&other(), &id, &edited, now()).await,
            Err(StoreError::CaseNotFound(_))
        ));
        db.store
            .update_case(&local(), &id, &edited, now())
            .await
            .expect("edit");
        let stored = case_of(db, &id).await;
        assert_eq!(stored.interview_on, edited.interview_on);
        assert_eq!(stored.beneficiary, edited.beneficiary);
        assert_eq!(stored.documents, edited.documents);
        assert_eq!(stored.refusal, edited.refusal);
        let statuses: Vec<&str> = stored.status.iter().map(|s| s.status.as_str()).collect();
        assert_eq!(
            statuses,
            [
                "Case Was Approved",
                "At NVC",
                "Ready",
                "Refused",
                "Administrative Processing"
            ]
        );
        // Editing again with the same file changes nothing (no reading appended twice).
        db.store
            .update_case(&local(), &id, &edited, now())
            .await
            .expect("edit again");
        assert_eq!(case_of(db, &id).await.status.len(), 5);
        let edits = db
            .raw_count(
                "SELECT COUNT(*) FROM audit_log WHERE case_id = $1 AND action = 'case_edited'",
                id.as_str(),
            )
            .await;
        assert_eq!(edits, 2);
    }

    pub async fn an_edit_can_start_or_remove_the_refusal_episode(db: &TestDb) {
        let id = db.new_case().await;
        let mut without = example();
        without.refusal = None;
        db.store
            .update_case(&local(), &id, &without, now())
            .await
            .expect("remove the episode");
        assert_eq!(case_of(db, &id).await.refusal, None);
        let with = example();
        db.store
            .update_case(&local(), &id, &with, now())
            .await
            .expect("start it again");
        assert_eq!(case_of(db, &id).await.refusal, with.refusal);
    }

    pub async fn checklist_items_keep_a_date_and_an_encrypted_note(db: &TestDb) {
        let id = db.new_case().await;
        let note = "Tracking LBC-55120 sent Tuesday";
        let state = DocumentState {
            status: DocumentStatus::Submitted,
            on: Some(date("2025-07-04")),
            note: Some(note.into()),
        };
        // Item 0 is the police certificate: naming another kind is refused, nothing written.
        let stale = db
            .store
            .set_document_state(&local(), &id, 0, "passport", &state, now())
            .await;
        assert!(
            matches!(stale, Err(StoreError::DocumentNotFound { index: 0, .. })),
            "{stale:?}"
        );
        assert!(matches!(
            db.store
                .set_document_state(&other(), &id, 0, "police_certificate", &state, now())
                .await,
            Err(StoreError::CaseNotFound(_))
        ));
        db.store
            .set_document_state(&local(), &id, 0, "police_certificate", &state, now())
            .await
            .expect("set");
        let d = &case_of(db, &id).await.documents[0];
        assert_eq!(d.status, DocumentStatus::Submitted);
        assert_eq!(d.status_on, Some(date("2025-07-04")));
        assert_eq!(d.note.as_deref(), Some(note));
        let clear = db
            .raw_count(
                "SELECT COUNT(*) FROM case_documents WHERE note_enc IS NOT NULL AND case_id = $1",
                id.as_str(),
            )
            .await;
        assert_eq!(clear, 1);
        // Back to needed: the date goes, an empty note removes the note.
        let back = DocumentState {
            status: DocumentStatus::Needed,
            on: Some(date("2025-07-04")),
            note: Some("  ".into()),
        };
        db.store
            .set_document_state(&local(), &id, 0, "police_certificate", &back, now())
            .await
            .expect("back");
        let d = &case_of(db, &id).await.documents[0];
        assert_eq!(
            (d.status, d.status_on, d.note.as_deref()),
            (DocumentStatus::Needed, None, None)
        );
    }
}
