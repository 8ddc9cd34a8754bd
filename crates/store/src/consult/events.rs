//! The events a consultation's changes write to the outbox, in the change's transaction: one
//! per person told (the applicant, the attorney), each with what that person's message needs
//! (their own time zone, their own link). Nothing personal goes in: the case is named by visa
//! and post, the firm and attorney by the names they publish, and a message written by the
//! other side stays in the app ("open visanav to read it").

use jiff::Timestamp;
use serde_json::json;

use super::{ConsultStatus, Consultation, Side};
use crate::{StoreError, Tx};

/// Who hears about each kind of change. The side that declined or proposed other times made
/// the change and sees it on its page; everything else reaches both.
fn audiences(kind: &str) -> &'static [Side] {
    match kind {
        "consultation_declined" | "consultation_proposed" => &[Side::Applicant],
        _ => &[Side::Applicant, Side::Attorney],
    }
}

/// The case as messages name it ("K-1 case, Manila").
fn label(k: &Consultation) -> String {
    match (k.intake.visa.trim(), k.intake.post_name.trim()) {
        ("", _) => "Your case".to_string(),
        (visa, "") => format!("{visa} case"),
        (visa, post) => format!("{visa} case, {post}"),
    }
}

impl Tx<'_> {
    pub(super) async fn consultation_event(
        &mut self,
        id: &str,
        kind: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let k = self.consultation_unchecked(id).await?;
        for side in audiences(kind) {
            let (to, zone, other_zone, path) = match side {
                Side::Applicant => match &k.applicant_id {
                    Some(a) => (
                        a.as_str().to_string(),
                        &k.applicant_zone,
                        &k.attorney_zone,
                        format!("/consultations/{id}"),
                    ),
                    // An unverified request reached nobody: nobody to tell.
                    None => continue,
                },
                Side::Attorney => (
                    k.attorney_id.as_str().to_string(),
                    &k.attorney_zone,
                    &k.applicant_zone,
                    format!("/consult/requests/{id}"),
                ),
            };
            let payload = json!({
                "consultation": id,
                "to": to,
                "audience": side.as_str(),
                "status": k.status.as_str(),
                "start_ms": k.start.as_millisecond(),
                "end_ms": k.end.as_millisecond(),
                "zone": zone,
                "other_zone": other_zone,
                "firm": k.firm_name,
                "attorney": k.attorney_name,
                "type": k.type_name,
                "minutes": k.minutes,
                "location": (k.status == ConsultStatus::Confirmed).then_some(&k.location),
                "label": label(&k),
                "sequence": k.sequence,
                "cancelled_by": k.cancelled_by,
                "has_message": k.message.is_some(),
                "proposals": k.proposals.iter().map(|t| t.as_millisecond()).collect::<Vec<_>>(),
                "path": path,
            });
            self.insert_event(None, kind, &payload, now).await?;
        }
        Ok(())
    }
}
