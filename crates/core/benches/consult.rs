//! Free consultation slots for 20 attorneys over a 60-day horizon, each with about 3
//! consultations held per working day, one core.
//! Run: `cargo bench -p visanav-core --bench consult`. Figures go in docs/benchmarks.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use visanav_core::consult::{Availability, Booked, free_slots};

const ATTORNEYS: usize = 20;

/// Zones with and without DST, on both sides of UTC, one at +05:45.
const ZONES: [&str; 5] = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Manila",
    "Asia/Kathmandu",
];

/// Three consultations a working day (not all 60 minutes long) at times that vary by
/// attorney and date, inside the default hours.
const HELD: [(i8, i8, u32); 6] = [
    (9, 0, 60),
    (10, 30, 30),
    (13, 0, 45),
    (14, 15, 60),
    (15, 30, 30),
    (16, 0, 60),
];

struct Attorney {
    av: Availability,
    tz: TimeZone,
    booked: Vec<Booked>,
}

fn attorney(i: usize, now: Timestamp) -> Attorney {
    let av = Availability::default_in(ZONES[i % ZONES.len()]);
    let tz = av.validate().expect("default availability is valid");
    let today = now.to_zoned(tz.clone()).date();
    let mut booked = Vec::new();
    let mut date: Date = today;
    for day in 0..=av.horizon_days as usize {
        if !av.hours_on(date).is_empty() {
            for k in 0..3 {
                let (h, m, minutes) = HELD[(i + day + 2 * k) % HELD.len()];
                let start = date
                    .at(h, m, 0, 0)
                    .to_zoned(tz.clone())
                    .expect("a working time exists")
                    .timestamp();
                booked.push(Booked::at(&av, start, minutes));
            }
        }
        date = date.tomorrow().expect("not the end of time");
    }
    Attorney { av, tz, booked }
}

fn bench(c: &mut Criterion) {
    // 2027-03-01: the window runs over the US and European spring-forward changes.
    let now: Timestamp = "2027-03-01T12:00:00Z".parse().expect("timestamp");
    let firm: Vec<Attorney> = (0..ATTORNEYS).map(|i| attorney(i, now)).collect();
    let held: usize = firm.iter().map(|a| a.booked.len()).sum();
    let free: usize = firm
        .iter()
        .map(|a| free_slots(&a.av, &a.tz, 30, &a.booked, now).len())
        .sum();
    eprintln!("{ATTORNEYS} attorneys, {held} consultations held, {free} free 30-minute slots");

    let mut group = c.benchmark_group("consult");
    for minutes in [30, 60] {
        group.bench_function(format!("free_slots_20_attorneys_{minutes}min"), |b| {
            b.iter(|| {
                for a in &firm {
                    black_box(free_slots(&a.av, &a.tz, black_box(minutes), &a.booked, now));
                }
            })
        });
    }
    // As a request would: each availability validated (its zone looked up) first.
    group.bench_function("validate_and_free_slots_20_attorneys_30min", |b| {
        b.iter(|| {
            for a in &firm {
                let tz = a.av.validate().expect("valid");
                black_box(free_slots(&a.av, &tz, 30, &a.booked, now));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
