//! Which policy restrictions reach a case: the beneficiary's nationality is where it starts,
//! not where it ends. A restriction must be in force, and it must stop something that still
//! lies ahead at the case's stage: issuance before the visa is issued, entry before the
//! beneficiary has travelled (unless the visa predates it and it spares valid visas), USCIS
//! decisions while a request is pending there.

use jiff::civil::Date;

use super::{RestrictionWarning, SetAside};
use crate::date::parse_date;
use crate::knowledge::{KVisaCoverage, Knowledge, Restriction, Restricts};

/// The case's stage, as restrictions see it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Phase {
    /// No visa yet. `petition_at_uscis`: the I-129F is pending at USCIS or was sent back there.
    NotIssued { petition_at_uscis: bool },
    /// The visa was issued (on `on`, or on or before it when only a status page showed it).
    Issued { on: Option<Date> },
    /// Admitted to the United States.
    Entered,
}

pub(super) struct Checked<'k> {
    pub warnings: Vec<RestrictionWarning<'k>>,
    pub set_aside: Vec<SetAside<'k>>,
}

fn labels(r: &Restriction) -> String {
    let l: Vec<&str> = r.restricts.iter().map(|x| x.label()).collect();
    l.join(" and ")
}

/// Why the restriction reaches the case (`Ok`) or not (`Err`), in words.
fn reaches(r: &Restriction, effective: Date, phase: Phase) -> Result<String, String> {
    let stops = |x: Restricts| r.restricts.contains(&x);
    let uscis_only = !stops(Restricts::VisaIssuance) && !stops(Restricts::Entry);
    match phase {
        Phase::Entered if stops(Restricts::UscisBenefits) => Ok(
            "The beneficiary is in the United States, and USCIS decisions such as the green-card application after the wedding may be held."
                .to_string(),
        ),
        Phase::Entered => Err(format!(
            "It stops {}, and the beneficiary has already been admitted to the United States.",
            labels(r)
        )),
        Phase::Issued { .. } if uscis_only => Err(
            "It holds decisions at USCIS, not the visa or the journey; it may matter after entry, for the green-card application after the wedding."
                .to_string(),
        ),
        Phase::Issued { on } => {
            let before = on.is_some_and(|d| d < effective);
            let issued = on.map(|d| format!(" on {d}")).unwrap_or_default();
            if !stops(Restricts::Entry) {
                Err(format!(
                    "It stops {}, and the visa was already issued{issued}; it does not stop travel on that visa.",
                    labels(r)
                ))
            } else if before && r.exempts_valid_visas {
                Err(format!(
                    "The visa was issued{issued}, before it took effect on {effective}; visas issued before then were not revoked, and their holders are outside it."
                ))
            } else if !before && stops(Restricts::VisaIssuance) {
                Err(format!(
                    "The visa was issued{issued}, after it took effect on {effective}: the consulate found this visa outside it (an exception, or a class it does not cover)."
                ))
            } else {
                Ok(format!(
                    "The visa was issued{issued}, but this restriction stops entry to the United States itself."
                ))
            }
        }
        Phase::NotIssued { petition_at_uscis } if uscis_only => {
            if petition_at_uscis {
                Ok("The petition is at USCIS, which may hold its decision; whether the hold reaches the I-129F is not confirmed.".to_string())
            } else {
                Err("It holds decisions at USCIS; the approved petition is already with the consulate. It may matter after entry, for the green-card application after the wedding.".to_string())
            }
        }
        Phase::NotIssued { .. } => Ok(format!(
            "The visa has not been issued yet, and this restriction stops {}.",
            labels(r)
        )),
    }
}

pub(super) fn check<'k>(
    k: &'k Knowledge,
    nationality: Option<&str>,
    phase: Phase,
    today: Date,
) -> Checked<'k> {
    let mut out = Checked {
        warnings: Vec::new(),
        set_aside: Vec::new(),
    };
    let Some(nat) = nationality else {
        return out;
    };
    for r in &k.restrictions {
        if r.applies_to_k == KVisaCoverage::No {
            continue;
        }
        let coverage = if r.countries.iter().any(|c| c == nat) {
            "full"
        } else if r.partial_countries.iter().any(|c| c == nat) {
            "partial"
        } else {
            continue;
        };
        // The loader refuses a restriction without a valid effective date.
        let Ok(effective) = parse_date(&r.effective_on) else {
            continue;
        };
        let ended = r.ends_on.as_deref().and_then(|e| parse_date(e).ok());
        let set_aside = |why: String| SetAside {
            restriction: &r.id,
            title: &r.title,
            why,
            sources: &r.sources,
        };
        if effective > today {
            out.set_aside
                .push(set_aside(format!("It takes effect on {effective}.")));
            continue;
        }
        if let Some(end) = ended
            && end < today
        {
            out.set_aside.push(set_aside(format!("It ended on {end}.")));
            continue;
        }
        match reaches(r, effective, phase) {
            Ok(why) => out.warnings.push(RestrictionWarning {
                restriction: &r.id,
                title: &r.title,
                effect: &r.effect,
                coverage,
                applies_to_k: r.applies_to_k,
                restricts: &r.restricts,
                effective_on: &r.effective_on,
                why,
                last_verified: &r.last_verified,
                sources: &r.sources,
                uncertain: r.uncertain.as_deref(),
            }),
            Err(why) => out.set_aside.push(set_aside(why)),
        }
    }
    out
}
