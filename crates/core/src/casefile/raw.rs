//! The case file as written: every field loose, before validation. These types hold
//! personal values as typed and have no `Debug`.

use std::fmt;

use serde::Deserialize;

/// A date as written: a string, or a native TOML date (`2025-06-02` without quotes).
#[derive(Clone)]
pub(super) struct DateText(pub(super) String);

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DateText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DateText, E> {
                Ok(DateText(v.to_string()))
            }
            // The toml crate hands native dates over as a one-entry map.
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DateText, A::Error> {
                let (_, value): (String, String) = map
                    .next_entry()?
                    .ok_or_else(|| serde::de::Error::custom("empty date"))?;
                Ok(DateText(value))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPerson {
    pub(super) given_names: Option<String>,
    pub(super) surname: Option<String>,
    pub(super) date_of_birth: Option<DateText>,
    pub(super) nationality: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStatus {
    pub(super) on: DateText,
    pub(super) status: String,
    pub(super) last_updated: Option<DateText>,
    pub(super) source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRefusal {
    pub(super) on: DateText,
    pub(super) sections: Option<Vec<String>>,
    #[serde(default)]
    pub(super) requested: Vec<String>,
    pub(super) submitted_on: Option<DateText>,
    pub(super) notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDocument {
    pub(super) kind: String,
    pub(super) country: Option<String>,
    pub(super) issued_on: Option<DateText>,
    pub(super) expires_on: Option<DateText>,
    pub(super) status: Option<String>,
    pub(super) status_on: Option<DateText>,
    pub(super) note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCaseFile {
    pub(super) visa: String,
    pub(super) post: String,
    pub(super) ceac_case_number: Option<String>,
    pub(super) ds160_id: Option<String>,
    pub(super) uscis_receipt: Option<String>,
    pub(super) passport_number: Option<String>,
    pub(super) surname: Option<String>,
    pub(super) petition_approved_on: Option<DateText>,
    pub(super) interview_on: Option<DateText>,
    pub(super) visa_issued_on: Option<DateText>,
    pub(super) entered_us_on: Option<DateText>,
    pub(super) principal_visa_issued_on: Option<DateText>,
    pub(super) beneficiary: Option<RawPerson>,
    pub(super) petitioner: Option<RawPerson>,
    #[serde(default)]
    pub(super) status: Vec<RawStatus>,
    pub(super) refusal: Option<RawRefusal>,
    #[serde(default)]
    pub(super) documents: Vec<RawDocument>,
}
