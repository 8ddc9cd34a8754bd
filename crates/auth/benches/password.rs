//! Sign-in cost: one Argon2id hash and one verification at the OWASP parameters.
//!
//!   cargo bench -p visanav-auth --bench password
//!
//! Each iteration is tens of milliseconds, so criterion takes its minimum of ten samples.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use visanav_auth::{hash_password, verify_password};

fn password(c: &mut Criterion) {
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(10);
    let password = "tulip orbit canal measure";
    group.bench_function("hash_password", |b| {
        b.iter(|| hash_password(black_box(password)).expect("hash"))
    });
    let stored = hash_password(password).expect("hash");
    group.bench_function("verify_password", |b| {
        b.iter(|| assert!(verify_password(black_box(password), black_box(&stored))))
    });
    group.finish();
}

criterion_group!(benches, password);
criterion_main!(benches);
