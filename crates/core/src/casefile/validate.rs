//! Validation: every field of a raw case file against the knowledge base and `today`,
//! collecting every problem before giving up.

use jiff::civil::Date;

use super::raw::{DateText, RawCaseFile, RawDocument, RawPerson, RawRefusal, RawStatus};
use super::{
    CaseDocument, CaseFile, CaseFileError, DocumentStatus, FieldProblem, Person, Refusal,
    StatusObservation, VisaClass,
};
use crate::date::parse_date;
use crate::ids::{CeacCaseNumber, Ds160Id, PassportNumber, ReceiptNumber};
use crate::knowledge::{Knowledge, StatusSource};

/// The case's milestones, as written (`DateText`) or validated (`Date`).
struct KeyDates<T> {
    petition_approved_on: Option<T>,
    interview_on: Option<T>,
    visa_issued_on: Option<T>,
    entered_us_on: Option<T>,
    principal_visa_issued_on: Option<T>,
}

pub(super) struct Validator<'a> {
    k: &'a Knowledge,
    today: Date,
    problems: Vec<FieldProblem>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(k: &'a Knowledge, today: Date) -> Validator<'a> {
        Validator {
            k,
            today,
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(FieldProblem {
            field: field.into(),
            message: message.into(),
        });
    }

    fn id<T>(
        &mut self,
        field: &str,
        value: Option<String>,
        parse: fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let v = value?;
        match parse(&v) {
            Ok(id) => Some(id),
            Err(e) => {
                self.problem(field, e);
                None
            }
        }
    }

    /// A date that must not lie after `today` (it records something that already happened).
    fn past_date(&mut self, field: &str, value: Option<DateText>) -> Option<Date> {
        let d = self.date(field, value)?;
        if d > self.today {
            self.problem(
                field,
                format!(
                    "{d} is in the future (today is {}); record only what has happened",
                    self.today
                ),
            );
        }
        Some(d)
    }

    fn date(&mut self, field: &str, value: Option<DateText>) -> Option<Date> {
        match parse_date(&value?.0) {
            Ok(d) => Some(d),
            Err(e) => {
                self.problem(field, e);
                None
            }
        }
    }

    /// A date of birth: checked like `past_date`, but the problems never repeat it.
    fn birth_date(&mut self, field: &str, value: Option<DateText>) -> Option<Date> {
        let Ok(d) = parse_date(&value?.0) else {
            self.problem(
                field,
                "is not a real date written YYYY-MM-DD, e.g. 1990-06-02",
            );
            return None;
        };
        if d > self.today {
            self.problem(
                field,
                format!("is in the future (today is {}); check the year", self.today),
            );
        }
        Some(d)
    }

    /// A person's nationality: like `country`, but the problem does not repeat what was
    /// written (it is part of the person's record).
    fn nationality(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = value?;
        match self.k.find_country(&v) {
            Some(c) => Some(c.code.clone()),
            None => {
                self.problem(field, "is not a known country; use its two-letter ISO code, e.g. PH for the Philippines");
                None
            }
        }
    }

    fn country(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = value?;
        match self.k.find_country(&v) {
            Some(c) => Some(c.code.clone()),
            None => {
                self.problem(field, format!("{v:?} is not a known country; use its two-letter ISO code, e.g. PH for the Philippines"));
                None
            }
        }
    }

    fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let v = value?.trim().to_string();
        if v.is_empty() {
            return None;
        }
        if v.chars().count() > max {
            self.problem(
                field,
                format!(
                    "is {} characters long; the limit is {max}",
                    v.chars().count()
                ),
            );
            return None;
        }
        if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.problem(field, "contains control characters; remove them");
            return None;
        }
        Some(v)
    }

    fn document_id(&mut self, field: &str, id: &str) -> Option<String> {
        let id = id.trim();
        if self.k.document(id).is_some() {
            return Some(id.to_string());
        }
        let hint = self.k.suggest_documents(id);
        let hint = if hint.is_empty() {
            "see `visanav knowledge documents` or docs/case-file.md for the list".to_string()
        } else {
            format!("did you mean {}?", hint.join(", "))
        };
        self.problem(
            field,
            format!("{id:?} is not a document kind in the catalogue; {hint}"),
        );
        None
    }

    fn person(&mut self, prefix: &str, raw: Option<RawPerson>) -> Option<Person> {
        let raw = raw?;
        let p = Person {
            given_names: self.text(&format!("{prefix}.given_names"), raw.given_names, 200),
            surname: self.text(&format!("{prefix}.surname"), raw.surname, 200),
            date_of_birth: self.birth_date(&format!("{prefix}.date_of_birth"), raw.date_of_birth),
            nationality: self.nationality(&format!("{prefix}.nationality"), raw.nationality),
        };
        Some(p)
    }

    fn order(&mut self, field: &str, earlier: (&str, Option<Date>), later: (&str, Option<Date>)) {
        if let ((ename, Some(e)), (lname, Some(l))) = (earlier, later)
            && l < e
        {
            self.problem(
                field,
                format!("{lname} ({l}) is before {ename} ({e}); check both dates"),
            );
        }
    }

    pub(super) fn case(mut self, raw: RawCaseFile) -> Result<CaseFile, CaseFileError> {
        let visa = match VisaClass::parse(&raw.visa) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem("visa", e);
                None
            }
        };
        let post = self.post(&raw.post);
        let ceac_case_number = self.id(
            "ceac_case_number",
            raw.ceac_case_number,
            CeacCaseNumber::parse,
        );
        let ds160_id = self.id("ds160_id", raw.ds160_id, Ds160Id::parse);
        let uscis_receipt = self.id("uscis_receipt", raw.uscis_receipt, ReceiptNumber::parse);
        let passport_number = self.id(
            "passport_number",
            raw.passport_number,
            PassportNumber::parse,
        );
        let surname = self.text("surname", raw.surname, 200);
        let dates = self.key_dates(
            visa,
            KeyDates {
                petition_approved_on: raw.petition_approved_on,
                interview_on: raw.interview_on,
                visa_issued_on: raw.visa_issued_on,
                entered_us_on: raw.entered_us_on,
                principal_visa_issued_on: raw.principal_visa_issued_on,
            },
        );
        let beneficiary = self.person("beneficiary", raw.beneficiary);
        let petitioner = self.person("petitioner", raw.petitioner);
        let status = raw
            .status
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| self.status(&format!("status[{i}]."), s))
            .collect();
        let refusal = raw
            .refusal
            .and_then(|r| self.refusal(r, dates.interview_on));
        let documents = raw
            .documents
            .into_iter()
            .enumerate()
            .filter_map(|(i, d)| self.document(i, d))
            .collect();

        if !self.problems.is_empty() {
            return Err(CaseFileError::Invalid(self.problems));
        }
        let (Some(visa), Some(post)) = (visa, post) else {
            return Err(CaseFileError::Invalid(self.problems));
        };
        Ok(CaseFile {
            visa,
            post,
            ceac_case_number,
            ds160_id,
            uscis_receipt,
            passport_number,
            surname,
            petition_approved_on: dates.petition_approved_on,
            interview_on: dates.interview_on,
            visa_issued_on: dates.visa_issued_on,
            entered_us_on: dates.entered_us_on,
            principal_visa_issued_on: dates.principal_visa_issued_on,
            beneficiary,
            petitioner,
            status,
            refusal,
            documents,
        })
    }

    /// A status reading on its own (added to a case), checked as a case file's are.
    pub(super) fn one_status(mut self, raw: RawStatus) -> Result<StatusObservation, CaseFileError> {
        match self.status("", raw) {
            Some(obs) if self.problems.is_empty() => Ok(obs),
            _ => Err(CaseFileError::Invalid(self.problems)),
        }
    }

    fn post(&mut self, raw: &str) -> Option<String> {
        let code = raw.trim().to_ascii_uppercase();
        if self.k.post(&code).is_some() {
            return Some(code);
        }
        let hint = self.k.suggest_posts(raw);
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", hint.join(", "))
        };
        self.problem("post", format!("{raw:?} is not a CEAC post code; expected the 3-letter code CEAC uses, e.g. MNL for Manila{hint}"));
        None
    }

    /// The case's milestones: each a real date, in the past (but the interview), in order.
    fn key_dates(&mut self, visa: Option<VisaClass>, raw: KeyDates<DateText>) -> KeyDates<Date> {
        let petition_approved_on = self.past_date("petition_approved_on", raw.petition_approved_on);
        // An interview may be scheduled ahead, so it alone may lie in the future.
        let interview_on = self.date("interview_on", raw.interview_on);
        let visa_issued_on = self.past_date("visa_issued_on", raw.visa_issued_on);
        let entered_us_on = self.past_date("entered_us_on", raw.entered_us_on);
        let principal_visa_issued_on =
            self.past_date("principal_visa_issued_on", raw.principal_visa_issued_on);
        if principal_visa_issued_on.is_some() && visa != Some(VisaClass::K2) {
            self.problem(
                "principal_visa_issued_on",
                "applies only to K-2 cases (the K-1 parent's visa issue date); remove it or set visa = \"K-2\"",
            );
        }
        self.order(
            "interview_on",
            ("petition_approved_on", petition_approved_on),
            ("interview_on", interview_on),
        );
        self.order(
            "visa_issued_on",
            ("interview_on", interview_on),
            ("visa_issued_on", visa_issued_on),
        );
        self.order(
            "entered_us_on",
            ("visa_issued_on", visa_issued_on),
            ("entered_us_on", entered_us_on),
        );
        KeyDates {
            petition_approved_on,
            interview_on,
            visa_issued_on,
            entered_us_on,
            principal_visa_issued_on,
        }
    }

    /// One status observation: dates in the past and in order, a known source and status.
    /// One status reading; its fields' paths start with `prefix` (`status[2].`, or nothing).
    fn status(&mut self, prefix: &str, s: RawStatus) -> Option<StatusObservation> {
        let f = |name: &str| format!("{prefix}{name}");
        let on = self.past_date(&f("on"), Some(s.on));
        let last_updated = self.past_date(&f("last_updated"), s.last_updated);
        self.order(
            &f("last_updated"),
            ("last_updated", last_updated),
            ("on", on),
        );
        let source = match s.source.as_deref().map(StatusSource::parse) {
            None => Some(StatusSource::Ceac),
            Some(Some(src)) => Some(src),
            Some(None) => {
                self.problem(
                    f("source"),
                    format!(
                        "{:?} is not a status source; expected ceac or uscis",
                        s.source.unwrap_or_default()
                    ),
                );
                None
            }
        };
        let name = source.and_then(|src| self.status_name(&f("status"), &s.status, src));
        Some(StatusObservation {
            on: on?,
            status: name?,
            last_updated,
            source: source?,
        })
    }

    /// The canonical spelling of a status of `source`, or a problem with suggestions.
    fn status_name(&mut self, field: &str, status: &str, source: StatusSource) -> Option<String> {
        if let Some(known) = self.k.find_status(status, Some(source)) {
            return Some(known.name.clone());
        }
        let hint: Vec<String> = self
            .k
            .suggest_statuses(status, Some(source))
            .iter()
            .map(|k| format!("{:?}", k.name))
            .collect();
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", hint.join(", "))
        };
        self.problem(
            field,
            format!(
                "{status:?} is not a known {} status{hint} (`visanav status explain` lists them)",
                source.as_str()
            ),
        );
        None
    }

    fn refusal(&mut self, r: RawRefusal, interview_on: Option<Date>) -> Option<Refusal> {
        let on = self.past_date("refusal.on", Some(r.on));
        self.order(
            "refusal.on",
            ("interview_on", interview_on),
            ("refusal.on", on),
        );
        let submitted_on = self.past_date("refusal.submitted_on", r.submitted_on);
        self.order(
            "refusal.submitted_on",
            ("refusal.on", on),
            ("refusal.submitted_on", submitted_on),
        );
        let sections = r.sections.unwrap_or_else(|| vec!["221(g)".to_string()]);
        let mut clean_sections = Vec::new();
        for (i, s) in sections.iter().enumerate() {
            match normalize_section(s) {
                Some(n) => clean_sections.push(n),
                None => self.problem(
                    format!("refusal.sections[{i}]"),
                    format!(
                        "{s:?} is not an INA section; expected e.g. 221(g), 212(a)(4) or 214(b)"
                    ),
                ),
            }
        }
        let mut requested = Vec::new();
        for (i, id) in r.requested.iter().enumerate() {
            if let Some(id) = self.document_id(&format!("refusal.requested[{i}]"), id)
                && !requested.contains(&id)
            {
                requested.push(id);
            }
        }
        let notes = self.text("refusal.notes", r.notes, 20_000);
        on.map(|on| Refusal {
            on,
            sections: clean_sections,
            requested,
            submitted_on,
            notes,
        })
    }

    fn document(&mut self, i: usize, d: RawDocument) -> Option<CaseDocument> {
        let f = |name: &str| format!("documents[{i}].{name}");
        let kind = self.document_id(&f("kind"), &d.kind);
        let country = self.country(&f("country"), d.country);
        let issued_on = self.past_date(&f("issued_on"), d.issued_on);
        let expires_on = self.date(&f("expires_on"), d.expires_on);
        self.order(
            &f("expires_on"),
            ("issued_on", issued_on),
            ("expires_on", expires_on),
        );
        let status = match d.status.as_deref().map(DocumentStatus::parse) {
            None => Some(DocumentStatus::Needed),
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => {
                self.problem(f("status"), e);
                None
            }
        };
        let status_on = self.past_date(&f("status_on"), d.status_on);
        if status_on.is_some() && status == Some(DocumentStatus::Needed) {
            self.problem(
                f("status_on"),
                "a date is kept only for a document that is gathered or submitted; \
                 set status to \"gathered\" or \"submitted\", or remove the date"
                    .to_string(),
            );
        }
        let note = self.text(&f("note"), d.note, super::MAX_DOCUMENT_NOTE_CHARS);
        Some(CaseDocument {
            kind: kind?,
            country,
            issued_on,
            expires_on,
            status: status?,
            status_on,
            note,
        })
    }
}

/// `221g`, `221 (g)`, `INA 221(g)` -> `221(g)`; `212(a)(6)(C)(i)` kept with its case.
pub(super) fn normalize_section(text: &str) -> Option<String> {
    let t = text.trim();
    let t = t
        .strip_prefix("INA")
        .or_else(|| t.strip_prefix("ina"))
        .unwrap_or(t)
        .trim();
    let t = t.strip_prefix("§").unwrap_or(t).trim();
    let compacted: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if compacted.eq_ignore_ascii_case("221g") {
        return Some("221(g)".into());
    }
    let digits: String = compacted
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let rest = &compacted[digits.len()..];
    let ok = digits.len() == 3
        && !rest.is_empty()
        && rest.starts_with('(')
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '(' || c == ')')
        && rest.matches('(').count() == rest.matches(')').count();
    ok.then_some(compacted)
}
