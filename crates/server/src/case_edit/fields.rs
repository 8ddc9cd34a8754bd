//! The edit forms, described as data: each section is groups of fields named by case-file
//! path, rendered by one template and applied by one handler.

use std::collections::HashMap;

use serde_json::Value;
use visanav_core::knowledge::Knowledge;

use super::paths;

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Text,
    Date,
    Textarea,
    /// One of `options`, as radio buttons.
    Radio,
    /// One of `options`, as a drop-down.
    Select,
    /// Any of `options` (a list in the case file).
    Checkboxes,
    /// A yes/no flag of the form itself (remove this row), not a case-file value.
    Flag,
    /// The post: a code, or a city or country resolved like the new-case form.
    Post,
    /// A comma-separated list in one line (legal sections).
    List,
}

pub struct Field {
    pub name: String,
    pub label: String,
    pub hint: &'static str,
    pub input: Input,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub checked: Vec<String>,
    pub error: String,
    pub autocomplete: &'static str,
}

impl Field {
    fn new(name: impl Into<String>, label: impl Into<String>, input: Input) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            hint: "",
            input,
            value: String::new(),
            options: Vec::new(),
            checked: Vec::new(),
            error: String::new(),
            autocomplete: "off",
        }
    }

    fn hint(mut self, hint: &'static str) -> Field {
        self.hint = hint;
        self
    }

    fn options(mut self, options: Vec<(String, String)>) -> Field {
        self.options = options;
        self
    }

    /// The template's input type for text-like inputs.
    pub fn html_type(&self) -> &'static str {
        match self.input {
            Input::Date => "date",
            _ => "text",
        }
    }

    pub fn is(&self, kind: &str) -> bool {
        let name = match self.input {
            Input::Text | Input::Date | Input::Post | Input::List => "line",
            Input::Textarea => "textarea",
            Input::Radio => "radio",
            Input::Select => "select",
            Input::Checkboxes => "checkboxes",
            Input::Flag => "flag",
        };
        name == kind
    }

    pub fn is_checked(&self, value: &str) -> bool {
        self.checked.iter().any(|c| c == value)
    }

    /// The id of the field's input, for labels and error links.
    pub fn id(&self) -> String {
        field_id(&self.name)
    }
}

/// `documents[2].kind` → `f-documents-2-kind`: an HTML id for a case-file path.
pub fn field_id(path: &str) -> String {
    format!(
        "f-{}",
        path.replace("].", "-")
            .replace(['.', '['], "-")
            .replace(']', "")
    )
}

pub struct Group {
    pub legend: String,
    pub fields: Vec<Field>,
}

/// The sections of a case that can be edited, by URL name.
pub const SECTIONS: &[(&str, &str)] = &[
    ("details", "Dates and case numbers"),
    ("people", "The people on the case"),
    ("refusal", "The refusal"),
    ("documents", "Documents"),
];

fn doc_options(k: &Knowledge, blank: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = if blank {
        vec![(String::new(), "Choose a document…".into())]
    } else {
        Vec::new()
    };
    out.extend(k.documents.iter().map(|d| (d.id.clone(), d.name.clone())));
    out
}

fn status_options() -> Vec<(String, String)> {
    [
        ("needed", "Still needed"),
        ("gathered", "Gathered"),
        ("submitted", "Sent to the embassy"),
    ]
    .iter()
    .map(|(v, l)| (v.to_string(), l.to_string()))
    .collect()
}

fn person(prefix: &str, who: &str) -> Group {
    Group {
        legend: who.to_string(),
        fields: vec![
            Field::new(format!("{prefix}.given_names"), "Given names", Input::Text),
            Field::new(format!("{prefix}.surname"), "Surname", Input::Text),
            Field::new(
                format!("{prefix}.date_of_birth"),
                "Date of birth",
                Input::Date,
            ),
            Field::new(format!("{prefix}.nationality"), "Nationality", Input::Text)
                .hint("The country's name or its two-letter code, e.g. Philippines or PH."),
        ],
    }
}

fn document_fields(k: &Knowledge, i: usize, new: bool) -> Vec<Field> {
    let p = |f: &str| format!("documents[{i}].{f}");
    let mut fields = vec![
        Field::new(p("kind"), "Document", Input::Select).options(doc_options(k, new)),
        Field::new(p("country"), "Issued by (country)", Input::Text)
            .hint("The country's name or two-letter code; leave empty if it does not matter."),
        Field::new(p("issued_on"), "Issued on", Input::Date),
        Field::new(p("expires_on"), "Expires on", Input::Date),
        Field::new(p("status"), "Where it is", Input::Select).options(status_options()),
        Field::new(p("status_on"), "Day gathered or sent", Input::Date),
        Field::new(p("note"), "Note", Input::Textarea)
            .hint("Only you and the people you share the case with see it."),
    ];
    if !new {
        fields.push(Field::new(
            p("remove"),
            "Remove this document from the case",
            Input::Flag,
        ));
    }
    fields
}

/// The groups of a section for a case whose current content is `current`.
pub fn section(k: &Knowledge, name: &str, current: &Value) -> Option<Vec<Group>> {
    let visas = vec![
        ("K-1".to_string(), "K-1 (fiancé(e))".to_string()),
        ("K-2".to_string(), "K-2 (a K-1's child)".to_string()),
    ];
    let groups = match name {
        "details" => vec![
            Group {
                legend: "The visa".into(),
                fields: vec![
                    Field::new("visa", "Which visa?", Input::Radio).options(visas),
                    Field::new("post", "The embassy or consulate", Input::Post)
                        .hint("Type the city or the country, or pick from the list."),
                ],
            },
            Group {
                legend: "Case numbers".into(),
                fields: vec![
                    Field::new("ceac_case_number", "Case number", Input::Text)
                        .hint("3 letters and 10 digits, e.g. MNL2024512345."),
                    Field::new("ds160_id", "DS-160 confirmation number", Input::Text)
                        .hint("AA and 8 letters or digits."),
                    Field::new("uscis_receipt", "I-129F receipt number", Input::Text)
                        .hint("3 letters and 10 digits, e.g. IOE0912345678."),
                    Field::new("passport_number", "Passport number", Input::Text)
                        .hint("The applicant's, as the status page asks for it. Stored encrypted."),
                    Field::new("surname", "Surname for the status page", Input::Text),
                ],
            },
            Group {
                legend: "Dates".into(),
                fields: vec![
                    Field::new("petition_approved_on", "Petition approved on", Input::Date),
                    Field::new("interview_on", "Interview date", Input::Date),
                    Field::new("visa_issued_on", "Visa issued on", Input::Date),
                    Field::new("entered_us_on", "Entered the United States on", Input::Date),
                    Field::new(
                        "principal_visa_issued_on",
                        "K-2 only: the K-1 parent's visa was issued on",
                        Input::Date,
                    ),
                ],
            },
        ],
        "people" => vec![
            person("beneficiary", "The applicant (the fiancé(e) or child)"),
            person("petitioner", "The petitioner (the U.S. citizen)"),
        ],
        "refusal" => vec![
            Group {
                legend: "The refusal at the interview".into(),
                fields: vec![
                    Field::new("refusal.on", "Date of the refusal", Input::Date),
                    Field::new("refusal.sections", "Sections of the law cited", Input::List)
                        .hint("Usually 221(g). Separate several with commas."),
                    Field::new(
                        "refusal.requested",
                        "Documents the embassy asked for",
                        Input::Checkboxes,
                    )
                    .options(doc_options(k, false)),
                    Field::new("refusal.submitted_on", "Documents sent on", Input::Date),
                    Field::new("refusal.notes", "Notes", Input::Textarea),
                ],
            },
            Group {
                legend: "No refusal?".into(),
                fields: vec![Field::new(
                    "refusal.remove",
                    "There was no refusal: remove it from the case",
                    Input::Flag,
                )],
            },
        ],
        "documents" => {
            let count = current
                .get("documents")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let mut groups: Vec<Group> = (0..count)
                .map(|i| {
                    let kind = paths::get(current, &format!("documents[{i}].kind"));
                    let name = k.document(&kind).map_or(kind.clone(), |d| d.name.clone());
                    Group {
                        legend: format!("{}. {name}", i + 1),
                        fields: document_fields(k, i, false),
                    }
                })
                .collect();
            groups.push(Group {
                legend: "Add a document".into(),
                fields: document_fields(k, count, true),
            });
            groups
        }
        _ => return None,
    };
    Some(groups)
}

/// Fills the fields' values from the case (first visit) or from what was sent (a form shown
/// again with its problems), and attaches each problem to its field.
pub fn fill(groups: &mut [Group], from: Source<'_>, errors: &HashMap<String, String>) {
    for f in groups.iter_mut().flat_map(|g| g.fields.iter_mut()) {
        match from {
            Source::Case(v) => {
                if f.input == Input::Checkboxes {
                    f.checked = paths::get(v, &f.name)
                        .split(", ")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                } else if f.input != Input::Flag {
                    f.value = paths::get(v, &f.name);
                }
            }
            Source::Form(pairs) => {
                let mut sent = pairs.iter().filter(|(k, _)| *k == f.name).map(|(_, v)| v);
                if matches!(f.input, Input::Checkboxes | Input::Flag) {
                    f.checked = sent.cloned().collect();
                } else {
                    f.value = sent.next_back().cloned().unwrap_or_default();
                }
            }
        }
        if let Some(e) = errors.get(&f.name) {
            f.error = e.clone();
        }
    }
}

#[derive(Clone, Copy)]
pub enum Source<'a> {
    Case(&'a Value),
    Form(&'a [(String, String)]),
}

/// A person-readable name for a case-file path, for the "this would remove" list.
pub fn label_of(groups: &[Group], path: &str) -> String {
    groups
        .iter()
        .flat_map(|g| g.fields.iter().map(move |f| (g, f)))
        .find(|(_, f)| f.name == path)
        .map(|(g, f)| {
            if path.starts_with("documents[") {
                format!("{}: {}", g.legend, f.label)
            } else {
                f.label.clone()
            }
        })
        .unwrap_or_else(|| path.to_string())
}
