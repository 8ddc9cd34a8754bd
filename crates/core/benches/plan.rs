//! Planning throughput: 100,000 varied cases, one core.
//!
//!   cargo bench -p visanav-core --bench plan
//!
//! Cases are generated deterministically (a fixed-seed generator) to cover every stage:
//! before the interview, documents requested, administrative processing, petition returned,
//! visa issued, in the US, with documents in every state and several nationalities.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::civil::Date;
use visanav_core::casefile::{
    CaseDocument, CaseFile, DocumentStatus, Person, Refusal, StatusObservation, VisaClass,
};
use visanav_core::knowledge::{Knowledge, StatusSource};
use visanav_core::plan::plan;

const CASES: usize = 100_000;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn date(&mut self, base: Date, spread: i64) -> Date {
        base.checked_add(jiff::Span::new().days(self.below(spread as u64) as i64))
            .expect("in range")
    }
}

fn cases() -> Vec<CaseFile> {
    let base: Date = "2024-01-01".parse().expect("date");
    let posts = [
        "MNL", "HCM", "MEX", "GUZ", "BGT", "SDO", "BNK", "BMB", "LND", "LGS",
    ];
    let nats = [
        "PH", "VN", "MX", "CN", "CO", "DO", "TH", "IN", "GB", "NG", "IR",
    ];
    let kinds = [
        "police_certificate",
        "medical_exam",
        "relationship_evidence",
        "i134_support",
        "passport",
        "birth_certificate",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..CASES)
        .map(|i| {
            let approved = rng.date(base, 300);
            let interview = approved
                .checked_add(jiff::Span::new().days(30 + rng.below(200) as i64))
                .expect("date");
            let stage = i % 6;
            let refusal = (stage == 1 || stage == 2 || stage == 3).then(|| Refusal {
                on: interview,
                sections: if rng.below(10) == 0 {
                    vec!["221(g)".into(), "212(a)(4)".into()]
                } else {
                    vec!["221(g)".into()]
                },
                requested: if stage == 2 {
                    vec![]
                } else {
                    (0..1 + rng.below(3))
                        .map(|_| kinds[rng.below(4) as usize].to_string())
                        .collect()
                },
                submitted_on: (rng.below(2) == 0).then(|| {
                    interview
                        .checked_add(jiff::Span::new().days(rng.below(120) as i64))
                        .expect("d")
                }),
                notes: None,
            });
            let issued = (stage >= 4).then(|| {
                interview
                    .checked_add(jiff::Span::new().days(14))
                    .expect("d")
            });
            let entered = (stage == 5).then(|| {
                issued
                    .expect("issued")
                    .checked_add(jiff::Span::new().days(30))
                    .expect("d")
            });
            let mut status = vec![StatusObservation {
                on: approved,
                status: "Case Was Approved".into(),
                last_updated: None,
                source: StatusSource::Uscis,
            }];
            if refusal.is_some() {
                status.push(StatusObservation {
                    on: interview,
                    status: "Refused".into(),
                    last_updated: Some(interview),
                    source: StatusSource::Ceac,
                });
            }
            if stage == 3 {
                status.push(StatusObservation {
                    on: interview
                        .checked_add(jiff::Span::new().days(90))
                        .expect("d"),
                    status: "Department of State Sent Case to USCIS For Review".into(),
                    last_updated: None,
                    source: StatusSource::Uscis,
                });
            }
            let documents = (0..rng.below(5))
                .map(|_| CaseDocument {
                    kind: kinds[rng.below(kinds.len() as u64) as usize].into(),
                    country: None,
                    issued_on: Some(rng.date(base, 500)),
                    expires_on: None,
                    status: [
                        DocumentStatus::Needed,
                        DocumentStatus::Gathered,
                        DocumentStatus::Submitted,
                    ][rng.below(3) as usize],
                    status_on: None,
                    note: None,
                })
                .collect();
            CaseFile {
                visa: if i % 17 == 0 {
                    VisaClass::K2
                } else {
                    VisaClass::K1
                },
                post: posts[rng.below(posts.len() as u64) as usize].into(),
                ceac_case_number: None,
                ds160_id: None,
                uscis_receipt: None,
                passport_number: None,
                surname: None,
                petition_approved_on: Some(approved),
                interview_on: Some(interview),
                visa_issued_on: issued,
                entered_us_on: entered,
                principal_visa_issued_on: (i % 17 == 0).then_some(approved),
                beneficiary: Some(Person {
                    nationality: Some(nats[rng.below(nats.len() as u64) as usize].into()),
                    ..Default::default()
                }),
                petitioner: None,
                status,
                refusal,
                documents,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let k = Knowledge::embedded().expect("knowledge");
    let cases = cases();
    let today: Date = "2025-09-15".parse().expect("date");
    let mut g = c.benchmark_group("plan");
    g.throughput(Throughput::Elements(CASES as u64));
    g.sample_size(10);
    g.bench_function("100k_varied_cases", |b| {
        b.iter(|| {
            let mut steps = 0usize;
            for case in &cases {
                let p = plan(black_box(case), &k, today);
                steps += p.next_steps.len() + p.deadlines.len();
            }
            black_box(steps)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
